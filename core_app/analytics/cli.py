"""``butler analytics``: refresh the case mart, show or export an analysis from the command line."""

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from core_app.analytics import export, service
from core_app.analytics.facts import RefreshReport, refresh_case_facts
from core_app.analytics.matters import take_matter_snapshot
from core_app.config import LOCAL_TZ
from core_app.db.session import get_engine

EXIT_BAD_INPUT = 2

analytics_app = typer.Typer(
    help="Hall analyses (S1 §3.2.2): the case mart, tables and exports.", no_args_is_help=True
)


def refresh_mart(*, full: bool = False) -> RefreshReport:
    with Session(get_engine()) as session:
        report = refresh_case_facts(session, full=full)
        session.commit()
    return report


@analytics_app.command("refresh")
def refresh(
    full: Annotated[bool, typer.Option("--full", help="Rebuild every row, not only changed cases.")] = False,
) -> None:
    """Bring the case mart (working-time durations per case) up to date."""
    report = refresh_mart(full=full)
    kind = "full rebuild" if report.full else "incremental"
    typer.echo(f"case facts: {report.rows:,} cases refreshed ({kind}) in {report.seconds:.1f} s")


def snapshot_matters_on(days: list[date]) -> int:
    """Copy the catalogue into matter_snapshots for each day; the matters copied per day."""
    with Session(get_engine()) as session:
        counts = [take_matter_snapshot(session, day) for day in days]
        session.commit()
    return counts[-1] if counts else 0


def month_ends(before: date, months: int) -> list[date]:
    """The last days of the ``months`` months before the one holding ``before``, oldest first."""
    ends, first = [], before.replace(day=1)
    for _ in range(months):
        last = first - timedelta(days=1)
        ends.append(last)
        first = last.replace(day=1)
    return ends[::-1]


@analytics_app.command("snapshot-matters")
def snapshot_matters(
    on: Annotated[
        str | None, typer.Option(help="The day the snapshot is dated, YYYY-MM-DD (default: today)")
    ] = None,
) -> None:
    """Copy the matter catalogue as it is into matter_snapshots (较前次 of the matter analysis)."""
    try:
        day = date.fromisoformat(on) if on else datetime.now(LOCAL_TZ).date()
    except ValueError:
        typer.echo(f"error: on: {on!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    copied = snapshot_matters_on([day])
    typer.echo(f"matter snapshot {day}: {copied:,} matters")


@analytics_app.command("show")
def show(
    analysis: Annotated[
        str, typer.Argument(help="cases, channels, matters, reviews, keylinks, windows, ...")
    ],
    granularity: Annotated[str, typer.Option(help="year, quarter, month, week, day, custom")] = "month",
    period_from: Annotated[str | None, typer.Option("--from", help="First day, YYYY-MM-DD")] = None,
    period_to: Annotated[str | None, typer.Option("--to", help="Day after the last, YYYY-MM-DD")] = None,
    by: Annotated[str | None, typer.Option(help="Dimensions, comma-separated")] = None,
    where: Annotated[list[str] | None, typer.Option("--filter", help="dimension=value, repeatable")] = None,
    out: Annotated[Path | None, typer.Option(help="Write .csv or .xlsx instead of printing")] = None,
) -> None:
    """Print an analysis (with 环比/同比) or export it exactly as the API's CSV/XLSX."""
    try:
        filters = dict(_pair(item) for item in where or [])
        request = service.parse_request(
            service.find_analysis(analysis),
            granularity=granularity,
            start=period_from,
            end=period_to,
            by=by,
            filters=filters,
        )
        if out is not None and out.suffix.lower() not in (".csv", ".xlsx"):
            raise service.AnalyticsInputError("out", "write .csv or .xlsx")
    except service.AnalyticsInputError as error:
        typer.echo(f"error: {error.field}: {error.reason}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    with Session(get_engine()) as session:
        result = service.run(session, request, principal=None)
    if out is None:
        _print(result.frame)
        return
    content = (
        export.to_xlsx(request, result.frame, result.generated_at)
        if out.suffix.lower() == ".xlsx"
        else export.to_csv(request, result.frame, result.generated_at).encode("utf-8")
    )
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(content)
    partial.replace(out)  # all or nothing
    typer.echo(f"wrote {len(result.frame):,} rows to {out}")


def _pair(item: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep or not name or not value:
        raise service.AnalyticsInputError("filter", f"{item!r} is not dimension=value")
    return name.strip(), value.strip()


def _print(frame) -> None:
    table = Table(show_lines=False)
    shown = [c for c in frame.columns if c not in ("period_from", "period_to")]
    for column in shown:
        table.add_column(column, overflow="fold")
    for row in service.json_rows(frame[shown]):
        table.add_row(*("—" if row[c] is None else _fmt(row[c]) for c in shown))
    Console(width=200).print(table)


def _fmt(value) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
