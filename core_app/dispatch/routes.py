"""Dispatch recommendation endpoints: ask the model about an event (events:dispatch), list the answers."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.deps import SessionDep
from core_app.api.params import RecordId
from core_app.api.problems import PROBLEM_CONTENT, NotFoundError, Problem, ProblemError
from core_app.audit.service import record, snapshot
from core_app.dispatch import service
from core_app.dispatch.schemas import QueueItem, RecommendationRead
from serving.predictor import DispatchModelUnavailable, predictor_for_app

router = APIRouter(tags=["dispatch"], responses=WRITE_RESPONSES)

Dispatcher = Annotated[Principal, Depends(require(service.RECOMMEND_PERMISSION))]
Reader = Annotated[Principal, Depends(require(service.READ_PERMISSION))]
UNAVAILABLE = {
    503: {"model": Problem, "description": "No dispatch model is registered", "content": PROBLEM_CONTENT}
}


def _event_or_404(session: SessionDep, event_id: int, principal: Principal, permission: str) -> None:
    # Outside the caller's scope answers exactly like a missing event, so its existence does not leak.
    if not service.event_in_scope(session, event_id, principal, permission):
        raise NotFoundError(f"Event {event_id} does not exist")


@router.post(
    "/events/{event_id}/recommendation",
    response_model=RecommendationRead,
    status_code=201,
    responses=UNAVAILABLE,
)
def recommend(request: Request, session: SessionDep, principal: Dispatcher, event_id: RecordId):
    """Rank departments for the event with the dispatch model; store and return the table."""
    _event_or_404(session, event_id, principal, service.RECOMMEND_PERMISSION)
    try:
        recommendation = service.recommend(session, event_id, predictor_for_app(), principal.user_id)
    except DispatchModelUnavailable as exc:
        raise ProblemError(503, str(exc), slug="dispatch-model-unavailable") from None
    record(
        session,
        principal=principal,
        action="create",
        entity="dispatch_recommendations",
        entity_id=recommendation.id,
        after={k: v for k, v in snapshot(recommendation).items() if k != "table"},
        request=request,
    )
    session.commit()
    return recommendation


@router.get("/events/{event_id}/recommendations", response_model=list[RecommendationRead])
def list_recommendations(session: SessionDep, principal: Reader, event_id: RecordId):
    """The event's stored recommendations, newest first (at most 100)."""
    _event_or_404(session, event_id, principal, service.READ_PERMISSION)
    return service.recommendations_of(session, event_id)


@router.get("/dispatch-queue", response_model=list[QueueItem])
def dispatch_queue(
    session: SessionDep,
    principal: Dispatcher,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many events.")] = 200,
):
    """Events waiting for a dispatcher (not duplicates): highest priority first, then the oldest."""
    return service.dispatch_queue(session, principal, limit)
