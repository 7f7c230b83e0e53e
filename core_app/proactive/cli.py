"""``butler pushes generate | measure | stats``: proactive pushes from the command line."""

from datetime import date, datetime, time
from typing import Annotated

import typer

from core_app.config import LOCAL_TZ
from core_app.db.session import session_scope
from core_app.proactive import measure, service

EXIT_NO_MODEL = 1
EXIT_BAD_INPUT = 2

app = typer.Typer(
    help="Proactive pushes (精准推送): generate, measure acceptance, show figures.", no_args_is_help=True
)


@app.command("generate")
def generate(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Decide and explain, write and send nothing.")
    ] = False,
    limit: Annotated[
        int | None, typer.Option(min=1, help="At most this many subjects, the most recently active.")
    ] = None,
) -> None:
    """Ask the recommender, decide (cap, repeat rule, opt-out, quiet hours) and queue today's pushes."""
    try:
        with session_scope() as session:
            report = service.generate_pushes(session, limit=limit, dry_run=dry_run)
    except service.RecommenderUnavailable as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_NO_MODEL) from None
    counts = ", ".join(f"{name} {count:,}" for name, count in report.counts.items())
    channels = ", ".join(f"{name} {count:,}" for name, count in sorted(report.channels.items())) or "none"
    prefix = "dry run: " if dry_run else ""
    typer.echo(
        f"{prefix}model {report.model_version}: {report.subjects:,} subjects, "
        f"{report.recommendations:,} recommendations ({counts}); sent by channel: {channels}; "
        f"{report.messages:,} messages queued in {report.seconds:.1f} s"
    )
    if dry_run:
        for row in report.decision_frame().head(20).itertuples(index=False):
            typer.echo(
                f"{row.subject}\t{row.decision}\t{row.score:.2f}\t{row.matter_name}\t{' '.join(row.reasons)}"
            )


@app.command("measure")
def measure_command() -> None:
    """Mark pushes converted whose matter the subject started within the conversion window."""
    with session_scope() as session:
        converted = measure.measure_conversions(session)
    typer.echo(f"{converted:,} pushes converted")


@app.command("stats")
def stats(
    by: Annotated[
        measure.StatsBy | None, typer.Option(help="channel, model_version, matter or subject_type")
    ] = None,
    period_from: Annotated[str | None, typer.Option("--from", help="Sent on or after, YYYY-MM-DD")] = None,
    period_to: Annotated[str | None, typer.Option("--to", help="Sent before, YYYY-MM-DD")] = None,
) -> None:
    """Print sent, opened, dismissed, converted and the acceptance rate (matured pushes) per group."""
    try:
        period = measure.Period(_day("from", period_from), _day("to", period_to))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    with session_scope() as session:
        rows = measure.push_stats(session, period, by)
    columns = ("key", *measure.FIGURES, "acceptance_rate")
    typer.echo("\t".join(columns))
    for row in [*rows, {"key": "total", **measure.totals(rows)}]:
        label = row["matter_name"] if row.get("matter_name") else row["key"]
        values = [label, *(row[name] for name in columns[1:])]
        typer.echo("\t".join("-" if value is None else str(value) for value in values))


def _day(name: str, raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw), time(), LOCAL_TZ)
    except ValueError:
        raise ValueError(f"{name}: {raw!r} is not a date (YYYY-MM-DD)") from None
