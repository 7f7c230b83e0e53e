"""GET /handling-queue: the signed-in handler's events to sign off and finish, with their deadlines."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.api.deps import SessionDep
from core_app.api.problems import AUTH_RESPONSES
from core_app.events import worklist as service

router = APIRouter(tags=["event handling"], responses=AUTH_RESPONSES)

Handler = Annotated[Principal, Depends(require(service.HANDLE_PERMISSION))]


@router.get("/handling-queue", response_model=list[service.WorkItem])
def handling_queue(
    session: SessionDep,
    principal: Handler,
    limit: Annotated[int, Query(ge=1, le=1000, description="At most this many events.")] = 200,
):
    """Events your department leads and has not finished: the nearest 153024 deadline first."""
    return service.worklist(session, principal, limit)
