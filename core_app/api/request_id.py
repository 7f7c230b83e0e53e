"""Give every request an id (the caller's X-Request-ID or a new one), echoed in the response."""

import re
import uuid

from fastapi import FastAPI, Request

HEADER = "X-Request-ID"
SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def install_request_id(app: FastAPI) -> None:
    @app.middleware("http")
    async def request_id(request: Request, call_next):
        given = request.headers.get(HEADER, "")
        request.state.request_id = given if SAFE_ID.match(given) else uuid.uuid4().hex
        response = await call_next(request)
        response.headers[HEADER] = request.state.request_id
        return response
