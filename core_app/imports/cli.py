"""`butler import KIND FILE`: the Typer command around `import_file`, printing the summary with rich."""

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from core_app.db.session import get_engine
from core_app.imports.columns import load_mapping_file, parse_map_options
from core_app.imports.errors import ImportInputError, ImportWriteError
from core_app.imports.kinds import ImportKind
from core_app.imports.report import ImportReport
from core_app.imports.service import import_file

EXIT_REJECTED = 1
EXIT_BAD_INPUT = 2
SHOWN_REJECTS = 20

console = Console()


def import_command(
    kind: Annotated[ImportKind, typer.Argument(help="What the file holds.")],
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8 or GB18030) or XLSX file, header in row 1.")],
    map: Annotated[  # named after the --map option
        list[str] | None, typer.Option("--map", help="Column mapping SOURCE=FIELD, repeatable.")
    ] = None,
    mapping: Annotated[Path | None, typer.Option(help="JSON file {source column: field}.")] = None,
    partial: Annotated[bool, typer.Option(help="Import the valid rows even if others are rejected.")] = False,
) -> None:
    """Import matters, cases, events, reviews or queue tickets; all or nothing unless --partial."""
    try:
        columns = load_mapping_file(mapping) if mapping else {}
        columns |= parse_map_options(map or [])
        report = import_file(kind.value, file, engine=get_engine(), mapping=columns, partial=partial)
    except ImportInputError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except ImportWriteError as exc:
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(EXIT_REJECTED) from None
    print_report(report)
    if report.rejected and not partial:
        raise typer.Exit(EXIT_REJECTED)


def print_report(report: ImportReport) -> None:
    """Show counts, rejects and data quality as tables."""
    console.print(_counts_table(report))
    if report.rejects:
        console.print(_rejects_table(report))
    console.print(_quality_table(report))
    if report.ignored_columns:
        console.print(f"ignored columns: {', '.join(report.ignored_columns)}")
    if report.report_path:
        console.print(f"rejected rows written to {report.report_path}")
    if report.rejected and not report.partial:
        console.print("[red]nothing imported[/red]: fix the rows above or use --partial")


def _counts_table(report: ImportReport) -> Table:
    table = Table(title=f"import {report.kind} from {report.path.name} ({report.seconds:.2f} s)")
    for name in ("read", "valid", "rejected", "inserted", "updated", "unchanged"):
        table.add_column(name, justify="right")
    table.add_row(
        *(
            str(n)
            for n in (
                report.rows_read,
                report.valid,
                report.rejected,
                report.inserted,
                report.updated,
                report.unchanged,
            )
        )
    )
    return table


def _rejects_table(report: ImportReport) -> Table:
    table = Table(title=f"rejected ({len(report.rejects)} problems, first {SHOWN_REJECTS} shown)")
    for name in ("row", "field", "value", "reason"):
        table.add_column(name)
    for reject in report.rejects[:SHOWN_REJECTS]:
        field = (
            f"{reject.field} ({reject.column})"
            if reject.column and reject.column != reject.field
            else reject.field
        )
        table.add_row(str(reject.row), field, reject.value, reject.reason)
    return table


def _quality_table(report: ImportReport) -> Table:
    quality = report.quality
    table = Table(title="data quality")
    table.add_column("measure")
    table.add_column("value")
    table.add_row("valid rows", f"{quality.valid_share:.1%}")
    table.add_row("duplicates in file", str(quality.duplicates_in_file))
    table.add_row("already in database", str(quality.duplicates_in_database))
    for reason, count in quality.top_reasons:
        table.add_row("top reason", f"{count} x {reason}")
    for column, share in quality.completeness.items():
        table.add_row(f"filled: {column}", f"{share:.1%}")
    for kind, count in report.created.items():
        table.add_row(f"new {kind}", str(count))
    return table
