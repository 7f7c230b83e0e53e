"""Health check, problem documents for 404/405/422/500, no traceback leaking."""

import pytest
from fastapi.testclient import TestClient

from core_app.api.app import create_app
from core_app.db.migrate import heads
from core_app.db.session import reset_engine_cache


def test_health_reports_database_and_schema_revision(client: TestClient) -> None:
    response = client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "schema_revision": heads()[0]}


def test_health_is_503_problem_when_database_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    # Nothing listens on port 9: the connection is refused at once.
    monkeypatch.setenv("BUTLER_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    reset_engine_cache()
    try:
        with TestClient(create_app()) as client:
            response = client.get("/health")
    finally:
        monkeypatch.undo()
        reset_engine_cache()

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == 503
    assert body["instance"] == "/health"
    assert "nobody" not in body["detail"]  # no connection string leaks


def test_unknown_route_is_404_problem(client: TestClient) -> None:
    response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "instance"}
    assert body["title"] == "Not Found"
    assert body["instance"] == "/api/v1/nothing-here"


def test_wrong_method_is_405_problem(client: TestClient) -> None:
    response = client.post("/api/v1/regions")

    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Method Not Allowed"
    assert "GET" in response.headers["allow"]


def test_unexpected_error_is_500_problem_without_traceback(engine) -> None:
    app = create_app()

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internal state")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Internal Server Error"
    assert "secret" not in response.text
    assert "Traceback" not in response.text


def test_malformed_id_is_422_problem_naming_the_path_parameter(client: TestClient) -> None:
    response = client.get("/api/v1/cases/abc")

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["path.id"]
