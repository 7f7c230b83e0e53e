"""The pages' one way to data: the core_app API, called in process with the signed-in user's token.

Going through the API rather than its services gives the pages exactly the API's login, roles, data
scopes, validation and masking: a leader's page can do what the leader's token can, nothing more. The
FastAPI application is wrapped as WSGI (a2wsgi) so the synchronous Dash callbacks can call it through
httpx without a network hop or a second server.
"""

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import httpx
from a2wsgi import ASGIMiddleware

API_PREFIX = "/api/v1"
TIMEOUT_SECONDS = 60.0
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per in-process call is noise


@dataclass
class ApiError(Exception):
    """An API answer other than 2xx, with the problem document's title, detail and field errors."""

    status: int
    title: str
    detail: str = ""
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        fields = "; ".join(f"{e.get('field')}: {e.get('reason')}" for e in self.errors)
        return " — ".join(part for part in (self.detail or self.title, fields) if part)

    @classmethod
    def from_response(cls, response: httpx.Response) -> "ApiError":
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        return cls(
            status=response.status_code,
            title=str(body.get("title") or response.reason_phrase),
            detail=str(body.get("detail") or ""),
            errors=list(body.get("errors") or []),
        )


@cache
def _transport() -> httpx.WSGITransport:
    from core_app.api.app import create_app  # the API is built once per process, on first use

    return httpx.WSGITransport(app=ASGIMiddleware(create_app()))


def warm() -> None:
    """Build the API now (a few seconds of imports) rather than in the first user's request."""
    _transport()


def _client() -> httpx.Client:
    return httpx.Client(transport=_transport(), base_url="http://butler", timeout=TIMEOUT_SECONDS)


def request(
    method: str,
    path: str,
    *,
    token: str | None = None,
    params: Mapping[str, Any] | None = None,
    json: Any = None,
    data: Mapping[str, Any] | None = None,
) -> httpx.Response:
    """Call the API at /api/v1 + PATH; raise ApiError unless the answer is 2xx."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    clean = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
    with _client() as client:
        response = client.request(
            method, API_PREFIX + path, params=clean, json=json, data=data, headers=headers
        )
    if response.status_code >= 400:
        raise ApiError.from_response(response)
    return response
