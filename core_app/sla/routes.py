"""Configuration of the event loop as data: SLA policies (153024 limits, reminders, 督办) and the
per-source intake policies (auto-dispatch thresholds, duplicate window).

Reading: SLA policies with ``warnings:read`` or ``events:read`` (handlers may know their limits);
source policies with ``warnings:read`` or ``events:dispatch`` (thresholds are internal). Writing both
needs ``warnings:write`` (the 消息预警 back office) over the whole district, since a row applies to every
department; every write is audited.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.access.deps import require, require_any
from core_app.access.models import ScopeKind
from core_app.access.principal import Principal
from core_app.admin.common import commit, invalid
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.deps import SessionDep
from core_app.api.problems import ForbiddenError
from core_app.audit.service import record, snapshot
from core_app.events.models import EventCategory, EventSource, EventSourcePolicy
from core_app.sla.models import SlaPolicy
from core_app.sla.schemas import SlaPolicyRead, SlaPolicyWrite, SourcePolicyRead, SourcePolicyWrite

router = APIRouter(tags=["admin: SLA and source policies"], responses=WRITE_RESPONSES)

WRITE_PERMISSION = "warnings:write"
SlaReader = Annotated[Principal, Depends(require_any("warnings:read", "events:read"))]
SourceReader = Annotated[Principal, Depends(require_any("warnings:read", "events:dispatch"))]
Writer = Annotated[Principal, Depends(require(WRITE_PERMISSION))]


def _district_wide(principal: Principal) -> None:
    """Refuse a writer whose warnings:write is scoped to part of the district."""
    if not any(g.scope == ScopeKind.ALL for g in principal.grants_for(WRITE_PERMISSION)):
        raise ForbiddenError(
            f"{principal.username} holds {WRITE_PERMISSION!r} only for part of the district; "
            "these policies apply district-wide"
        )


def _sla_read(policy: SlaPolicy) -> SlaPolicyRead:
    ratios = [float(part) for part in policy.reminder_ratios.split(",") if part.strip()]
    return SlaPolicyRead(
        id=policy.id,
        category_id=policy.category_id,
        complexity=policy.complexity,
        sign_minutes=policy.sign_minutes,
        handle_minutes=policy.handle_minutes,
        handle_working_days=policy.handle_working_days,
        clock=policy.clock,
        reminder_ratios=ratios,
        supervise_ratio=policy.supervise_ratio,
        updated_at=policy.updated_at,
    )


@router.get("/sla-policies", response_model=list[SlaPolicyRead])
def list_sla_policies(session: SessionDep, _: SlaReader):
    """Every SLA policy row: the district defaults (no category) first, then per category.

    Without a default row for a complexity, the built-in 153024 applies: sign 15 min; handle 30 min
    (simple) or 24 h (complex); reminders at 50 % and 80 %, 催办 at 100 %, 督办 at 150 %.
    """
    rows = session.scalars(
        select(SlaPolicy).order_by(
            SlaPolicy.category_id.is_not(None), SlaPolicy.category_id, SlaPolicy.complexity
        )
    )
    return [_sla_read(row) for row in rows]


@router.put("/sla-policies", response_model=SlaPolicyRead)
def put_sla_policy(
    request: Request, response: Response, session: SessionDep, principal: Writer, data: SlaPolicyWrite
):
    """Create or replace the row for (category_id, complexity); running timers keep their deadlines."""
    _district_wide(principal)
    if data.category_id is not None and session.get(EventCategory, data.category_id) is None:
        raise invalid("category_id", f"EventCategory {data.category_id} does not exist")
    category = (
        SlaPolicy.category_id.is_(None)
        if data.category_id is None
        else SlaPolicy.category_id == data.category_id
    )
    policy = session.scalar(select(SlaPolicy).where(category, SlaPolicy.complexity == data.complexity))
    values: dict[str, Any] = data.model_dump()
    values["reminder_ratios"] = ",".join(f"{r:g}" for r in data.reminder_ratios)
    before = None if policy is None else snapshot(policy)
    if policy is None:
        policy = SlaPolicy(**values)
        session.add(policy)
        response.status_code = 201
    else:
        for name, value in values.items():
            setattr(policy, name, value)
    session.flush()
    _audit(session, principal, request, "create" if before is None else "update", policy, before)
    commit(session, on_conflict=("complexity", "a policy for this category and complexity exists"))
    return _sla_read(policy)


def _audit(session: Session, principal: Principal, request: Request, action: str, row: Any, before) -> None:
    record(
        session,
        principal=principal,
        action=action,
        entity=row.__tablename__,
        entity_id=row.id,
        before=before,
        after=snapshot(row),
        request=request,
    )


def _source_read(source: EventSource, policy: EventSourcePolicy | None) -> SourcePolicyRead:
    if policy is None:
        columns = EventSourcePolicy.__table__.c
        return SourcePolicyRead(
            source=source,
            configured=False,
            auto_dispatch=columns.auto_dispatch.default.arg,
            min_confidence=columns.min_confidence.default.arg,
            min_margin=columns.min_margin.default.arg,
            dedup_window_hours=columns.dedup_window_hours.default.arg,
            updated_at=None,
        )
    return SourcePolicyRead(
        source=source,
        configured=True,
        auto_dispatch=policy.auto_dispatch,
        min_confidence=policy.min_confidence,
        min_margin=policy.min_margin,
        dedup_window_hours=policy.dedup_window_hours,
        updated_at=policy.updated_at,
    )


def _source_policy(session: Session, source: EventSource) -> EventSourcePolicy | None:
    return session.scalar(select(EventSourcePolicy).where(EventSourcePolicy.source == source))


@router.get("/event-source-policies", response_model=list[SourcePolicyRead])
def list_source_policies(session: SessionDep, _: SourceReader):
    """The policy of every intake source (built-in defaults where none is configured)."""
    rows = {row.source: row for row in session.scalars(select(EventSourcePolicy))}
    return [_source_read(source, rows.get(source)) for source in EventSource]


@router.get("/event-source-policies/{source}", response_model=SourcePolicyRead)
def get_source_policy(session: SessionDep, _: SourceReader, source: EventSource):
    """One source's policy: whether and above which confidence the model dispatches alone; dedup window."""
    return _source_read(source, _source_policy(session, source))


@router.put("/event-source-policies/{source}", response_model=SourcePolicyRead)
def put_source_policy(
    request: Request,
    response: Response,
    session: SessionDep,
    principal: Writer,
    source: EventSource,
    data: SourcePolicyWrite,
):
    """Create or replace one source's policy."""
    _district_wide(principal)
    policy = _source_policy(session, source)
    before = None if policy is None else snapshot(policy)
    if policy is None:
        policy = EventSourcePolicy(source=source, **data.model_dump())
        session.add(policy)
        response.status_code = 201
    else:
        for name, value in data.model_dump().items():
            setattr(policy, name, value)
    session.flush()
    _audit(session, principal, request, "create" if before is None else "update", policy, before)
    commit(session, on_conflict=("source", "a policy for this source exists"))
    return _source_read(source, policy)
