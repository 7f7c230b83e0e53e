"""``butler portraits``: build the portraits, show one, export a kind as CSV (the API's CSV, unscoped)."""

import json
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from core_app.api import tables
from core_app.db.base import utcnow
from core_app.db.session import get_engine
from core_app.portraits import export, queries
from core_app.portraits.schemas import PortraitRead
from core_app.portraits.service import build_portraits

EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2
EXPORT_BLOCK = 20_000

portraits_app = typer.Typer(
    help="Portraits (画像) of enterprises, citizens, staff and windows.", no_args_is_help=True
)


def _fail(message: str, code: int = EXIT_BAD_INPUT) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@portraits_app.command("build")
def build(
    full: Annotated[
        bool, typer.Option("--full", help="Rebuild every portrait, not only changed ones.")
    ] = False,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="enterprise, citizen, staff or window; repeatable")
    ] = None,
) -> None:
    """Bring the portraits up to date (incremental), or rebuild them with --full."""
    try:
        kinds = [queries.parse_kind(k, "kind") for k in kind or []]
    except queries.PortraitInputError as error:
        raise _fail(f"{error.field}: {error.reason}") from None
    with Session(get_engine()) as session:
        report = build_portraits(session, full=full, kinds=kinds or None)
        session.commit()
    typer.echo(report.summary())


@portraits_app.command("show")
def show(
    kind: Annotated[str, typer.Argument(help="enterprise, citizen, staff or window")],
    subject_id: Annotated[
        int, typer.Argument(help="The enterprise's, citizen's, staff member's or window's id")
    ],
) -> None:
    """Print one portrait as JSON."""
    try:
        subject_type = queries.parse_kind(kind, "kind")
    except queries.PortraitInputError as error:
        raise _fail(f"{error.field}: {error.reason}") from None
    with Session(get_engine()) as session:
        row = queries.get_portrait(session, subject_type, subject_id, principal=None)
    if row is None:
        raise _fail(
            f"there is no {subject_type.value} portrait {subject_id} (run `butler portraits build`?)",
            EXIT_NOT_FOUND,
        )
    typer.echo(json.dumps(PortraitRead(**row).model_dump(mode="json"), ensure_ascii=False, indent=2))


@portraits_app.command("export")
def export_csv(
    kind: Annotated[str, typer.Argument(help="enterprise, citizen, staff or window")],
    out: Annotated[Path, typer.Option(help="The .csv file to write")],
    tag: Annotated[list[str] | None, typer.Option(help="Only portraits with this tag; repeatable")] = None,
) -> None:
    """Write every portrait of KIND (or those with every --tag) as the API's CSV, highest score first."""
    try:
        query = queries.parse_query(kind, tags=tag or ())
        if out.suffix.lower() != ".csv":
            raise queries.PortraitInputError("out", "write a .csv file")
    except queries.PortraitInputError as error:
        field = "kind" if error.field == "subject_type" else error.field
        raise _fail(f"{field}: {error.reason}") from None
    partial = out.with_name(out.name + ".part")
    with Session(get_engine()) as session, partial.open("w", encoding="utf-8", newline="") as stream:
        meta = export.meta_lines("portraits", {"subject_type": query.kind.value, "tag": query.tags}, utcnow())
        header = export.portrait_header(query.kind.value)
        written = tables.write_csv(stream, header, _cells(session, query), meta)
    partial.replace(out)  # all or nothing
    typer.echo(f"wrote {written:,} {query.kind.value} portraits to {out}")


def _cells(session: Session, query: queries.PortraitQuery):
    offset = 0
    while True:
        rows = queries.list_portraits(session, query, None, offset=offset, limit=EXPORT_BLOCK)
        for row in rows:
            yield export.portrait_cells(PortraitRead(**row).model_dump(mode="json"), query.kind.value)
        if len(rows) < EXPORT_BLOCK:
            return
        offset += EXPORT_BLOCK
