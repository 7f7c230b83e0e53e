"""POST /intake/events and /intake/events:batch: events pushed by source systems (API keys) or by staff.

An API key is bound to one source and that source is used; naming another in the body is refused (403).
A key of the city platform may push any city_* source and must name it. A user with events:ingest names
the source in the body.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.admin.common import invalid
from core_app.api.deps import SessionDep
from core_app.api.problems import (
    AUTH_RESPONSES,
    PROBLEM_CONTENT,
    ForbiddenError,
    Problem,
)
from core_app.config import LOCAL_TZ
from core_app.db.base import utcnow
from core_app.events.models import Event, EventSource
from core_app.intake.dispatcher import after_commit
from core_app.intake.schemas import CITY_SOURCES, BatchIn, BatchRead, EventIn, IntakeRead
from core_app.intake.service import Actor, IntakeError, Outcome, dispatchable, ingest

router = APIRouter(prefix="/intake", tags=["intake"])
Ingester = Annotated[Principal, Depends(require("events:ingest"))]
CITY_PLATFORM = "city_platform"
RESPONSES = {
    **AUTH_RESPONSES,
    422: {"model": Problem, "description": "Invalid event (the field is named)", "content": PROBLEM_CONTENT},
}


def resolve_source(principal: Principal, named: set[EventSource | None]) -> EventSource:
    """The source the events are stored under: the API key's, or the one the body names."""
    named_sources = {s for s in named if s is not None}
    if principal.source is None:
        if None in named or len(named_sources) != 1:
            raise invalid("source", "name the source of the events (one source per request)")
        return named_sources.pop()
    if principal.source == CITY_PLATFORM:
        if None in named or len(named_sources) != 1:
            raise invalid("source", "a city platform key must name one city_* source")
        source = named_sources.pop()
        if source not in CITY_SOURCES:
            raise ForbiddenError(f"a city platform key may push city_* sources only, not {source.value}")
        return source
    try:
        own = EventSource(principal.source)
    except ValueError:
        raise ForbiddenError(f"an API key of {principal.source} may not push events") from None
    others = named_sources - {own}
    if others:
        raise ForbiddenError(
            f"this API key is bound to source {own.value}; it cannot push events of {sorted(others)[0].value}"
        )
    return own


def intake_read(outcome: Outcome) -> IntakeRead:
    event: Event = outcome.event
    return IntakeRead(
        id=event.id,
        event_no=event.event_no,
        source=event.source,
        external_id=event.external_id,
        upstream_no=event.upstream_no,
        status=event.status,
        duplicate_of_id=event.duplicate_of_id,
        duplicate_of_no=outcome.duplicate.event_no if outcome.duplicate else None,
        category_id=event.category_id,
        street_id=event.street_id,
        region_id=event.region_id,
        lon=event.lon,
        lat=event.lat,
        department_id=event.department_id,
        # Local time, as the database returns it (a fresh event still holds the UTC value it was given).
        reported_at=event.reported_at.astimezone(LOCAL_TZ),
        received_at=event.received_at.astimezone(LOCAL_TZ) if event.received_at else None,
        created=outcome.created,
    )


def _ingest(session: SessionDep, principal: Principal, items: list[EventIn]) -> list[Outcome]:
    source = resolve_source(principal, {item.source for item in items})
    actor = Actor(name=principal.username, user_id=principal.user_id)
    try:
        outcomes = ingest(session, items, source=source, actor=actor, now=utcnow())
    except IntakeError as exc:
        session.rollback()
        raise invalid(exc.field, exc.reason) from None
    session.commit()
    after_commit(session, dispatchable(outcomes))
    return outcomes


@router.post(
    "/events",
    response_model=IntakeRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        **RESPONSES,
        200: {"model": IntakeRead, "description": "A replay: the event already received"},
    },
    summary="Receive one event (idempotent on source and external_id)",
)
def receive_event(body: EventIn, session: SessionDep, principal: Ingester, response: Response) -> IntakeRead:
    """201 with the new event; 200 with the stored one when (source, external_id) was received before, even
    if the replay's content differs. A likely duplicate of an open event is linked (duplicate_of_id) and not
    dispatched."""
    outcome = _ingest(session, principal, [body])[0]
    if not outcome.created:
        response.status_code = status.HTTP_200_OK
    return intake_read(outcome)


@router.post(
    "/events:batch",
    response_model=BatchRead,
    responses=RESPONSES,
    summary="Receive up to 500 events of one source at once",
)
def receive_batch(body: BatchIn, session: SessionDep, principal: Ingester) -> BatchRead:
    """All or nothing: an invalid event refuses the batch (422 naming events.N.field); replays and duplicates
    are handled per event as in POST /intake/events."""
    outcomes = _ingest(session, principal, body.events)
    return BatchRead(
        created=sum(o.created for o in outcomes),
        replayed=sum(not o.created for o in outcomes),
        duplicates=sum(o.duplicate is not None for o in outcomes),
        events=[intake_read(o) for o in outcomes],
    )
