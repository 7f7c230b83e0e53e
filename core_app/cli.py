"""The ``butler`` command line: one sub-command per stage of the platform."""

import logging
import sys

import typer
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core_app.access.cli import apikey_app, role_app, user_app
from core_app.analytics.cli import analytics_app
from core_app.api.server import serve
from core_app.associations.cli import associations_app
from core_app.config import get_settings
from core_app.db import migrate
from core_app.dispatch.cli import app as dispatch_app
from core_app.emotion.cli import app as emotion_app
from core_app.emotion.lexicon_cli import app as lexicon_app
from core_app.imports.cli import import_command
from core_app.intake.cli import intake_app
from core_app.notify.cli import app as outbox_app
from core_app.org.calendar_cli import app as calendar_app
from core_app.portraits.cli import portraits_app
from core_app.proactive.cli import app as pushes_app
from core_app.seed.cli import seed
from core_app.sla.cli import app as scheduler_app
from core_app.warnings.cli import app as warnings_app
from dashboards.server import cockpit
from training.cli import models_app, train_app

app = typer.Typer(
    help="Cloud Butler (云管家): event dispatch and service-hall data platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(calendar_app, name="calendar")
app.add_typer(user_app, name="user")
app.add_typer(role_app, name="role")
app.add_typer(apikey_app, name="apikey")
app.add_typer(dispatch_app, name="dispatch")
app.add_typer(emotion_app, name="emotion")
app.add_typer(lexicon_app, name="lexicon")
app.add_typer(train_app, name="train")
app.add_typer(models_app, name="models")
app.add_typer(intake_app, name="intake")
app.add_typer(outbox_app, name="outbox")
app.add_typer(scheduler_app, name="scheduler")
app.add_typer(warnings_app, name="warnings")
app.add_typer(analytics_app, name="analytics")
app.add_typer(pushes_app, name="pushes")
app.add_typer(associations_app, name="associations")
app.add_typer(portraits_app, name="portraits")
app.command(name="seed")(seed)
app.command(name="import")(import_command)
app.command(name="serve")(serve)
app.command(name="cockpit")(cockpit)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the database schema up to REVISION (default: the latest)."""
    migrate.upgrade(revision=revision)
    typer.echo(f"database at {_shown_url()} is at revision {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. base.")) -> None:
    """Migrate the database schema down to REVISION."""
    migrate.downgrade(revision=revision)
    typer.echo(f"database at {_shown_url()} is at revision {revision}")


@db_app.command("heads")
def db_heads() -> None:
    """Print the head revision(s) of the migrations shipped with this version."""
    typer.echo("\n".join(migrate.heads()))


def _shown_url() -> str:
    return make_url(get_settings().resolved_database_url).render_as_string(hide_password=True)


def main() -> None:
    """Run the CLI; database and input problems end with a message and exit code 2, not a traceback."""
    logging.basicConfig(
        level=get_settings().log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        app()
    except DBAPIError as exc:
        typer.secho(f"error: database at {_shown_url()}: {str(exc.orig).strip()}", err=True, fg="red")
        if "no such table" in str(exc.orig) or "does not exist" in str(exc.orig):
            typer.secho("hint: run `butler db upgrade` first", err=True)
        sys.exit(2)
