"""`butler outbox deliver` and `butler outbox list`: run the delivery worker, look at what is stuck."""

import time
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from core_app.config import get_settings
from core_app.db.session import get_engine, session_scope
from core_app.notify.models import Channel, OutboxMessage, OutboxStatus
from core_app.notify.worker import deliver_due

app = typer.Typer(help="Notification outbox: deliver due messages, list stuck ones.", no_args_is_help=True)


@app.command("deliver")
def deliver(
    once: Annotated[bool, typer.Option("--once", help="One pass over the due messages, then exit.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="Messages per pass.")] = 100,
) -> None:
    """Deliver due messages, every scheduler_interval_seconds until stopped (or once)."""
    interval = get_settings().scheduler_interval_seconds
    sessions = sessionmaker(bind=get_engine(), expire_on_commit=False)
    while True:
        delivered = deliver_due(sessions, limit=limit)
        typer.echo(f"delivered {delivered}")
        if once:
            return
        time.sleep(interval)


@app.command("list")
def list_messages(
    status: Annotated[OutboxStatus | None, typer.Option(help="Only messages in this status.")] = None,
    channel: Annotated[Channel | None, typer.Option(help="Only messages of this channel.")] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 50,
) -> None:
    """List outbox messages with their attempts and last error."""
    statement = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    if channel is not None:
        statement = statement.where(OutboxMessage.channel == channel)
    with session_scope() as session:
        rows = session.scalars(statement).all()
        lines = [_line(row) for row in rows]
    for line in lines:
        typer.echo(line)
    typer.echo(f"{len(lines)} message(s)", err=True)


def _line(row: OutboxMessage) -> str:
    attempts = f"{row.attempts}/{row.max_attempts if row.max_attempts is not None else '∞'}"
    return (
        f"{row.id}\t{row.status.value}\t{row.channel.value}\t{row.recipient}\t{attempts}\t"
        f"{row.next_attempt_at.isoformat(timespec='seconds')}\t{row.subject}\t{row.last_error or ''}"
    )
