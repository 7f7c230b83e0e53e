"""The FastAPI application factory."""

from importlib.metadata import PackageNotFoundError, version
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from core_app.access import routes as access_routes
from core_app.admin import matter_routes as admin_matter_routes
from core_app.admin import org_routes as admin_org_routes
from core_app.admin import user_routes as admin_user_routes
from core_app.analytics import ranking_routes as analytics_ranking_routes
from core_app.analytics import routes as analytics_routes
from core_app.api import health
from core_app.api.docs import install_offline_docs
from core_app.api.problems import PROBLEM_MEDIA_TYPE, install_problem_handlers
from core_app.api.request_id import install_request_id
from core_app.arbitration import routes as arbitration_routes
from core_app.associations import routes as associations_routes
from core_app.audit import routes as audit_routes
from core_app.cases import routes as cases_routes
from core_app.cockpit import routes as cockpit_routes
from core_app.dispatch import routes as dispatch_routes
from core_app.emotion import lexicon_routes as emotion_lexicon_routes
from core_app.emotion import routes as emotion_routes
from core_app.events import analytics_routes as event_analytics_routes
from core_app.events import handling_routes as event_handling_routes
from core_app.events import routes as events_routes
from core_app.events import worklist_routes as event_worklist_routes
from core_app.intake import open311
from core_app.intake import routes as intake_routes
from core_app.matters import routes as matters_routes
from core_app.modelboard import routes as modelboard_routes
from core_app.notify import routes as notify_routes
from core_app.org import routes as org_routes
from core_app.people import routes as people_routes
from core_app.personal import routes as personal_routes
from core_app.portraits import routes as portraits_routes
from core_app.proactive import routes as proactive_routes
from core_app.publishing import routes as publishing_routes
from core_app.sla import routes as sla_routes
from core_app.sla.runner import scheduler_lifespan
from core_app.supervision import routes as supervision_routes
from core_app.trends import routes as trends_routes
from core_app.warnings import board_routes as warning_board_routes
from core_app.warnings import routes as warnings_routes

API_PREFIX = "/api/v1"
DOMAIN_ROUTERS = (
    access_routes.router,
    org_routes.router,
    matters_routes.router,
    people_routes.router,
    cases_routes.router,
    events_routes.router,
    audit_routes.router,
    admin_org_routes.router,
    admin_matter_routes.router,
    publishing_routes.router,
    warnings_routes.router,
    warning_board_routes.router,
    admin_user_routes.router,
    dispatch_routes.router,
    intake_routes.router,
    event_handling_routes.router,
    event_worklist_routes.router,
    arbitration_routes.router,
    supervision_routes.router,
    sla_routes.router,
    notify_routes.router,
    event_analytics_routes.router,
    emotion_routes.router,
    emotion_lexicon_routes.router,
    trends_routes.router,
    analytics_ranking_routes.router,
    analytics_routes.router,
    associations_routes.router,
    proactive_routes.router,
    personal_routes.router,
    portraits_routes.router,
    modelboard_routes.router,
    cockpit_routes.router,
)


def package_version() -> str:
    try:
        return version("cloud-butler")
    except PackageNotFoundError:  # running from a plain checkout
        return "0.0.0"


def create_app() -> FastAPI:
    """Build the API: health, the /api/v1 resources, problem-details errors, offline docs."""
    app = FastAPI(
        title="Cloud Butler API",
        version=package_version(),
        description="Cloud Butler (云管家): service-hall data platform and event dispatch. "
        "Personal data is masked in every response.",
        docs_url=None,
        redoc_url=None,
        lifespan=scheduler_lifespan,  # the in-process SLA/outbox scheduler, when settings.scheduler says so
    )
    install_problem_handlers(app)
    install_request_id(app)
    install_offline_docs(app)
    app.include_router(health.router)
    for router in DOMAIN_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(open311.router, prefix=open311.PREFIX)
    app.openapi = lambda: openapi_with_problem_media_type(app)  # type: ignore[method-assign]
    return app


def openapi_with_problem_media_type(app: FastAPI) -> dict[str, Any]:
    """Build the OpenAPI document once, listing error responses as application/problem+json only."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        for operation in _operations(schema):
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                if PROBLEM_MEDIA_TYPE in content:
                    content.pop("application/json", None)
        app.openapi_schema = schema
    return app.openapi_schema


def _operations(schema: dict[str, Any]) -> list[dict[str, Any]]:
    return [operation for path in schema.get("paths", {}).values() for operation in path.values()]
