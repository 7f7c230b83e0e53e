"""``butler associations``: rebuild the matter association rules and mined bundles, show or export them."""

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from core_app.associations import reads, service
from core_app.db.session import get_engine
from core_app.matters.models import BundleStatus

EXIT_BAD_INPUT = 2

associations_app = typer.Typer(
    help="Matter association (DOMAIN §7.5): rules, the matter graph and mined 一件事 bundles.",
    no_args_is_help=True,
)


def _refuse(field: str, reason: str) -> None:
    typer.echo(f"error: {field}: {reason}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _check_out(out: Path | None) -> None:
    if out is not None and out.suffix.lower() != ".csv":
        _refuse("out", "write a .csv file")


def _number(field: str, raw: str | None, kind: type[int] | type[float]) -> int | float | None:
    """Parse an option here rather than in typer, so that a bad value is one line and exit code 2."""
    if raw is None:
        return None
    try:
        return kind(raw)
    except ValueError:
        _refuse(field, f"{raw!r} is not a {'whole number' if kind is int else 'number'}")


def _write(out: Path, content: str) -> None:
    partial = out.with_name(out.name + ".part")
    partial.write_bytes(content.encode("utf-8"))
    partial.replace(out)  # all or nothing


@associations_app.command("build")
def build(
    window: Annotated[
        str, typer.Option("--window-days", help="Days between two matters' submissions (7..365).")
    ] = str(service.WINDOW_DAYS),
    lift: Annotated[str, typer.Option("--min-lift", help="Graph edges need this lift (> 1).")] = str(
        service.MIN_LIFT
    ),
) -> None:
    """Recompute every rule and the mined candidate bundles from all applicant histories (one transaction)."""
    window_days, min_lift = _number("window-days", window, int), _number("min-lift", lift, float)
    try:
        service.validate(window_days, min_lift)
    except service.AssociationInputError as error:
        _refuse(error.field.replace("_", "-"), error.reason)
    with Session(get_engine()) as session:
        report = service.rebuild_associations(session, window_days=window_days, min_lift=min_lift)
        session.commit()
    typer.echo(
        f"{report.rules:,} rules over {report.subjects:,} applicants ({report.cases:,} cases); "
        f"graph {report.graph_matters:,} matters, {report.graph_edges:,} edges; "
        f"{report.communities} communities, {report.candidates} candidate bundles "
        f"({report.created} new, {report.updated} updated, {report.removed} removed)"
    )
    for match in report.matching_existing:
        typer.echo(f"  already a bundle: {match['name']} ({match['origin']}, {match['status']})")
    recovered = f"{report.recovered_official}/{len(report.official_recovery)}"
    typer.echo(f"official bundles recovered (Jaccard >= {service.RECOVERED_JACCARD}): {recovered}")
    for item in report.official_recovery:
        typer.echo(f"  {item['name']}: Jaccard {item['jaccard']:.2f}")
    typer.echo("seconds: " + ", ".join(f"{stage} {seconds:.1f}" for stage, seconds in report.seconds.items()))


@associations_app.command("show")
def show(
    matter_id: Annotated[
        str | None, typer.Option("--matter", help="Only rules with this matter id on either side.")
    ] = None,
    count: Annotated[str, typer.Option("--top", help="How many rules, in the order of --order.")] = "20",
    order: Annotated[str, typer.Option(help="-lift, -confidence, -support or -pair_subjects")] = "-lift",
    out: Annotated[Path | None, typer.Option(help="Write these rows to a .csv (the API's columns).")] = None,
) -> None:
    """Print the strongest rules A -> B, or write them as CSV."""
    matter, top = _number("matter", matter_id, int), _number("top", count, int)
    if top < 1:
        _refuse("top", "must be at least 1")
    if order not in reads.ORDERS:
        _refuse("order", f"one of {', '.join(reads.ORDERS)}")
    if matter is not None and matter < 1:
        _refuse("matter", "must be a matter id (>= 1)")
    _check_out(out)
    with Session(get_engine()) as session:
        rows, total = reads.list_rules(session, reads.RuleFilter(matter=matter), order=order, page_size=top)
    frame = pd.DataFrame(rows, columns=list(reads.ASSOCIATION_COLUMNS))
    if out is not None:
        _write(out, reads.to_csv(frame))
        typer.echo(f"wrote {len(frame):,} of {total:,} rules to {out}")
        return
    table = Table()
    for column in ("A", "B", "pairs", "support", "confidence", "lift", "A first", "gap days", "result use"):
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(
            f"{row['antecedent_matter_id']} {row['antecedent_name']}",
            f"{row['consequent_matter_id']} {row['consequent_name']}",
            str(row["pair_subjects"]),
            f"{row['support']:.4f}",
            f"{row['confidence']:.3f}",
            f"{row['lift']:.2f}",
            f"{row['a_before_b_share']:.2f}",
            f"{row['median_gap_days']:.1f}",
            f"{row['result_use_share']:.2f}",
        )
    Console(width=200).print(table)
    typer.echo(f"{len(rows)} of {total:,} rules")


@associations_app.command("bundles")
def bundles(
    status: Annotated[str | None, typer.Option(help="candidate, approved, active or retired")] = None,
    out: Annotated[Path | None, typer.Option(help="Write every bundle to a .csv (the API's CSV).")] = None,
) -> None:
    """Print the mined bundles best first, with the best handling path, or write them as CSV."""
    try:
        wanted = BundleStatus(status) if status else None
    except ValueError:
        _refuse("status", f"one of {', '.join(s.value for s in BundleStatus)}")
    _check_out(out)
    with Session(get_engine()) as session:
        rows, _total = reads.mined_bundles(session, status=wanted)
    frame = reads.bundle_table(rows)
    if out is not None:
        _write(out, reads.to_csv(frame))
        typer.echo(f"wrote {len(frame):,} bundles to {out}")
        return
    table = Table()
    for column in ("rank", "id", "name", "status", "score", "subjects", "best path"):
        table.add_column(column, overflow="fold")
    for row in frame.itertuples(index=False):
        table.add_row(
            str(row.rank),
            str(row.id),
            row.name,
            row.status,
            "—" if row.score is None else f"{row.score:.3f}",
            "—" if pd.isna(row.subjects) else str(int(row.subjects)),
            row.matter_names,
        )
    Console(width=200).print(table)
    typer.echo(f"{len(frame)} mined bundles")
