"""``butler seed``: fill the configured database with the demo district, with a progress bar."""

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from core_app.analytics.cli import month_ends, refresh_mart, snapshot_matters_on
from core_app.config import LOCAL_TZ
from core_app.db.session import get_engine
from core_app.seed.scales import Scale
from core_app.seed.service import DistrictExistsError, SeedError, SeedReport, seed_district

STAGE_LABELS = {
    "organisation": "组织与事项",
    "people": "居民与企业",
    "cases": "办件",
    "events": "诉求事件",
    "done": "完成",
}


def seed(
    scale: Annotated[
        Scale, typer.Option(help="Size of the district: test, small, medium or large.")
    ] = Scale.SMALL,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed and scale give the same data.")] = 42,
    reset: Annotated[bool, typer.Option("--reset", help="Empty the seeded tables first.")] = False,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing (exit 0) when a district is already there.")
    ] = False,
    now: Annotated[
        datetime | None, typer.Option(help="End of the 12 months of history (default: now).")
    ] = None,
) -> None:
    """Fill the database with a deterministic demo district (云溪区): organisation, matters, cases, events."""
    console = Console()
    try:
        report = _run_with_progress(scale=scale, seed=seed, reset=reset, now=now, console=console)
    except DistrictExistsError as exc:
        if if_empty:
            console.print("the database already holds a district; keeping it (--if-empty)")
            return
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from None
    except SeedError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from None
    console.print(_report_table(report))
    mart = refresh_mart(full=True)
    console.print(
        f"analytics mart: {mart.rows:,} cases with their working-time figures in {mart.seconds:.1f} s"
    )
    # The generated catalogue stood unchanged through the generated year: its month-end snapshots are true.
    history_end = (
        (now.replace(tzinfo=now.tzinfo or LOCAL_TZ) if now else datetime.now(LOCAL_TZ))
        .astimezone(LOCAL_TZ)
        .date()
    )
    copied = snapshot_matters_on([*month_ends(history_end, 12), history_end])
    console.print(f"matter snapshots: {copied:,} matters at each of the 12 month ends and today")


def _run_with_progress(
    *, scale: Scale, seed: int, reset: bool, now: datetime | None, console: Console
) -> SeedReport:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        tasks: dict[str, int] = {}

        def on_progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = progress.add_task(STAGE_LABELS.get(stage, stage), total=max(total, 1))
            progress.update(tasks[stage], completed=done, total=max(total, 1))

        return seed_district(
            get_engine(), scale=scale.value, seed=seed, now=now, reset=reset, on_progress=on_progress
        )


def _report_table(report: SeedReport) -> Table:
    table = Table(title=f"seeded scale={report.scale} seed={report.seed} in {report.seconds:.1f} s")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in report.rows.items():
        table.add_row(name, f"{rows:,}")
    table.add_row("total", f"{report.total_rows:,}")
    return table
