"""``butler intake``: the gazetteer that places addresses without coordinates, and the dispatch worker."""

from typing import Annotated

import typer

from core_app.db.session import session_scope
from core_app.intake.gazetteer import build_gazetteer, get_gazetteer

intake_app = typer.Typer(help="Event intake: the gazetteer and the dispatch worker.", no_args_is_help=True)


@intake_app.command("gazetteer")
def gazetteer(
    rebuild: Annotated[
        bool, typer.Option(help="Replace the streets and communities taken from the regions.")
    ] = False,
    locate: Annotated[str | None, typer.Option(help="Show where this address is placed.")] = None,
) -> None:
    """Fill the gazetteer from the district's streets and communities (if empty, or with --rebuild)."""
    with session_scope() as session:
        written = build_gazetteer(session, rebuild=rebuild)
        entries = len(get_gazetteer(session).places)
        if locate is None:
            typer.echo(f"gazetteer: {written} entries written, {entries} in all")
            return
        place = get_gazetteer(session).locate(locate)
    if place is None:
        typer.echo(f"no known street or community in {locate!r}")
        raise typer.Exit(1)
    typer.echo(
        f"{place.kind.value} {place.name}: lon {place.lon}, lat {place.lat}, "
        f"region {place.region_id}, street {place.street_id}"
    )


@intake_app.command("dispatch-worker")
def dispatch_worker(
    batch_size: Annotated[int, typer.Option(min=1, max=1000, help="Events per batch.")] = 200,
    once: Annotated[bool, typer.Option(help="Stop when no received event is left.")] = False,
) -> None:
    """Accept, recommend and auto-dispatch received events in batches (BUTLER_INTAKE_DISPATCH=worker)."""
    from sqlalchemy.orm import Session

    from core_app.db.session import get_engine
    from core_app.intake.dispatcher import run_worker

    def session_factory() -> Session:
        return Session(get_engine(), expire_on_commit=False)

    try:
        done = run_worker(session_factory, batch_size=batch_size, once=once)
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
    typer.echo(f"dispatch worker: {done} events taken")
