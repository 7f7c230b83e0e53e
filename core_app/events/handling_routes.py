"""The closed loop over HTTP: one POST per action on an event, its state, history and assignments.

The routes are built from the lifecycle's transition table, so the API offers exactly the actions the
state machine knows, each guarded by the permissions the table names.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from core_app.access.deps import require, require_any
from core_app.access.principal import Principal
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.deps import SessionDep
from core_app.api.params import RecordId
from core_app.api.problems import PROBLEM_CONTENT, FieldError, NotFoundError, Problem, ProblemError
from core_app.audit.service import record
from core_app.events import lifecycle
from core_app.events.action_schemas import (
    ACTION_BODIES,
    ActionBody,
    AssignmentRead,
    EventActionRead,
    EventState,
)
from core_app.events.models import Assignment, Event

router = APIRouter(tags=["event handling"])

Reader = Annotated[Principal, Depends(require("events:read"))]
CONFLICT = {
    409: {
        "model": Problem,
        "description": "Not possible in this state, or the event changed meanwhile; lists allowed_actions",
        "content": PROBLEM_CONTENT,
    }
}


def event_state(session: Session, event: Event, principal: Principal | None) -> EventState:
    """The event's state with its open lead assignment and the caller's allowed actions."""
    assignment = lifecycle.open_assignment(session, event.id)
    state = EventState.model_validate(event)
    state.assignment = AssignmentRead.model_validate(assignment) if assignment else None
    state.allowed_actions = lifecycle.allowed_actions(session, event, principal)
    return state


def _visible_or_404(session: Session, event_id: int, principal: Principal) -> Event:
    event = lifecycle.visible_event(session, event_id, principal)
    if event is None:
        raise NotFoundError(f"Event {event_id} does not exist")
    return event


def _problem(error: lifecycle.LifecycleError) -> ProblemError:
    errors = [FieldError(field=error.field, reason=error.detail)] if error.field else None
    slug = {404: None, 422: "validation-error"}.get(error.status, "invalid-transition")
    if isinstance(error, lifecycle.StaleEvent):
        slug = "stale-event"
    return ProblemError(error.status, error.detail, slug=slug, errors=errors, allowed_actions=error.allowed)


def take_action(
    request: Request, session: Session, principal: Principal, event_id: int, action: str, body: ActionBody
) -> EventState:
    """Run the action, audit it and commit; a concurrent change makes it a 409, never a half-write."""
    payload: dict[str, Any] = body.model_dump(exclude={"version"}, exclude_none=True)
    try:
        event = lifecycle.perform(
            session,
            event_id=event_id,
            action=action,
            principal=principal,
            payload=payload,
            expected_version=body.version,
        )
        record(
            session,
            principal=principal,
            action=f"event.{action}",
            entity="events",
            entity_id=event.id,
            after={"status": event.status.value, "version": event.version},
            request=request,
        )
        session.commit()
    except lifecycle.LifecycleError as error:
        session.rollback()
        raise _problem(error) from None
    except StaleDataError:
        session.rollback()
        raise _problem(
            lifecycle.StaleEvent("someone else changed the event at the same time; reload it")
        ) from None
    return event_state(session, event, principal)


def _add_action_route(action: str, body_model: type[ActionBody]) -> None:
    transition = lifecycle.TRANSITIONS[action]
    Actor = Annotated[Principal, Depends(require_any(*transition.permissions))]

    def endpoint(
        request: Request, session: SessionDep, principal: Actor, event_id: RecordId, body: body_model
    ):  # type: ignore[valid-type]
        return take_action(request, session, principal, event_id, action, body)

    endpoint.__name__ = f"event_{action}"
    endpoint.__doc__ = f"{action.replace('_', ' ').capitalize()} (event state machine, DOMAIN §5.2)."
    router.add_api_route(
        f"/events/{{event_id}}/{action.replace('_', '-')}",
        endpoint,
        methods=["POST"],
        response_model=EventState,
        responses={**WRITE_RESPONSES, **CONFLICT},
        summary=f"Event: {action.replace('_', ' ')}",
    )


for _action, _body in ACTION_BODIES.items():
    _add_action_route(_action, _body)


@router.get("/events/{event_id}/state", response_model=EventState)
def get_state(session: SessionDep, principal: Reader, event_id: RecordId):
    """Where the event stands, its open assignment and the actions open to the caller."""
    return event_state(session, _visible_or_404(session, event_id, principal), principal)


@router.get("/events/{event_id}/history", response_model=list[EventActionRead])
def get_history(session: SessionDep, principal: Reader, event_id: RecordId):
    """Every action taken on the event, oldest first."""
    _visible_or_404(session, event_id, principal)
    return lifecycle.history(session, event_id)


@router.get("/events/{event_id}/assignments", response_model=list[AssignmentRead])
def get_assignments(session: SessionDep, principal: Reader, event_id: RecordId):
    """Every assignment of the event (lead and assisting, current and past), oldest first."""
    _visible_or_404(session, event_id, principal)
    return list(
        session.scalars(select(Assignment).where(Assignment.event_id == event_id).order_by(Assignment.id))
    )
