"""The built-in permissions and roles, and their default grants. Admins may edit grants afterwards;
``ensure_catalog`` only adds what is missing, so their edits survive upgrades."""

from sqlalchemy import Connection, insert, select

from core_app.access.models import Permission, Role, role_permissions

PERMISSIONS: dict[str, str] = {
    "org:read": "read regions, departments, halls, windows, staff, calendar",
    "org:write": "hall information: halls, zones, windows, bindings, staff posts, calendar",
    "matters:read": "read the matter catalog and bundles",
    "matters:write": "matter configuration: catalog, limits, bundles, import",
    "people:read": "read citizens and enterprises",
    "cases:read": "read cases, queue tickets and reviews",
    "events:read": "read events and categories",
    "events:ingest": "push events in (systems with API keys)",
    "events:dispatch": "accept and dispatch events",
    "events:handle": "sign off, handle, feed back, return events",
    "events:supervise": "remind, urge and supervise",
    "events:arbitrate": "rule on disputed events",
    "tickets:ingest": "push queue-machine tickets in",
    "appraisal:read": "read appraisal figures (appraisal system)",
    "publications:read": "read publications",
    "publications:write": "draft and edit publications",
    "publications:review": "publish and withdraw publications",
    "warnings:read": "read warning rules",
    "warnings:write": "configure warning rules and recipients",
    "users:read": "read users, roles and permissions",
    "users:write": "manage users, roles and permissions",
    "audit:read": "read the audit log",
    "pii:view": "see personal data unmasked (every read is audited)",
    "models:manage": "train, evaluate and promote models",
    "cockpit:view": "view the cockpit",
    "notifications:manage": "see and retry the notification outbox",
    "lexicon:manage": "edit the emotion lexicon and decide mined root words",
    "analytics:read": "read the hall analyses, their drill-down and exports, and the warning board",
    "portraits:read": "read portraits, lifecycles and matter associations, and their exports",
    "pushes:manage": "generate, send and measure proactive pushes",
    "personal:use": "use one's own personal space (个人政务空间)",
}

READ_COMMON = ("org:read", "matters:read", "publications:read")

ROLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "system_admin": ("系统管理员", tuple(PERMISSIONS)),
    "dispatcher": ("分拨员", (*READ_COMMON, "people:read", "events:read", "events:dispatch", "cockpit:view")),
    "dept_handler": ("处置人员", (*READ_COMMON, "cases:read", "events:read", "events:handle")),
    "external_handler": ("第三方处置人员", ("org:read", "events:read", "events:handle")),
    "supervisor": (
        "督查督办",
        (
            *READ_COMMON,
            "cases:read",
            "events:read",
            "events:supervise",
            "warnings:read",
            "cockpit:view",
            "analytics:read",
            "portraits:read",
        ),
    ),
    "arbitrator": ("仲裁机构（组织部/编办）", (*READ_COMMON, "events:read", "events:arbitrate")),
    "data_scientist": (
        "数据科学家",
        (
            *READ_COMMON,
            "cases:read",
            "events:read",
            "models:manage",
            "lexicon:manage",
            "analytics:read",
            "portraits:read",
            "pushes:manage",
        ),
    ),
    "window_staff": ("窗口人员", (*READ_COMMON, "people:read", "cases:read", "pii:view")),
    "dept_admin": (
        "部门管理员",
        (
            *READ_COMMON,
            "cases:read",
            "events:read",
            "warnings:read",
            "warnings:write",
            "users:read",
            "analytics:read",
            "portraits:read",
        ),
    ),
    "hall_manager": (
        "大厅管理员",
        (
            *READ_COMMON,
            "org:write",
            "matters:write",
            "people:read",
            "cases:read",
            "publications:write",
            "publications:review",
            "warnings:read",
            "warnings:write",
            "analytics:read",
            "portraits:read",
            "pushes:manage",
        ),
    ),
    "leader": (
        "领导",
        (
            *READ_COMMON,
            "cases:read",
            "events:read",
            "warnings:read",
            "cockpit:view",
            "analytics:read",
            "portraits:read",
        ),
    ),
    "citizen": ("群众", (*READ_COMMON, "cases:read", "events:read", "personal:use")),
    "enterprise": ("企业", (*READ_COMMON, "cases:read", "events:read", "personal:use")),
}


def ensure_catalog(connection: Connection) -> None:
    """Insert the built-in permissions, roles and default grants that are not there yet."""
    known = set(connection.scalars(select(Permission.code)))
    missing = [{"code": c, "description": d} for c, d in PERMISSIONS.items() if c not in known]
    if missing:
        connection.execute(insert(Permission), missing)
    roles = set(connection.scalars(select(Role.code)))
    new_roles = [{"code": c, "name": n, "is_system": True} for c, (n, _) in ROLES.items() if c not in roles]
    if not new_roles:
        return
    connection.execute(insert(Role), new_roles)
    permission_ids = dict(connection.execute(select(Permission.code, Permission.id)).all())
    role_ids = dict(connection.execute(select(Role.code, Role.id)).all())
    grants = [
        {"role_id": role_ids[role["code"]], "permission_id": permission_ids[code]}
        for role in new_roles
        for code in ROLES[role["code"]][1]
    ]
    connection.execute(insert(role_permissions), grants)
