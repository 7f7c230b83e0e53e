"""``butler lexicon``: store the shipped emotion lexicon in the database, list and activate versions, export
one, and mine candidate root words from the events of a period."""

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core_app.admin.common import Audit, local_time
from core_app.api.problems import ProblemError
from core_app.db.session import session_scope
from core_app.emotion import lexicon as service

app = typer.Typer(help="The emotion lexicon (情绪词库): versions and mined root words.", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.secho(f"error: {message}", err=True, fg="red")
    raise typer.Exit(code=2)


def _moment(value: str, option: str) -> datetime:
    try:
        return local_time(datetime.fromisoformat(value))  # type: ignore[return-value]
    except ValueError:
        _fail(f"{option} {value!r} is not a date or time (YYYY-MM-DD or YYYY-MM-DDTHH:MM)")
        raise  # unreachable: _fail exits


@app.command("init")
def init() -> None:
    """Store the shipped lexicon as version 1 (active) if the database has no version yet."""
    with session_scope() as session:
        version = service.ensure_lexicon(session)
        number, status = version.version, version.status.value
    typer.echo(f"lexicon version {number} ({status})")


@app.command("versions")
def versions() -> None:
    """List the versions, newest first, with their entry counts."""
    with session_scope() as session:
        rows = service.list_versions(session)
        counts = service.entry_counts(session, [v.id for v in rows])
        table = Table(title="emotion lexicon versions")
        for column in ("version", "status", "roots", "negations", "degrees", "activated", "note"):
            table.add_column(column)
        for v in rows:
            c = counts[v.id]
            activated = v.activated_at.strftime("%Y-%m-%d %H:%M") if v.activated_at else ""
            table.add_row(str(v.version), v.status.value, *map(str, c.values()), activated, v.note)
    Console().print(table)
    if not rows:
        typer.echo(
            "no version in the database: the shipped lexicon is used (`butler lexicon init` stores it)"
        )


@app.command("activate")
def activate(
    version: Annotated[int, typer.Argument(help="Version number (a draft, or a retired one).")],
) -> None:
    """Make a version the active lexicon; the active one retires."""
    try:
        with session_scope() as session:
            service.activate(audit=Audit(session, None, None), number=version)
    except ProblemError as exc:
        _fail(exc.detail)
    typer.echo(f"lexicon version {version} is active")


@app.command("export")
def export(
    version: Annotated[int, typer.Argument(help="Version number.")],
    out: Annotated[Path, typer.Option(help="CSV file to write.")],
) -> None:
    """Write a version's entries as CSV: kind, word, polarity, score, attrs."""
    try:
        with session_scope() as session:
            body = service.export_csv(session, version)
    except ProblemError as exc:
        _fail(exc.detail)
    try:
        out.write_text(body, encoding="utf-8")
    except OSError as exc:
        _fail(f"cannot write {out}: {exc.strerror}")
    typer.echo(f"wrote {body.count(chr(10)) - 1} entries of version {version} to {out}")


@app.command("mine")
def mine(
    start: Annotated[str, typer.Option("--from", help="Events reported at or after (YYYY-MM-DD).")],
    end: Annotated[str, typer.Option("--to", help="Events reported before (YYYY-MM-DD).")],
    min_count: Annotated[int, typer.Option(min=1, help="Negative events a word must be in.")] = 5,
    top: Annotated[int, typer.Option(min=1, max=1000, help="Candidates kept.")] = 100,
) -> None:
    """Mine candidate root words from dissatisfied or negative events and store them for review."""
    since, until = _moment(start, "--from"), _moment(end, "--to")
    if until <= since:
        _fail("--to must be after --from")
    with session_scope() as session:
        run = service.mine_from_events(session, since, until, min_count=min_count, top=top)
        table = Table(
            title=f"{len(run.candidates)} candidates from {run.negative_events}/{run.events} events"
        )
        for column in ("word", "log_odds", "z_score", "negative", "other"):
            table.add_column(column)
        for c in run.candidates:
            table.add_row(
                c.word, f"{c.log_odds:.3f}", f"{c.z_score:.2f}", str(c.negative_count), str(c.other_count)
            )
    Console().print(table)
