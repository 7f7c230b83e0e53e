"""`butler outbox deliver --once` and `butler outbox list`."""

from datetime import timedelta

from sqlalchemy import update
from typer.testing import CliRunner

from core_app.cli import app
from core_app.db.base import utcnow
from core_app.integrations.base import NOT_CONFIGURED
from core_app.notify.models import Channel, OutboxMessage, OutboxStatus
from core_app.notify.outbox import enqueue


def test_deliver_once_and_list_dead(session) -> None:
    waiting = enqueue(session, channel=Channel.SMS, recipient="13900001111", subject="短信", body="b")
    dead = enqueue(
        session,
        channel=Channel.EMAIL,
        recipient="a@b.c",
        subject="邮件",
        body="b",
        now=utcnow() - timedelta(days=1),
    )
    session.commit()
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == dead.id)
        .values(status=OutboxStatus.DEAD, attempts=8, last_error="boom")
    )
    session.commit()
    runner = CliRunner()

    delivered = runner.invoke(app, ["outbox", "deliver", "--once"])
    assert delivered.exit_code == 0, delivered.output
    assert "delivered 0" in delivered.output
    row = session.get(OutboxMessage, waiting.id, populate_existing=True)
    assert (row.status, row.last_error) == (
        OutboxStatus.PENDING,
        NOT_CONFIGURED,
    )  # no channel is configured here

    listed = runner.invoke(app, ["outbox", "list", "--status", "dead"])
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    assert lines[0].split("\t")[:5] == [str(dead.id), "dead", "email", "a@b.c", "8/8"]
    assert lines[0].endswith("boom")
