"""What every notification channel offers: send one message, say whether it was delivered."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from core_app.notify.models import Channel

NOT_CONFIGURED = "channel not configured"


@dataclass(frozen=True)
class OutgoingMessage:
    """A snapshot of an outbox row, so that sending needs no database session."""

    id: int
    channel: Channel
    recipient: str
    subject: str
    body: str
    payload: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        """Subject and body as one text, for channels without a subject line."""
        return f"{self.subject}\n{self.body}" if self.subject else self.body


@dataclass(frozen=True)
class Delivery:
    """The outcome of one send: delivered, or the reason it was not."""

    ok: bool
    error: str = ""

    @classmethod
    def sent(cls) -> "Delivery":
        return cls(ok=True)

    @classmethod
    def failed(cls, error: str) -> "Delivery":
        return cls(ok=False, error=error[:2000])


class Notifier(Protocol):
    """One channel: ``configured`` is False while its URL or credentials are missing."""

    channel: Channel

    @property
    def configured(self) -> bool: ...

    def send(self, message: OutgoingMessage) -> Delivery: ...


@dataclass
class FakeNotifier:
    """In-memory channel for tests: records what it sends; ``fail_next`` makes the next sends fail."""

    channel: Channel
    configured: bool = True
    fail_next: int = 0
    sent: list[OutgoingMessage] = field(default_factory=list)
    attempts: int = 0

    def send(self, message: OutgoingMessage) -> Delivery:
        self.attempts += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            return Delivery.failed("fake failure")
        self.sent.append(message)
        return Delivery.sent()


@dataclass
class TokenCache:
    """An access token kept until shortly before it expires (DingTalk, WeCom: 7200 s)."""

    fetch: Callable[[], tuple[str, int]]  # returns (token, expires_in seconds)
    clock: Callable[[], float] = time.monotonic
    margin_seconds: int = 300
    _token: str = ""
    _expires_at: float = 0.0

    def get(self) -> str:
        if not self._token or self.clock() >= self._expires_at:
            token, expires_in = self.fetch()
            self._token = token
            self._expires_at = self.clock() + max(expires_in - self.margin_seconds, 0)
        return self._token

    def forget(self) -> None:
        """Drop the token, e.g. when the server says it has expired early."""
        self._token = ""
