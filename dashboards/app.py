"""The Dash application: pages under ``dashboards/pages``, the API's sign-in, every asset served locally."""

import importlib
import pkgutil
import sys
from functools import cache
from pathlib import Path

import dash
from dash import Dash, html

from dashboards import auth, pages

HERE = Path(__file__).parent


@cache
def create_app() -> Dash:
    """Build the app once per process (Dash keeps pages and callbacks in process-wide registries)."""
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder="",
        assets_folder=str(HERE / "assets"),
        serve_locally=True,  # no CDN: the LED wall and the hall network are offline
        suppress_callback_exceptions=True,  # each page brings its own components
        title="云管家",
        update_title=None,
        external_stylesheets=[],
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    auth.install(app.server)
    for module in pkgutil.iter_modules(pages.__path__):
        importlib.import_module(f"{pages.__name__}.{module.name}")
    for entry in dash.page_registry.values():
        # With no pages folder Dash does not look for the modules' `layout` itself.
        entry.setdefault("layout", getattr(sys.modules[entry["module"]], "layout", None))
    app.layout = html.Div(dash.page_container, className="dbc", **{"data-bs-theme": "dark"})
    return app


def server():
    """The WSGI application (for gunicorn and the tests)."""
    return create_app().server
