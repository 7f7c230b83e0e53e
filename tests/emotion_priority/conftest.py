"""Priority fixtures: users holding a role over a scope, and the intake fixtures (district, API keys)."""

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from core_app.access.models import Role, User, UserRole
from tests.intake.conftest import api, district, make_key  # noqa: F401  (fixtures, found by name)

MakeUser = Callable[..., User]


@pytest.fixture
def make_user(session: Session) -> MakeUser:
    """Create a user holding ROLE over a scope (default: the whole district); return it."""

    def make(role: str, *, scope: str = "all", scope_id: int | None = None, active: bool = True) -> User:
        role_id = session.scalar(select(Role.id).where(Role.code == role))
        user = User(
            username=f"{role}-{scope}-{scope_id}-{len(session.scalars(select(User.id)).all())}",
            is_active=active,
            roles=[UserRole(role_id=role_id, scope=scope, scope_id=scope_id)],
        )
        session.add(user)
        session.flush()
        return user

    return make
