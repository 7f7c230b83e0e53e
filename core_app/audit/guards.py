"""Database triggers that make ``audit_logs`` append-only: UPDATE and DELETE are refused."""

from sqlalchemy import Connection, text

POSTGRES_GUARD = (
    "CREATE FUNCTION audit_logs_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RAISE EXCEPTION 'audit_logs is append-only'; END $$",
    "CREATE TRIGGER audit_logs_append_only BEFORE UPDATE OR DELETE ON audit_logs "
    "FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()",
)
POSTGRES_UNGUARD = (
    "DROP TRIGGER IF EXISTS audit_logs_append_only ON audit_logs",
    "DROP FUNCTION IF EXISTS audit_logs_append_only()",
)
SQLITE_GUARD = tuple(
    f"CREATE TRIGGER audit_logs_no_{event.lower()} BEFORE {event} ON audit_logs "
    "BEGIN SELECT RAISE(ABORT, 'audit_logs is append-only'); END"
    for event in ("UPDATE", "DELETE")
)
SQLITE_UNGUARD = (
    "DROP TRIGGER IF EXISTS audit_logs_no_update",
    "DROP TRIGGER IF EXISTS audit_logs_no_delete",
)


def protect_audit_log(connection: Connection) -> None:
    """Install the triggers that refuse UPDATE and DELETE on the audit log."""
    _run(connection, POSTGRES_GUARD if connection.dialect.name == "postgresql" else SQLITE_GUARD)


def unprotect_audit_log(connection: Connection) -> None:
    """Remove the triggers (schema downgrade, or emptying a test database)."""
    _run(connection, POSTGRES_UNGUARD if connection.dialect.name == "postgresql" else SQLITE_UNGUARD)


def _run(connection: Connection, statements: tuple[str, ...]) -> None:
    for statement in statements:
        connection.execute(text(statement))
