"""Emotion scoring of texts (events:read) and the priority of events (DOMAIN §7.2)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.admin.common import invalid
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.deps import SessionDep
from core_app.api.params import RecordId
from core_app.api.problems import PROBLEM_CONTENT, NotFoundError, Problem, ProblemError
from core_app.audit.service import record
from core_app.emotion import priority as service
from core_app.emotion.schemas import EmotionRequest, EmotionResponse, PriorityRead
from serving.emotion import EmotionModelUnavailable

router = APIRouter(tags=["emotion"], responses=WRITE_RESPONSES)

Reader = Annotated[Principal, Depends(require(service.READ_PERMISSION))]
Dispatcher = Annotated[Principal, Depends(require(service.DISPATCH_PERMISSION))]
UNAVAILABLE = {
    503: {"model": Problem, "description": "No emotion model can be loaded", "content": PROBLEM_CONTENT}
}


@router.post("/emotion", response_model=EmotionResponse, responses=UNAVAILABLE)
def score_emotion(session: SessionDep, principal: Reader, body: EmotionRequest):
    """Score one text or up to 500: polarity, score, intensity, the phrases and root words that drove it,
    urgency and importance, and the priority the text alone gives (repeat contact and category severity are
    not known for a bare text). Empty text answers neutral with a note; text over 10,000 characters is cut.
    """
    if (body.text is None) == (body.texts is None):
        raise invalid("text", "give either text (one text) or texts (a list of texts), not both or neither")
    texts = [body.text] if body.text is not None else body.texts
    try:
        model, results = service.assess_texts(session, texts)
    except EmotionModelUnavailable as exc:
        raise ProblemError(503, str(exc), slug="emotion-model-unavailable") from None
    return {"model": model, "results": results}


def _event_or_404(session: SessionDep, event_id: int, principal: Principal, permission: str):
    # Outside the caller's scope answers exactly like a missing event, so its existence does not leak.
    event = service.event_in_scope(session, event_id, principal, permission)
    if event is None:
        raise NotFoundError(f"Event {event_id} does not exist")
    return event


@router.get("/events/{event_id}/priority", response_model=PriorityRead)
def event_priority(session: SessionDep, principal: Reader, event_id: RecordId):
    """The event's priority (p1-p4) with the reasons and the emotion it was decided from."""
    return service.priority_view(_event_or_404(session, event_id, principal, service.READ_PERMISSION))


@router.post("/events/{event_id}/priority:assess", response_model=PriorityRead, responses=UNAVAILABLE)
def assess_event_priority(request: Request, session: SessionDep, principal: Dispatcher, event_id: RecordId):
    """Assess the event's priority again (after its text, category or place was edited); a new P1 tells
    the dispatchers in its scope at once, as at intake."""
    try:
        event = service.reassess(session, event_id, principal)
    except EmotionModelUnavailable as exc:
        raise ProblemError(503, str(exc), slug="emotion-model-unavailable") from None
    if event is None:
        raise NotFoundError(f"Event {event_id} does not exist")
    session.flush()
    view = service.priority_view(event)
    record(
        session,
        principal=principal,
        action="event.assess_priority",
        entity="events",
        entity_id=event.id,
        after={"priority": event.priority.value, "version": event.version},
        request=request,
    )
    session.commit()
    return view
