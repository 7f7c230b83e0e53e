"""``butler intake``: the gazetteer that places addresses without coordinates, and the dispatch worker."""

from typing import Annotated

import typer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core_app.db.base import utcnow
from core_app.db.session import get_engine, session_scope
from core_app.events.models import Event
from core_app.intake.gazetteer import build_gazetteer, get_gazetteer
from core_app.intake.simulate import take_in_simulated_reports

intake_app = typer.Typer(
    help="Event intake: the gazetteer, the dispatch worker, simulated reports.", no_args_is_help=True
)


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


@intake_app.command("simulate")
def simulate(
    count: Annotated[int, typer.Option(min=1, max=500, help="Reports to take in.")] = 12,
    seed: Annotated[int, typer.Option(help="Which reports (reproducible).")] = 7,
) -> None:
    """Take in COUNT reports as residents would send them now (a demo district's live work)."""
    with Session(get_engine(), expire_on_commit=False) as session:  # intake commits as it goes
        ids = take_in_simulated_reports(session, count, seed=seed, now=utcnow())
        statuses = session.execute(
            select(Event.status, func.count()).where(Event.id.in_(ids)).group_by(Event.status)
        ).all()
    shown = ", ".join(f"{status.value} {n}" for status, n in sorted(statuses, key=lambda s: s[0].value))
    typer.echo(f"{len(ids)} reports taken in: {shown}")
