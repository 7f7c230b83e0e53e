"""Small helpers shared by the HTTP channels: one JSON call, errors turned into readable reasons."""

from typing import Any

import httpx

TIMEOUT_SECONDS = 10.0
# DingTalk and WeCom answer "token invalid/expired" with these errcodes: fetch a new token next time.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001, 88, 33001})


class ChannelError(Exception):
    """The remote side did not accept the message; the text says why."""

    def __init__(self, reason: str, *, errcode: int | None = None) -> None:
        super().__init__(reason)
        self.errcode = errcode


def call_json(method: str, url: str, **kwargs: Any) -> dict[str, Any]:
    """Make one request and return the JSON object it answers; ChannelError on anything else."""
    try:
        response = httpx.request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
    except httpx.HTTPError as exc:
        raise ChannelError(f"{type(exc).__name__}: {exc}") from None
    if not response.is_success:
        raise ChannelError(f"HTTP {response.status_code}: {response.text[:300]}")
    try:
        body = response.json()
    except ValueError:
        raise ChannelError(f"HTTP {response.status_code}: not JSON: {response.text[:300]}") from None
    if not isinstance(body, dict):
        raise ChannelError(f"HTTP {response.status_code}: expected a JSON object, got {body!r:.300}")
    return body


def check_errcode(body: dict[str, Any]) -> dict[str, Any]:
    """DingTalk and WeCom signal failure in the body: errcode other than 0."""
    errcode = body.get("errcode", 0)
    if errcode != 0:
        raise ChannelError(f"errcode {errcode}: {body.get('errmsg', '')}", errcode=errcode)
    return body
