"""Warning-rule endpoints: read with warnings:read, configure with warnings:write."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from core_app.access.deps import require
from core_app.access.principal import Principal
from core_app.admin.common import Audit, audit_dependency, commit, get_or_404
from core_app.admin.responses import WRITE_RESPONSES
from core_app.api.deps import SessionDep
from core_app.api.pagination import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page
from core_app.api.params import RecordId
from core_app.warnings import schemas, service
from core_app.warnings.models import RuleType, WarningRule

router = APIRouter(prefix="/admin", tags=["admin: warning rules"], responses=WRITE_RESPONSES)

WarningsRead = Annotated[Principal, Depends(require("warnings:read"))]
WarningsWrite = Annotated[Audit, Depends(audit_dependency("warnings:write"))]


@router.get("/warning-rules", response_model=Page[schemas.WarningRuleRead])
def list_rules(
    session: SessionDep,
    _: WarningsRead,
    rule_type: RuleType | None = None,
    department_id: int | None = None,
    enabled: bool | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
):
    """List warning rules."""
    rows, total = service.list_rules(
        session,
        rule_type=rule_type,
        department_id=department_id,
        enabled=enabled,
        page=page,
        page_size=page_size,
    )
    items = [schemas.WarningRuleRead.model_validate(row) for row in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


@router.get("/warning-rules/{rule_id}", response_model=schemas.WarningRuleRead)
def get_rule(session: SessionDep, _: WarningsRead, rule_id: RecordId):
    """One warning rule."""
    return get_or_404(session, WarningRule, rule_id, "WarningRule")


@router.post("/warning-rules", response_model=schemas.WarningRuleRead, status_code=201)
def create_rule(audit: WarningsWrite, data: schemas.WarningRuleCreate):
    """Add a warning rule (at least two reminders; unit fitting the rule type)."""
    rule = service.create_rule(audit=audit, data=data)
    commit(audit.session)
    return rule


@router.patch("/warning-rules/{rule_id}", response_model=schemas.WarningRuleRead)
def update_rule(audit: WarningsWrite, rule_id: RecordId, data: schemas.WarningRuleUpdate):
    """Change a warning rule."""
    rule = service.update_rule(audit=audit, rule_id=rule_id, data=data)
    commit(audit.session)
    return rule


@router.delete("/warning-rules/{rule_id}", status_code=204)
def delete_rule(audit: WarningsWrite, rule_id: RecordId) -> Response:
    """Delete a warning rule."""
    service.delete_rule(audit=audit, rule_id=rule_id)
    commit(audit.session)
    return Response(status_code=204)
