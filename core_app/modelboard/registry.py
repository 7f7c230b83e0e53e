"""Registered model versions read from the MLflow registry the training jobs write to (never downloaded)."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from training import tracking

# The models training registers, in the order the board shows them, with their Chinese names.
MODELS = {
    tracking.DISPATCH_MODEL: "智能派遣模型",
    tracking.EMOTION_MODEL: "情绪识别模型",
    tracking.RECOMMEND_MODEL: "精准推送推荐模型",
}
MAX_VERSIONS = 20  # per model, newest first: the board is not an archive


@dataclass(frozen=True)
class VersionInfo:
    version: str
    aliases: list[str]
    created_at: datetime
    status: str
    run_id: str | None
    metrics: dict[str, float] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelInfo:
    name: str
    label: str
    aliases: dict[str, str]
    versions: list[VersionInfo]


def store_exists() -> bool:
    """Whether there is a registry to read: a local SQLite store that was never created is not one."""
    uri = tracking.tracking_uri()
    if uri.startswith("sqlite:///"):
        return Path(uri.removeprefix("sqlite:///")).is_file()
    return True


def registered_models() -> list[ModelInfo]:
    """Every registered model with its versions (newest first), aliases, and its run's metrics."""
    if not store_exists():
        return []
    from mlflow import MlflowClient

    tracking.configure()
    client = MlflowClient()
    found = {model.name: model for model in client.search_registered_models()}
    ordered = [name for name in MODELS if name in found] + sorted(set(found) - set(MODELS))
    return [_model_info(client, found[name]) for name in ordered]


def _model_info(client, model) -> ModelInfo:
    aliases = {alias: str(version) for alias, version in (model.aliases or {}).items()}
    versions = client.search_model_versions(f"name='{model.name}'", max_results=MAX_VERSIONS)
    versions = sorted(versions, key=lambda v: int(v.version), reverse=True)
    return ModelInfo(
        name=model.name,
        label=MODELS.get(model.name, model.name),
        aliases=aliases,
        versions=[_version_info(client, v, aliases) for v in versions],
    )


def _version_info(client, version, aliases: dict[str, str]) -> VersionInfo:
    metrics, params = _run_data(client, version.run_id)
    return VersionInfo(
        version=str(version.version),
        aliases=sorted(alias for alias, number in aliases.items() if number == str(version.version)),
        created_at=datetime.fromtimestamp(version.creation_timestamp / 1000, tz=UTC),
        status=str(version.status),
        run_id=version.run_id,
        metrics=metrics,
        params=params,
    )


def _run_data(client, run_id: str | None) -> tuple[dict[str, float], dict[str, str]]:
    from mlflow.exceptions import MlflowException

    if not run_id:
        return {}, {}
    try:
        data: Any = client.get_run(run_id).data
    except MlflowException:  # the run was deleted; the version still stands
        return {}, {}
    return dict(sorted(data.metrics.items())), dict(sorted(data.params.items()))
