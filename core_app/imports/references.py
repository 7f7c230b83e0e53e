"""Resolve the codes a file names (matters, departments, halls, staff...) to ids, rejecting unknown ones."""

import pandas as pd
from sqlalchemy import Column, Connection, or_, select

from core_app.cases.models import ApplicantType, Case
from core_app.config import get_settings
from core_app.events.models import EventCategory
from core_app.imports.batch import Batch
from core_app.imports.deadlines import fill_deadlines
from core_app.imports.lookups import distinct_values, ids_by, map_values, rows_by, rows_by_pairs, unknown
from core_app.matters.models import Matter
from core_app.org.models import Department, Hall, Region, Staff, Window
from core_app.people.models import Citizen, Enterprise
from core_app.validation.identifiers import pii_hash

UNKNOWN = "unknown_reference"


def resolve_code(conn: Connection, batch: Batch, field: str, key: Column, target: str, label: str) -> None:
    """Put the id of the row whose `key` equals `field` into `target`; reject codes that do not exist."""
    frame = batch.frame
    frame[target] = map_values(frame[field], ids_by(conn, key, distinct_values(frame[field])))
    batch.reject(unknown(frame[field], frame[target]), field, f"unknown {label}", UNKNOWN)


def resolve_matters(conn: Connection, batch: Batch) -> None:
    """Matter code -> matter_id, and the matter's department for rows that name none."""
    frame = batch.frame
    matters = rows_by(
        conn,
        Matter.code,
        distinct_values(frame["matter_code"]),
        Matter.id,
        Matter.department_id,
        Matter.promised_limit_days,
        Matter.legal_limit_days,
        Matter.limit_unit,
    )
    frame["matter_id"] = map_values(frame["matter_code"], {code: r.id for code, r in matters.items()})
    batch.reject(
        unknown(frame["matter_code"], frame["matter_id"]), "matter_code", "unknown matter code", UNKNOWN
    )
    resolve_code(conn, batch, "department_code", Department.code, "department_id", "department code")
    own_department = map_values(frame["matter_code"], {code: r.department_id for code, r in matters.items()})
    frame["department_id"] = frame["department_id"].where(frame["department_code"].notna(), own_department)
    for column in ("promised_limit_days", "legal_limit_days", "limit_unit"):
        frame[f"_{column}"] = map_values(
            frame["matter_code"], {code: getattr(r, column) for code, r in matters.items()}
        )


def resolve_windows(conn: Connection, batch: Batch) -> None:
    """(hall, window_no) -> window_id; a window number means nothing without its hall."""
    frame = batch.frame
    batch.reject(
        frame["window_no"].notna() & frame["hall_code"].isna(),
        "window_no",
        "window_no needs hall_code",
        "missing_value",
    )
    pairs = frame.loc[frame["window_no"].notna() & frame["hall_id"].notna(), ["hall_id", "window_no"]]
    windows = rows_by_pairs(
        conn, (Window.hall_id, Window.window_no), list(pairs.itertuples(index=False, name=None)), Window.id
    )
    keys = frame["hall_id"].astype(str) + "|" + frame["window_no"].astype(str)
    frame["window_id"] = map_values(keys, {f"{h}|{n}": r.id for (h, n), r in windows.items()})
    batch.reject(
        unknown(frame["window_no"].where(frame["hall_id"].notna()), frame["window_id"]),
        "window_no",
        "unknown window_no in this hall",
        UNKNOWN,
    )


def resolve_staff(conn: Connection, batch: Batch, fields: dict[str, str]) -> None:
    """Staff numbers -> staff ids, one query for every staff column of the file."""
    frame = batch.frame
    ids = ids_by(conn, Staff.staff_no, distinct_values(*(frame[f] for f in fields)))
    for field, target in fields.items():
        frame[target] = map_values(frame[field], ids)
        batch.reject(unknown(frame[field], frame[target]), field, "unknown staff_no", UNKNOWN)


def hash_id_cards(series: pd.Series) -> pd.Series:
    """HMAC of each ID number (None stays None)."""
    key = get_settings().pii_hash_key
    return series.map(lambda number: pii_hash(number, key), na_action="ignore").astype(object)


def resolve_citizens(conn: Connection, batch: Batch, field: str) -> None:
    """Hash ID numbers and find the citizens that exist already (the rest are created when writing)."""
    frame = batch.frame
    frame["id_card_hash"] = hash_id_cards(frame[field])
    frame["citizen_id"] = map_values(
        frame["id_card_hash"], ids_by(conn, Citizen.id_card_hash, distinct_values(frame["id_card_hash"]))
    )


def resolve_enterprises(conn: Connection, batch: Batch) -> None:
    """Find enterprises by USCC; a new one can only be created when the row names it."""
    frame = batch.frame
    frame["enterprise_id"] = map_values(
        frame["uscc"], ids_by(conn, Enterprise.uscc, distinct_values(frame["uscc"]))
    )
    nameless_new = frame["uscc"].notna() & frame["enterprise_id"].isna() & frame["applicant_name"].isna()
    batch.reject(
        nameless_new,
        "applicant_name",
        "applicant_name is required to create a new enterprise",
        "missing_value",
    )


