"""Liveness and database check."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from core_app.api.deps import SessionDep
from core_app.api.problems import PROBLEM_CONTENT, Problem, problem_response

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    schema_revision: str | None


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Problem, "description": "Database unreachable", "content": PROBLEM_CONTENT}},
)
def health(request: Request, session: SessionDep) -> Health | JSONResponse:
    """Report whether the service and its database answer, with the schema revision."""
    try:
        revision = session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except SQLAlchemyError as exc:
        return problem_response(
            request,
            503,
            f"The database does not answer ({exc.__class__.__name__}).",
            slug="database-unavailable",
        )
    return Health(status="ok", database="ok", schema_revision=revision)
