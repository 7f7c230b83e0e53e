"""OpenAPI descriptions of the problems the back-office write endpoints answer with."""

from typing import Any

from core_app.api.problems import PROBLEM_CONTENT, Problem


def _problem(description: str) -> dict[str, Any]:
    return {"model": Problem, "description": description, "content": PROBLEM_CONTENT}


WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _problem("No valid credentials"),
    403: _problem("The caller lacks the permission or the data scope"),
    404: _problem("No record with this id"),
    409: _problem("Conflicts with existing data, a stale version or the workflow state"),
    422: _problem("Invalid field or unknown reference"),
}
