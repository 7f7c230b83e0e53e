"""`butler scheduler run`: SLA timers and outbox delivery in the foreground, instead of the API's thread."""

import time
from typing import Annotated

import typer

from core_app.config import get_settings
from core_app.sla.runner import run_once

app = typer.Typer(help="SLA timers and notification delivery.", no_args_is_help=True)


@app.command("run")
def run(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
) -> None:
    """Tick the SLA timers, then deliver due notifications, every scheduler_interval_seconds (or once).

    Set BUTLER_SCHEDULER=off on the API servers when this runs apart, so that they do not run it too
    (doing both is safe, only wasteful).
    """
    interval = get_settings().scheduler_interval_seconds
    while True:
        fired, delivered = run_once()
        typer.echo(f"SLA steps fired {fired}, notifications delivered {delivered}")
        if once:
            return
        time.sleep(interval)
