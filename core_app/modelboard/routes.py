"""The model board under /api/v1/models, for those who manage the models and those who watch the cockpit.

- ``GET /models/registry``: every registered model (dispatch, emotion, recommender) with its versions,
  aliases (champion/challenger), creation time and the training run's metrics, read from MLflow.
- ``GET /models/acceptance?days=30``: the live take-up of recommendations over the last DAYS local days:
  dispatch recommendations accepted or overridden by dispatchers (per day and per model version) and the
  proactive pushes' acceptance.
"""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from core_app.access.deps import require_any
from core_app.access.principal import Principal
from core_app.api.deps import SessionDep
from core_app.api.problems import LIST_RESPONSES
from core_app.config import LOCAL_TZ, get_settings
from core_app.db.base import utcnow
from core_app.modelboard import acceptance, registry
from core_app.modelboard.schemas import AcceptanceReport, RegisteredModelRead

router = APIRouter(prefix="/models", tags=["models"])

PERMISSIONS = ("models:manage", "cockpit:view")
MAX_DAYS = 366

Viewer = Annotated[Principal, Depends(require_any(*PERMISSIONS))]


@router.get("/registry", response_model=list[RegisteredModelRead], responses=LIST_RESPONSES)
def registered_models(_: Viewer) -> list[RegisteredModelRead]:
    """The registered model versions, newest first, with their aliases and metrics."""
    return [RegisteredModelRead(**asdict(model)) for model in registry.registered_models()]


@router.get("/acceptance", response_model=AcceptanceReport, responses=LIST_RESPONSES)
def acceptance_report(
    session: SessionDep,
    _: Viewer,
    days: Annotated[
        int, Query(ge=1, le=MAX_DAYS, description="The last DAYS local days, today included")
    ] = 30,
) -> AcceptanceReport:
    """Dispatch accept rate per day and model version, and the pushes' acceptance, over the last DAYS."""
    now = utcnow()
    window = acceptance.Window.last_days(days, _local_today(now))
    dispatch = {
        "total": acceptance.dispatch_total(session, window),
        "by_day": acceptance.dispatch_by_day(session, window),
        "by_version": acceptance.dispatch_by_version(session, window),
    }
    pushes = acceptance.push_figures(session, window, now)
    return AcceptanceReport(
        days=days,
        period_from=window.start,
        period_to=window.end,
        generated_at=now.astimezone(LOCAL_TZ),
        dispatch=dispatch,
        pushes={"conversion_days": get_settings().push_conversion_days, **pushes},
    )


def _local_today(now: datetime):
    return now.astimezone(LOCAL_TZ).date()
