"""`butler warnings init | scan | list`: the key-link monitor from the command line."""

from datetime import datetime
from typing import Annotated

import typer
from sqlalchemy import select

from core_app.config import LOCAL_TZ
from core_app.db.base import utcnow
from core_app.db.session import session_scope
from core_app.warnings import monitor
from core_app.warnings.models import RuleType, Warning, WarningStatus

app = typer.Typer(help="Key-link monitoring: warning rules, scans, the warning list.", no_args_is_help=True)


def _instant(text: str | None) -> datetime:
    if text is None:
        return utcnow()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 datetime (e.g. 2026-10-19T11:30)") from None
    return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)


@app.command("init")
def init() -> None:
    """Insert the built-in district-wide rules (DOMAIN §6.2) for every rule type that has none."""
    with session_scope() as session:
        added = monitor.ensure_default_rules(session)
    typer.echo(f"default rules added {added}")


@app.command("scan")
def scan(
    now: Annotated[
        str | None, typer.Option("--now", help="Scan as of this instant (ISO 8601; naive = Asia/Shanghai).")
    ] = None,
) -> None:
    """Close ended warnings, raise new ones and send the reminders due, once."""
    instant = _instant(now)
    with session_scope() as session:
        report = monitor.scan(session, instant)
    typer.echo(report.summary())


@app.command("list")
def list_warnings(
    status: Annotated[WarningStatus | None, typer.Option(help="Only warnings in this status.")] = None,
    rule_type: Annotated[RuleType | None, typer.Option(help="Only warnings of this rule type.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
) -> None:
    """List warnings: id, status, level, type, target, value/threshold, reminders, disposal deadline."""
    statement = select(Warning).order_by(Warning.triggered_at.desc(), Warning.id.desc()).limit(limit)
    if status is not None:
        statement = statement.where(Warning.status == status)
    if rule_type is not None:
        statement = statement.where(Warning.rule_type == rule_type)
    with session_scope() as session:
        lines = [_line(row) for row in session.scalars(statement)]
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} warning(s)", err=True)


def _line(row: Warning) -> str:
    due = row.dispose_due_at.isoformat(timespec="minutes") if row.dispose_due_at else "-"
    return (
        f"{row.id}\t{row.status.value}\t{row.level.value}\t{row.rule_type.value}\t"
        f"{row.target_type.value}:{row.target_id}{'@' + row.period_key if row.period_key else ''}\t"
        f"dept={row.department_id}\t{row.value:g}/{row.threshold:g}\treminders={row.reminders_sent}\t"
        f"triggered={row.triggered_at.isoformat(timespec='minutes')}\tdispose_by={due}"
    )
