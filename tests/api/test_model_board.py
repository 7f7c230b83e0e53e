"""The model board API: who may read it, the dispatch accept rate counted from hand-built decisions, and the
registered versions read from a throwaway MLflow registry."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from core_app.config import LOCAL_TZ, get_settings
from core_app.db.base import utcnow
from core_app.dispatch.models import DispatchRecommendation
from core_app.modelboard import registry
from tests.api import builders


def _today_midnight() -> datetime:
    now = utcnow().astimezone(LOCAL_TZ)
    return datetime(now.year, now.month, now.day, tzinfo=LOCAL_TZ)


def _recommendation(session: Session, decision: str | None, decided_at: datetime | None, version: str = "3"):
    department = builders.department(session)
    event = builders.event(session)
    record = DispatchRecommendation(
        event_id=event.id,
        model_name="dispatch",
        model_version=version,
        table=[{"department_id": department.id, "probability": 0.8}],
        top1_department_id=department.id,
        top1_probability=0.8,
        abstain=False,
        threshold=0.5,
        created_at=decided_at or utcnow(),
        decision=decision,
        decided_at=decided_at,
    )
    session.add(record)
    session.flush()
    return record


@pytest.fixture
def decisions(session: Session) -> None:
    """Today: 2 accepted (one just after local midnight, which is yesterday in UTC), 1 overridden, 1 auto,
    1 undecided; three days ago: 1 accepted and 1 overridden by version 2; twenty days ago: 2 overridden."""
    midnight = _today_midnight()
    _recommendation(session, "accepted", midnight + timedelta(minutes=30))
    _recommendation(session, "accepted", midnight + timedelta(minutes=1))
    _recommendation(session, "overridden", midnight + timedelta(minutes=2))
    _recommendation(session, "auto", midnight + timedelta(minutes=3))
    _recommendation(session, None, None)
    _recommendation(session, "accepted", midnight - timedelta(days=3) + timedelta(hours=10), version="2")
    _recommendation(session, "overridden", midnight - timedelta(days=3) + timedelta(hours=11), version="2")
    _recommendation(session, "overridden", midnight - timedelta(days=20), version="2")
    _recommendation(session, "overridden", midnight - timedelta(days=20), version="2")
    session.commit()


def test_the_board_needs_models_manage_or_cockpit_view(client, auth_headers) -> None:
    for role, status in (
        ("dept_handler", 403),
        ("hall_manager", 403),
        ("leader", 200),
        ("data_scientist", 200),
    ):
        response = client.get("/api/v1/models/acceptance", headers=auth_headers(role))
        assert response.status_code == status, role
    response = client.get("/api/v1/models/registry", headers=auth_headers("window_staff"))
    assert response.status_code == 403
    assert "models:manage" in response.json()["detail"]


def test_accept_rate_over_the_last_seven_days(client, decisions) -> None:
    body = client.get("/api/v1/models/acceptance", params={"days": 7}).json()
    total = body["dispatch"]["total"]
    assert (total["accepted"], total["overridden"], total["auto"], total["undecided"]) == (3, 2, 1, 1)
    assert total["accept_rate"] == 0.6
    today = _today_midnight().date()
    assert body["period_to"] == (today + timedelta(days=1)).isoformat()
    assert body["period_from"] == (today - timedelta(days=6)).isoformat()
    days = {row["day"]: row for row in body["dispatch"]["by_day"]}
    assert len(days) == 7  # every day, those without decisions too
    assert days[today.isoformat()] == {
        "day": today.isoformat(),
        "accepted": 2,
        "overridden": 1,
        "auto": 1,
        "accept_rate": round(2 / 3, 4),
    }
    three_days_ago = days[(today - timedelta(days=3)).isoformat()]
    assert (three_days_ago["accepted"], three_days_ago["overridden"], three_days_ago["accept_rate"]) == (
        1,
        1,
        0.5,
    )
    assert days[(today - timedelta(days=1)).isoformat()]["accept_rate"] is None
    versions = {row["model_version"]: row["accept_rate"] for row in body["dispatch"]["by_version"]}
    assert versions == {"3": round(2 / 3, 4), "2": 0.5}


def test_thirty_days_take_in_the_older_overrides(client, decisions) -> None:
    total = client.get("/api/v1/models/acceptance", params={"days": 30}).json()["dispatch"]["total"]
    assert (total["accepted"], total["overridden"]) == (3, 4)
    assert total["accept_rate"] == round(3 / 7, 4)


def test_days_out_of_range_is_a_field_error(client) -> None:
    response = client.get("/api/v1/models/acceptance", params={"days": 0})
    assert response.status_code == 422
    assert "days" in response.text


@pytest.fixture
def mlflow_home(tmp_path, monkeypatch):
    monkeypatch.setenv("BUTLER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def test_no_registry_yet_lists_nothing_and_creates_nothing(client, mlflow_home) -> None:
    response = client.get("/api/v1/models/registry")
    assert response.status_code == 200
    assert response.json() == []
    assert not (mlflow_home / "mlflow" / "mlflow.db").exists()


def _register(name: str, metrics: dict[str, float]) -> str:
    import mlflow
    from mlflow import MlflowClient

    from training import tracking

    tracking.experiment("model-board-test")
    client = MlflowClient()
    if not client.search_registered_models(filter_string=f"name='{name}'"):
        client.create_registered_model(name)
    with mlflow.start_run(experiment_id=tracking.experiment("model-board-test")) as run:
        mlflow.log_metrics(metrics)
        mlflow.log_param("rows", "120")
    version = client.create_model_version(name, source=run.info.artifact_uri, run_id=run.info.run_id)
    return str(version.version)


def test_registered_versions_with_aliases_and_metrics(client, mlflow_home) -> None:
    from mlflow import MlflowClient

    first = _register("dispatch", {"eval_macro_f1": 0.81})
    second = _register("dispatch", {"eval_macro_f1": 0.86})
    MlflowClient().set_registered_model_alias("dispatch", "champion", first)
    MlflowClient().set_registered_model_alias("dispatch", "challenger", second)

    body = client.get("/api/v1/models/registry").json()
    assert [model["name"] for model in body] == ["dispatch"]
    model = body[0]
    assert model["label"] == registry.MODELS["dispatch"]
    assert model["aliases"] == {"champion": first, "challenger": second}
    assert [v["version"] for v in model["versions"]] == [second, first]  # newest first
    newest, oldest = model["versions"]
    assert newest["aliases"] == ["challenger"] and oldest["aliases"] == ["champion"]
    assert newest["metrics"] == {"eval_macro_f1": 0.86} and oldest["params"] == {"rows": "120"}
    assert newest["created_at"] >= oldest["created_at"]