def resolve_case_references(conn: Connection, batch: Batch) -> None:
    """Everything a case row points to."""
    frame = batch.frame
    resolve_matters(conn, batch)
    resolve_code(conn, batch, "hall_code", Hall.code, "hall_id", "hall code")
    resolve_windows(conn, batch)
    resolve_staff(
        conn, batch, {"receiver_staff_no": "receiver_staff_id", "handler_staff_no": "handler_staff_id"}
    )
    resolve_code(conn, batch, "intake_region_code", Region.code, "intake_region_id", "region code")
    is_citizen = frame["applicant_type"].eq(ApplicantType.CITIZEN)
    is_enterprise = frame["applicant_type"].eq(ApplicantType.ENTERPRISE)
    # Only the applicant's own identity is linked: an enterprise row may also carry its agent's ID number.
    frame["applicant_id_card"] = frame["applicant_id_card"].where(is_citizen, None)
    frame["uscc"] = frame["uscc"].where(is_enterprise, None)
    resolve_citizens(conn, batch, "applicant_id_card")
    resolve_enterprises(conn, batch)
    fill_deadlines(conn, frame)


def resolve_matter_references(conn: Connection, batch: Batch) -> None:
    resolve_code(conn, batch, "department_code", Department.code, "department_id", "department code")


def _region_lookup(conn: Connection, values: list[str]) -> tuple[dict[str, int], set[str]]:
    """Map region codes and unambiguous names to ids; also return names that match several regions."""
    found = conn.execute(
        select(Region.id, Region.code, Region.name).where(
            or_(Region.code.in_(values), Region.name.in_(values))
        )
    ).all()
    by_name = pd.Series([r.id for r in found], index=[r.name for r in found], dtype=object)
    ambiguous = set(by_name.index[by_name.index.duplicated()])
    ids = {name: int(i) for name, i in by_name.items() if name not in ambiguous}
    ids |= {r.code: r.id for r in found}  # a code always wins over a name
    return ids, ambiguous - {r.code for r in found}


def resolve_regions(conn: Connection, batch: Batch, fields: dict[str, str]) -> None:
    """Street/community given by region code or name -> region ids."""
    frame = batch.frame
    ids, ambiguous = _region_lookup(conn, distinct_values(*(frame[f] for f in fields)))
    for field, target in fields.items():
        frame[target] = map_values(frame[field], ids)
        is_ambiguous = frame[field].isin(ambiguous)
        batch.reject(
            is_ambiguous, field, "region name matches several regions; use its code", "ambiguous_reference"
        )
        batch.reject(
            unknown(frame[field], frame[target]) & ~is_ambiguous,
            field,
            "unknown region code or name",
            UNKNOWN,
        )


def resolve_event_references(conn: Connection, batch: Batch) -> None:
    frame = batch.frame
    resolve_code(conn, batch, "category_code", EventCategory.code, "category_id", "event category code")
    resolve_code(conn, batch, "department_code", Department.code, "department_id", "department code")
    resolve_regions(conn, batch, {"street": "street_id", "community": "community_id"})
    # The event's region is the finest place known: its community, else its street.
    frame["region_id"] = frame["community_id"].where(frame["community_id"].notna(), frame["street_id"])


def resolve_review_references(conn: Connection, batch: Batch) -> None:
    """A review takes its matter, department, staff (and default channel) from its case."""
    frame = batch.frame
    cases = rows_by(
        conn,
        Case.case_no,
        distinct_values(frame["case_no"]),
        Case.id,
        Case.matter_id,
        Case.department_id,
        Case.handler_staff_id,
        Case.receiver_staff_id,
        Case.channel,
    )
    frame["case_id"] = map_values(frame["case_no"], {no: r.id for no, r in cases.items()})
    batch.reject(unknown(frame["case_no"], frame["case_id"]), "case_no", "unknown case_no", UNKNOWN)
    for target in ("matter_id", "department_id"):
        frame[target] = map_values(frame["case_no"], {no: getattr(r, target) for no, r in cases.items()})
    frame["staff_id"] = map_values(
        frame["case_no"],
        {
            no: r.handler_staff_id or r.receiver_staff_id
            for no, r in cases.items()
            if r.handler_staff_id or r.receiver_staff_id
        },
    )
    case_channel = map_values(frame["case_no"], {no: r.channel for no, r in cases.items()})
    frame["channel"] = frame["channel"].where(frame["channel"].notna(), case_channel)
    frame["is_good"] = frame["level"].map(lambda level: level >= 3, na_action="ignore").astype(object)


def resolve_ticket_references(conn: Connection, batch: Batch) -> None:
    resolve_code(conn, batch, "hall_code", Hall.code, "hall_id", "hall code")
    resolve_windows(conn, batch)
    resolve_staff(conn, batch, {"staff_no": "staff_id"})
    resolve_code(conn, batch, "case_no", Case.case_no, "case_id", "case_no")
    resolve_citizens(conn, batch, "applicant_id_card")
