"""RFC 9457 problem details for every error the API returns; no traceback ever reaches a client."""

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg.errors import NumericValueOutOfRange
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:cloud-butler:problem:"


class FieldError(BaseModel):
    field: str
    reason: str


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[FieldError] | None = None
    # For a refused state change (409): the actions the caller may take on the record now.
    allowed_actions: list[str] | None = None


class ProblemError(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        errors=None,
        headers=None,
        allowed_actions: list[str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.allowed_actions = allowed_actions
        self.status = status
        self.detail = detail
        self.slug = slug or _slug(status)
        self.errors: list[FieldError] | None = errors
        self.headers: dict[str, str] | None = headers


class NotFoundError(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(404, detail)


class UnauthorizedError(ProblemError):
    """No valid credentials: the client should (re-)authenticate."""

    def __init__(self, detail: str) -> None:
        super().__init__(401, detail, headers={"WWW-Authenticate": "Bearer"})


class ForbiddenError(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(403, detail)


class InvalidParameterError(ProblemError):
    """A query parameter the generic list endpoints cannot accept (unknown field, bad value)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(
            422,
            f"Invalid request parameter {field}: {reason}",
            slug="validation-error",
            errors=[FieldError(field=field, reason=reason)],
        )


def _slug(status: int) -> str:
    return HTTPStatus(status).phrase.lower().replace(" ", "-")


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    errors=None,
    headers=None,
    allowed_actions: list[str] | None = None,
) -> JSONResponse:
    """Build an ``application/problem+json`` response for this request."""
    problem = Problem(
        type=PROBLEM_TYPE_PREFIX + (slug or _slug(status)),
        title=HTTPStatus(status).phrase,
        status=status,
        detail=detail,
        instance=request.url.path,
        errors=errors,
        allowed_actions=allowed_actions,
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _field_name(location: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in location)


async def _on_problem(request: Request, exc: ProblemError) -> JSONResponse:
    return problem_response(
        request,
        exc.status,
        exc.detail,
        slug=exc.slug,
        errors=exc.errors,
        headers=exc.headers,
        allowed_actions=exc.allowed_actions,
    )


async def _on_http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    return problem_response(request, exc.status_code, detail, headers=getattr(exc, "headers", None))


async def _on_validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    errors = [FieldError(field=_field_name(err["loc"]), reason=err["msg"]) for err in exc.errors()]
    fields = ", ".join(error.field for error in errors)
    return problem_response(
        request, 422, f"Invalid request parameters: {fields}", slug="validation-error", errors=errors
    )


async def _on_out_of_range(request: Request, exc: Exception) -> JSONResponse:
    # A number in the body that the database's integer columns cannot hold: bad input, not a failure.
    return problem_response(
        request, 422, "A number in the request is out of range for this field.", slug="validation-error"
    )


async def _on_data_error(request: Request, exc: DataError) -> JSONResponse:
    # The database's "data exception" class (SQLSTATE 22: out of range, NUL characters, bad encoding)
    # means the input cannot be stored: the caller's mistake, answered as such.
    if isinstance(exc.orig, NumericValueOutOfRange):
        return await _on_out_of_range(request, exc)
    detail = "A value in the request cannot be stored (e.g. it contains NUL characters)."
    return problem_response(request, 422, detail, slug="validation-error")


async def _on_unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    # Log the traceback for operators; the client only learns that it failed.
    logger.exception("Unhandled error on %s %s", request.method, request.url.path)
    return problem_response(request, 500, "The server failed to handle this request.")


def install_problem_handlers(app: FastAPI) -> None:
    """Answer every error of the app as a problem document."""
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(OverflowError, _on_out_of_range)  # SQLite
    app.add_exception_handler(DataError, _on_data_error)  # PostgreSQL: integer out of range
    app.add_exception_handler(Exception, _on_unexpected_error)


PROBLEM_CONTENT = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {
        "model": Problem,
        "description": "Missing, expired or invalid credentials",
        "content": PROBLEM_CONTENT,
    },
    403: {"model": Problem, "description": "The caller lacks the permission", "content": PROBLEM_CONTENT},
}
LIST_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    422: {
        "model": Problem,
        "description": "Invalid filter, sort or paging parameter",
        "content": PROBLEM_CONTENT,
    },
}
DETAIL_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    404: {"model": Problem, "description": "No record with this id", "content": PROBLEM_CONTENT},
    422: {"model": Problem, "description": "Malformed id", "content": PROBLEM_CONTENT},
}
