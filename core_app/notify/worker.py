"""Deliver due outbox messages: claim one, send it, record the outcome; repeat.

Each message goes through two short transactions: the claim (status ``sending`` with a lease in
``locked_until``) and the outcome. Nothing is held open while the remote side answers, and one message's
failure never touches another's row. A worker that dies after sending but before recording leaves the
row ``sending``; when its lease runs out another run claims it again and sends it again: delivery is at
least once, never lost.

Claiming: PostgreSQL picks the row with ``SELECT ... FOR UPDATE SKIP LOCKED``, so parallel workers take
different rows; SQLite (one writer at a time) takes it with one ``UPDATE ... WHERE id = (SELECT ...) AND
<still claimable> RETURNING id``.
"""

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from core_app.config import get_settings
from core_app.db.base import utcnow
from core_app.events.models import Event
from core_app.integrations.base import NOT_CONFIGURED, Delivery, Notifier, OutgoingMessage
from core_app.integrations.registry import adapters_from_settings
from core_app.notify.models import Channel, OutboxMessage, OutboxStatus

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
LEASE = timedelta(minutes=5)  # far longer than one send (HTTP and SMTP time out after 10 s)
NOT_CONFIGURED_RECHECK = timedelta(minutes=5)

SessionSource = Session | sessionmaker[Session] | Callable[[], Session]


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after ``attempts`` failures: 30 s, 60 s, 120 s ... at most 1 h."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_CAP)


def claimable(now: datetime):
    """Rows that are due, or whose previous worker's lease has run out."""
    return or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.locked_until <= now),
    )


def deliver_due(
    sessions: SessionSource,
    now: datetime | None = None,
    adapters: Mapping[Channel, Notifier] | None = None,
    limit: int = 100,
) -> int:
    """Send up to ``limit`` due messages; return how many were delivered."""
    now = now or utcnow()
    adapters = default_adapters() if adapters is None else adapters
    delivered = 0
    with _open(sessions) as session:
        for _ in range(limit):
            message = claim_next(session, now)
            if message is None:
                break
            outcome = _send(adapters.get(message.channel), message)
            record_outcome(session, message.id, outcome, now)
            delivered += outcome is not None and outcome.ok
    return delivered


class _open:
    """Use the caller's session as it is, or open (and close) one from a factory."""

    def __init__(self, sessions: SessionSource) -> None:
        self.sessions = sessions
        self.owned: Session | None = None

    def __enter__(self) -> Session:
        if isinstance(self.sessions, Session):
            return self.sessions
        self.owned = self.sessions()
        return self.owned

    def __exit__(self, *exc_info) -> None:
        if self.owned is not None:
            self.owned.close()


def claim_next(session: Session, now: datetime) -> OutgoingMessage | None:
    """Take the most overdue claimable message under a lease, commit, and return a snapshot of it."""
    session.commit()  # start from a fresh transaction: the claim must be its own
    order = (OutboxMessage.next_attempt_at, OutboxMessage.id)
    if session.get_bind().dialect.name == "postgresql":
        row = session.scalars(
            select(OutboxMessage)
            .where(claimable(now))
            .order_by(*order)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if row is None:
            session.rollback()
            return None
        row.status, row.locked_until = OutboxStatus.SENDING, now + LEASE
        snapshot = _snapshot(row)
        session.commit()
        return snapshot
    return _claim_by_conditional_update(session, now, order)


def _claim_by_conditional_update(session: Session, now: datetime, order) -> OutgoingMessage | None:
    # One statement, so the transaction takes SQLite's write lock at once (waiting on busy_timeout) instead of
    # upgrading a read snapshot, which fails at once when another connection wrote in between.
    candidate = select(OutboxMessage.id).where(claimable(now)).order_by(*order).limit(1).scalar_subquery()
    claimed = session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == candidate, claimable(now))
        .values(status=OutboxStatus.SENDING, locked_until=now + LEASE)
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    session.commit()
    if claimed is None:
        return None
    return _snapshot(session.get(OutboxMessage, claimed, populate_existing=True))


def _snapshot(row: OutboxMessage) -> OutgoingMessage:
    return OutgoingMessage(row.id, Channel(row.channel), row.recipient, row.subject, row.body, row.payload)


def _send(adapter: Notifier | None, message: OutgoingMessage) -> Delivery | None:
    """Send through the channel's adapter; None when the channel is not configured."""
    if adapter is None or not adapter.configured:
        return None
    try:
        return adapter.send(message)
    except Exception as exc:  # an adapter bug must not stop the other messages: record it as a failure
        return Delivery.failed(f"{type(exc).__name__}: {exc}")


def record_outcome(session: Session, message_id: int, outcome: Delivery | None, now: datetime) -> None:
    """Mark the message sent, failed (retry later or dead) or waiting for configuration; commit."""
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    row.locked_until = None
    if outcome is None:
        # Not the message's fault: keep it, do not count an attempt, and say why on the row.
        row.status, row.last_error, row.next_attempt_at = (
            OutboxStatus.PENDING,
            NOT_CONFIGURED,
            now + NOT_CONFIGURED_RECHECK,
        )
    elif outcome.ok:
        row.status, row.sent_at, row.last_error = OutboxStatus.SENT, now, None
        AFTER_SENT.get(Channel(row.channel), _nothing)(session, row, now)
    else:
        _record_failure(row, outcome.error, now)
    session.commit()


def _record_failure(row: OutboxMessage, error: str, now: datetime) -> None:
    row.attempts += 1
    row.last_error = error
    if row.max_attempts is not None and row.attempts >= row.max_attempts:
        row.status = OutboxStatus.DEAD
    else:
        row.status, row.next_attempt_at = OutboxStatus.PENDING, now + backoff(row.attempts)


def _nothing(session: Session, row: OutboxMessage, now: datetime) -> None:
    return None


def _mark_reported_upstream(session: Session, row: OutboxMessage, now: datetime) -> None:
    """The city platform acknowledged: stamp the event.

    A table-level UPDATE leaves the event's version alone, so a person acting on the event at the same
    moment does not get a spurious conflict from this bookkeeping.
    """
    if row.event_id is not None:
        session.execute(
            update(Event.__table__)
            .where(Event.__table__.c.id == row.event_id)
            .values(upstream_reported_at=now)
        )


AFTER_SENT: dict[Channel, Callable[[Session, OutboxMessage, datetime], None]] = {
    Channel.CITY_PLATFORM: _mark_reported_upstream,
}

_adapters: dict[Channel, Notifier] | None = None


def default_adapters() -> dict[Channel, Notifier]:
    """The channels from the settings, built once per process so access tokens stay cached."""
    global _adapters
    if _adapters is None:
        _adapters = adapters_from_settings(get_settings())
    return _adapters


def reset_default_adapters() -> None:
    """Forget the built channels, e.g. after the settings changed."""
    global _adapters
    _adapters = None
