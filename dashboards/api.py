"""What pages call for data: the API as the signed-in user (token refreshed once when it expired)."""

import base64
import re
from typing import Any

import flask

from dashboards import auth, gateway
from dashboards.gateway import ApiError

__all__ = ["ApiError", "download", "get", "send"]


def _call(method: str, path: str, **kwargs: Any):
    try:
        return gateway.request(method, path, token=flask.session.get("access_token"), **kwargs)
    except ApiError as error:
        if error.status != 401 or not auth.refresh_tokens():
            raise
    return gateway.request(method, path, token=flask.session.get("access_token"), **kwargs)


def get(path: str, **params: Any) -> Any:
    """GET /api/v1 + PATH with PARAMS; the JSON body. Raises ApiError (4xx/5xx)."""
    return _call("GET", path, params=params).json()


def send(method: str, path: str, body: Any = None, **params: Any) -> Any:
    """POST/PUT/PATCH/DELETE with a JSON BODY; the JSON answer (None for 204). Raises ApiError."""
    response = _call(method, path, json=body, params=params)
    return response.json() if response.content else None


def download(path: str, **params: Any) -> dict[str, Any]:
    """A file the API exports (format=csv|xlsx) as a ``dcc.Download`` value, named as the API names it."""
    response = _call("GET", path, params=params)
    disposition = response.headers.get("content-disposition", "")
    match = re.search(r"filename\*?=(?:UTF-8'')?\"?([^\";]+)", disposition)
    filename = match.group(1) if match else f"export.{params.get('format', 'csv')}"
    return {
        "content": base64.b64encode(response.content).decode("ascii"),
        "filename": filename,
        "base64": True,
        "type": response.headers.get("content-type"),
    }
