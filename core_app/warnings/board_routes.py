"""Warning board endpoints: list and read with warnings:read, dispose with warnings:write (data-scoped)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.admin.common import Audit, audit_dependency, commit
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.deps import SessionDep
from core_app.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from core_app.api.params import RecordId
from core_app.api.problems import DETAIL_RESPONSES, LIST_RESPONSES
from core_app.cases.models import CaseStatus
from core_app.db.base import utcnow
from core_app.warnings import board
from core_app.warnings.board_schemas import DisposeRequest, WarningRead, WarningSummary
from core_app.warnings.models import RuleType, WarningLevel, WarningStatus

router = APIRouter(prefix="/warnings", tags=["warning board"])

Reader = Annotated[Principal, Depends(require(board.READ))]
Writer = Annotated[Audit, Depends(audit_dependency(board.WRITE))]
FROM_HELP = "triggered_at on or after this date/datetime (naive = Asia/Shanghai)."
TO_HELP = "triggered_at on or before this date/datetime (a bare date covers the whole day)."


@router.get("", response_model=Page[WarningRead], responses=LIST_RESPONSES)
def list_warnings(
    session: SessionDep,
    principal: Reader,
    department_id: int | None = None,
    matter_id: int | None = None,
    rule_type: RuleType | None = None,
    level: WarningLevel | None = None,
    status: WarningStatus | None = None,
    case_status: Annotated[CaseStatus | None, Query(description="The warned case's status now.")] = None,
    from_: Annotated[str | None, Query(alias="from", description=FROM_HELP)] = None,
    to: Annotated[str | None, Query(description=TO_HELP)] = None,
    overdue_disposal: Annotated[
        bool | None, Query(description="true: disposed late or open past dispose_due_at; false: the others.")
    ] = None,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
) -> Page[WarningRead]:
    """The warning list (预警列表) with its disposal status, newest first."""
    start, end = board.parse_bound(from_, "from", upper=False), board.parse_bound(to, "to", upper=True)
    board.check_range(start, end)
    filters = board.BoardFilters(
        department_id=department_id,
        matter_id=matter_id,
        rule_type=rule_type,
        level=level,
        status=status,
        case_status=case_status,
        start=start,
        end=end,
        overdue_disposal=overdue_disposal,
    )
    return board.list_warnings(session, principal, filters, page=page, page_size=page_size, now=utcnow())


@router.get("/summary", response_model=WarningSummary, response_model_by_alias=True, responses=LIST_RESPONSES)
def warning_summary(
    session: SessionDep,
    principal: Reader,
    from_: Annotated[str | None, Query(alias="from", description=FROM_HELP)] = None,
    to: Annotated[str | None, Query(description=TO_HELP)] = None,
) -> WarningSummary:
    """Per department: triggered, by level, disposed, open, closed and overdue_disposal_count (超期处置)."""
    start, end = board.parse_bound(from_, "from", upper=False), board.parse_bound(to, "to", upper=True)
    board.check_range(start, end)
    return board.summary(session, principal, start, end, utcnow())


@router.get("/{warning_id}", response_model=WarningRead, responses=DETAIL_RESPONSES)
def get_warning(session: SessionDep, principal: Reader, warning_id: RecordId) -> WarningRead:
    """One warning."""
    return board.get_warning(session, principal, warning_id, utcnow())


@router.post("/{warning_id}/dispose", response_model=WarningRead, responses=WRITE_RESPONSES)
def dispose_warning(audit: Writer, warning_id: RecordId, data: DisposeRequest) -> WarningRead:
    """Dispose of a live warning (处置) with a note; audited. 409 if already disposed or closed."""
    result = board.dispose(audit, warning_id, data.note, utcnow())
    commit(audit.session)
    return result
