"""What each import kind is: its row model, target table, natural key and how its references resolve."""

import enum
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table

from core_app.cases.models import Case, QueueTicket, Review
from core_app.events.models import Event
from core_app.imports import references
from core_app.imports.batch import Batch
from core_app.imports.errors import ImportInputError
from core_app.imports.parties import create_citizens, create_enterprises
from core_app.imports.rows import (
    DEFAULT_QUEUE_GROUP,
    CaseRow,
    EventRow,
    ImportRow,
    MatterRow,
    ReviewRow,
    TicketRow,
)
from core_app.matters.models import Matter


class ImportKind(enum.StrEnum):
    MATTERS = "matters"
    CASES = "cases"
    EVENTS = "events"
    REVIEWS = "reviews"
    TICKETS = "tickets"


ALWAYS: tuple[str, ...] = ()  # derived from the row itself, so rewritten on every import


@dataclass(frozen=True)
class KindSpec:
    """How one kind of file lands in its table."""

    model: type[ImportRow]
    table: Table
    key: tuple[str, ...]
    resolve: Callable[[Connection, Batch], None]
    # table column -> file fields it is computed from (columns named like a field need no entry)
    derived: dict[str, tuple[str, ...]]
    generators: dict[str, Callable[[dict], Any]] = field(default_factory=dict)
    create_parties: Callable[[Connection, pd.DataFrame], dict[str, int]] | None = None

    def written_columns(self, present_fields: set[str]) -> list[str]:
        """Table columns this file sets on an existing row: those its columns feed, plus derived ones."""
        columns = {
            c for c, sources in self.derived.items() if not sources or present_fields.intersection(sources)
        }
        columns |= present_fields.intersection(self.table.c.keys())
        return sorted(columns - set(self.key) - {"id", "created_at", "updated_at"})


def event_number(row: dict) -> str:
    """A stable event number for events whose file gives none: same source + id, same number."""
    digest = hashlib.sha1(f"{row['source']}|{row['external_id']}".encode()).hexdigest()
    return f"EV-{digest[:16].upper()}"


def case_parties(conn: Connection, frame: pd.DataFrame) -> dict[str, int]:
    return {
        "citizens": create_citizens(
            conn, frame, "applicant_id_card", name_field="applicant_name", phone_field="applicant_phone"
        ),
        "enterprises": create_enterprises(conn, frame),
    }


def ticket_parties(conn: Connection, frame: pd.DataFrame) -> dict[str, int]:
    return {"citizens": create_citizens(conn, frame, "applicant_id_card")}


KINDS: dict[ImportKind, KindSpec] = {
    ImportKind.MATTERS: KindSpec(
        model=MatterRow,
        table=Matter.__table__,
        key=("code",),
        resolve=references.resolve_matter_references,
        derived={"department_id": ("department_code",)},
    ),
    ImportKind.CASES: KindSpec(
        model=CaseRow,
        table=Case.__table__,
        key=("case_no",),
        resolve=references.resolve_case_references,
        derived={
            "matter_id": ALWAYS,
            "department_id": ALWAYS,
            "applicant_type": ALWAYS,
            "status": ALWAYS,
            "submitted_at": ALWAYS,
            "citizen_id": ALWAYS,
            "enterprise_id": ALWAYS,
            "hall_id": ("hall_code",),
            "window_id": ("window_no",),
            "receiver_staff_id": ("receiver_staff_no",),
            "handler_staff_id": ("handler_staff_no",),
            "intake_region_id": ("intake_region_code",),
            "due_at": ("accepted_at", "due_at"),
            "legal_due_at": ("accepted_at", "legal_due_at"),
        },
        create_parties=case_parties,
    ),
    ImportKind.EVENTS: KindSpec(
        model=EventRow,
        table=Event.__table__,
        key=("source", "external_id"),
        resolve=references.resolve_event_references,
        derived={
            "title": ALWAYS,
            "reporter_type": ALWAYS,
            "status": ALWAYS,
            "category_id": ("category_code",),
            "department_id": ("department_code",),
            "street_id": ("street",),
            "region_id": ("street", "community"),
        },
        generators={"event_no": event_number},
    ),
    ImportKind.REVIEWS: KindSpec(
        model=ReviewRow,
        table=Review.__table__,
        key=("case_id", "round"),
        resolve=references.resolve_review_references,
        derived={"matter_id": ALWAYS, "department_id": ALWAYS, "staff_id": ALWAYS, "is_good": ALWAYS},
    ),
    ImportKind.TICKETS: KindSpec(
        model=TicketRow,
        table=QueueTicket.__table__,
        key=("hall_id", "taken_on", "ticket_no"),
        resolve=references.resolve_ticket_references,
        derived={
            "status": ALWAYS,
            "window_id": ("window_no",),
            "staff_id": ("staff_no",),
            "citizen_id": ("applicant_id_card",),
            "case_id": ("case_no",),
        },
        generators={"queue_group": lambda _row: DEFAULT_QUEUE_GROUP},
        create_parties=ticket_parties,
    ),
}


def kind_spec(kind: str) -> KindSpec:
    """Look up a kind by name; unknown kinds are an input error."""
    try:
        return KINDS[ImportKind(str(kind).strip().lower())]
    except ValueError:
        raise ImportInputError(f"unknown import kind {kind!r}; use one of: {', '.join(KINDS)}") from None
