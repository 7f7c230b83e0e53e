"""Serve the web pages (``butler cockpit``) with gunicorn: worker processes, each with threads."""

import typer
from gunicorn.app.base import BaseApplication

from core_app.config import get_settings


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, object]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        from dashboards import gateway
        from dashboards.app import server  # built in each worker, after the fork

        gateway.warm()
        return server()


def cockpit(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8050, help="Port; the cockpit is at /, the other pages beside it."),
    workers: int = typer.Option(2, min=1, help="Worker processes."),
    threads: int = typer.Option(4, min=1, help="Threads per worker (the cockpit's charts load in parallel)."),
) -> None:
    """Serve the cockpit, workbench, handler, analysis and admin pages until interrupted."""
    typer.echo(f"cockpit at http://{host}:{port}/  (sign in with a user of the API)")
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": threads,
            "timeout": 120,
            "loglevel": get_settings().log_level.lower(),
            "accesslog": None,
        }
    ).run()
