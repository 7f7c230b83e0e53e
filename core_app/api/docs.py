"""Swagger UI served from local files: the machine has no internet at run time, so no CDN."""

from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_URL = "/docs"
DOCS_STATIC_URL = "/static/docs"


def swagger_ui_dist_dir() -> str:
    """Folder of the Swagger UI bundle shipped in the fastapi-offline wheel."""
    return str(files("fastapi_offline") / "static")


def install_offline_docs(app: FastAPI) -> None:
    """Serve ``/docs`` with the Swagger UI JavaScript, CSS and icon from this server."""
    app.mount(DOCS_STATIC_URL, StaticFiles(directory=swagger_ui_dist_dir()), name="docs-static")

    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{DOCS_STATIC_URL}/swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_STATIC_URL}/swagger-ui.css",
            swagger_favicon_url=f"{DOCS_STATIC_URL}/favicon.png",
            # The online validator badge would call an external host.
            swagger_ui_parameters={"validatorUrl": None},
        )

    app.add_api_route(DOCS_URL, swagger_ui, methods=["GET"], include_in_schema=False)
