"""Demo accounts, one per built-in role, scoped onto the seeded district. DEMO ONLY: their passwords are
derived from a public pattern (default ``demo-<username>-2026``) so that ``make demo`` can print them;
never run this against a production database."""

from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.access import service
from core_app.access.catalog import ROLES
from core_app.access.models import ScopeKind, User
from core_app.config import get_settings
from core_app.org.models import Department, DepartmentKind, Hall, Region, RegionLevel, Staff
from core_app.people.models import Citizen, Enterprise

DEFAULT_PASSWORD_PATTERN = "demo-{username}-2026"
MARKET_REGULATOR = "市场监督管理局"
TOWN_HANDLER = "town_handler"


class DemoUser(NamedTuple):
    username: str
    role: str
    scope: str  # e.g. "department 市场监督管理局 (#3)"
    password: str | None  # None when the user already existed: its password is not shown again


class DemoSetupError(RuntimeError):
    """The district the demo users are scoped to is not there (seed it first)."""


class _Plan(NamedTuple):
    username: str
    role: str
    scope: ScopeKind
    target_id: int | None
    label: str
    links: dict[str, int | None]


def demo_password(username: str) -> str:
    """The demo password of a demo user, from the (public) pattern."""
    pattern = getattr(get_settings(), "demo_password_pattern", DEFAULT_PASSWORD_PATTERN)
    return pattern.format(username=username, role=username)


def ensure_demo_users(session: Session) -> list[DemoUser]:
    """Create the missing demo users (existing ones are kept as they are); list them all."""
    rows = []
    for plan in _plans(session):
        existing = session.scalar(select(User).where(User.username == plan.username))
        password = None
        if existing is None:
            password = demo_password(plan.username)
            service.create_user(
                session,
                username=plan.username,
                role=plan.role,
                scope=plan.scope,
                scope_id=plan.target_id,
                password=password,
                display_name=f"演示{ROLES[plan.role][0]}",
                **plan.links,
            )
        rows.append(DemoUser(plan.username, plan.role, f"{plan.scope.value} {plan.label}".strip(), password))
    return rows


def _first(session: Session, model: type, *conditions) -> object | None:
    return session.scalar(select(model).where(*conditions).order_by(model.id).limit(1))


def _required(found: object | None, what: str) -> object:
    if found is None:
        raise DemoSetupError(f"no {what} in the database: run `butler seed` before creating demo users")
    return found


def _plans(session: Session) -> list[_Plan]:
    """Who gets which role over which part of the district."""
    market = _required(
        _first(session, Department, Department.name.contains(MARKET_REGULATOR)), MARKET_REGULATOR
    )
    town = _required(_first(session, Region, Region.level == RegionLevel.TOWN), "town region")
    hall = _required(_first(session, Hall), "hall")
    citizen = _required(_first(session, Citizen), "citizen")
    enterprise = _required(_first(session, Enterprise), "enterprise")
    handler = _first(session, Staff, Staff.department_id == market.id)
    third_party = _first(session, Department, Department.kind == DepartmentKind.THIRD_PARTY)
    arbitration = _first(session, Department, Department.kind == DepartmentKind.ARBITRATION_BODY)
    at_hall = (ScopeKind.HALL, hall.id, f"{hall.name} (#{hall.id})")
    scopes = {
        "dept_handler": _on_department(market),
        "dept_admin": _on_department(market),
        "external_handler": _on_department(third_party or market),
        "arbitrator": _on_department(arbitration),
        "window_staff": at_hall,
        "hall_manager": at_hall,
        "citizen": (ScopeKind.SELF, None, f"citizen #{citizen.id}"),
        "enterprise": (ScopeKind.SELF, None, f"{enterprise.name} (#{enterprise.id})"),
    }
    links = {
        "dept_handler": {"staff_id": handler.id if handler else None},
        "citizen": {"citizen_id": citizen.id},
        "enterprise": {"enterprise_id": enterprise.id},
    }
    plans = [
        _Plan(role, role, *scopes.get(role, _on_department(None)), links.get(role, {})) for role in ROLES
    ]
    town_scope = (ScopeKind.REGION, town.id, f"{town.name} (#{town.id})")
    plans.append(_Plan(TOWN_HANDLER, "dept_handler", *town_scope, {}))
    return plans


def _on_department(department: Department | None) -> tuple[ScopeKind, int | None, str]:
    # A body the seed did not create (arbitration, third party) leaves its role district-wide.
    if department is None:
        return ScopeKind.ALL, None, ""
    return ScopeKind.DEPARTMENT, department.id, f"{department.name} (#{department.id})"
