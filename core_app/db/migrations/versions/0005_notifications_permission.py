"""the notifications:manage permission, granted to system_admin on databases migrated before it existed

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 21:40:00

0002 loads the catalog as it stands when it runs, so a new database already has the permission and the
grant; this revision adds them where 0002 ran before the permission existed. Values are written out here
rather than read from the live catalog, so the revision means the same thing whenever it runs.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PERMISSION = ("notifications:manage", "see and retry the notification outbox")
GRANTED_TO = ("system_admin",)

permissions = sa.table(
    "permissions", sa.column("id", sa.Integer), sa.column("code"), sa.column("description")
)
roles = sa.table("roles", sa.column("id", sa.Integer), sa.column("code"))
role_permissions = sa.table(
    "role_permissions", sa.column("role_id", sa.Integer), sa.column("permission_id", sa.Integer)
)


def upgrade() -> None:
    bind = op.get_bind()
    code, description = PERMISSION
    permission_id = bind.scalar(sa.select(permissions.c.id).where(permissions.c.code == code))
    if permission_id is None:
        bind.execute(sa.insert(permissions).values(code=code, description=description))
        permission_id = bind.scalar(sa.select(permissions.c.id).where(permissions.c.code == code))
    for role_id in bind.scalars(sa.select(roles.c.id).where(roles.c.code.in_(GRANTED_TO))):
        granted = bind.scalar(
            sa.select(sa.func.count())
            .select_from(role_permissions)
            .where(role_permissions.c.role_id == role_id, role_permissions.c.permission_id == permission_id)
        )
        if not granted:
            bind.execute(sa.insert(role_permissions).values(role_id=role_id, permission_id=permission_id))


def downgrade() -> None:
    pass  # the permission stays: removing it could strip grants an admin made on purpose
