"""Warning-rule configuration; a department-scoped grant reaches only its department subtree."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core_app.admin.common import (
    Audit,
    audited_create,
    audited_delete,
    audited_update,
    get_or_404,
    invalid,
    patch_values,
    require_reference,
)
from core_app.admin.scope import reachable_departments
from core_app.api.problems import ForbiddenError
from core_app.matters.models import Matter
from core_app.org.models import Department, Hall
from core_app.warnings import schemas
from core_app.warnings.models import RuleType, ThresholdUnit, WarningRule

WRITE_PERMISSION = "warnings:write"


def _joined(values: list[Any]) -> str:
    return ",".join(dict.fromkeys(str(value) for value in values))


def _check_scope(audit: Audit, department_id: int | None) -> None:
    """Refuse (403) a rule outside the departments the caller's warnings:write grants reach."""
    reachable = reachable_departments(audit.session, audit.principal, WRITE_PERMISSION)
    if reachable is None:
        return
    if department_id is None:
        raise ForbiddenError("a rule without a department applies everywhere: it needs an unscoped grant")
    if department_id not in reachable:
        raise ForbiddenError(f"department {department_id} is outside the departments your grant reaches")


def _check_measure(rule_type: RuleType, unit: ThresholdUnit, threshold: float) -> None:
    allowed = schemas.UNITS[rule_type]
    if unit not in allowed:
        listed = ", ".join(sorted(u.value for u in allowed))
        raise invalid("unit", f"a {rule_type.value} rule is measured in {listed}, not {unit.value}")
    if threshold == 0 and rule_type not in schemas.ZERO_THRESHOLD_TYPES:
        raise invalid("threshold", f"a {rule_type.value} rule needs a threshold above 0")
    if unit == ThresholdUnit.RATIO and threshold > 1:
        raise invalid("threshold", "a ratio threshold lies in (0, 1]")


def _check_references(session: Session, values: dict[str, Any]) -> None:
    require_reference(session, Department, values.get("department_id"), "department_id")
    require_reference(session, Matter, values.get("matter_id"), "matter_id")
    require_reference(session, Hall, values.get("hall_id"), "hall_id")


def create_rule(*, audit: Audit, data: schemas.WarningRuleCreate) -> WarningRule:
    """Add a warning rule."""
    values = data.model_dump()
    _check_references(audit.session, values)
    _check_scope(audit, data.department_id)
    _check_measure(data.rule_type, data.unit, data.threshold)
    values |= {"recipients": _joined(data.recipients), "channels": _joined(data.channels)}
    return audited_create(audit.session, audit, WarningRule(**values))


def update_rule(*, audit: Audit, rule_id: int, data: schemas.WarningRuleUpdate) -> WarningRule:
    """Change a warning rule (both its old and its new department must be within the caller's scope)."""
    session = audit.session
    rule = get_or_404(session, WarningRule, rule_id, "WarningRule")
    _check_scope(audit, rule.department_id)
    changes = patch_values(data, WarningRule)
    _check_references(session, changes)
    if "department_id" in changes:
        _check_scope(audit, changes["department_id"])
    _check_measure(
        changes.get("rule_type", rule.rule_type),
        changes.get("unit", rule.unit),
        changes.get("threshold", rule.threshold),
    )
    for name in ("recipients", "channels"):
        if name in changes:
            changes[name] = _joined(changes[name])
    return audited_update(session, audit, rule, changes)


def delete_rule(*, audit: Audit, rule_id: int) -> None:
    """Delete a warning rule."""
    rule = get_or_404(audit.session, WarningRule, rule_id, "WarningRule")
    _check_scope(audit, rule.department_id)
    audited_delete(audit.session, audit, rule)


def list_rules(
    session: Session,
    *,
    rule_type: RuleType | None,
    department_id: int | None,
    enabled: bool | None,
    page: int,
    page_size: int,
) -> tuple[Sequence[WarningRule], int]:
    """One page of rules, by id."""
    conditions = []
    if rule_type is not None:
        conditions.append(WarningRule.rule_type == rule_type)
    if department_id is not None:
        conditions.append(WarningRule.department_id == department_id)
    if enabled is not None:
        conditions.append(WarningRule.enabled == enabled)
    total = session.scalar(select(func.count()).select_from(WarningRule).where(*conditions)) or 0
    statement = (
        select(WarningRule)
        .where(*conditions)
        .order_by(WarningRule.id)
        .limit(page_size)
        .offset((page - 1) * page_size)
    )
    return session.scalars(statement).all(), total
