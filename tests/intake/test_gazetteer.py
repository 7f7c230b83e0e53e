"""The gazetteer: built from regions, longest and most specific name wins, cached until entries change;
and the background dispatcher's batch step."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from core_app.cli import app
from core_app.events.models import Event, EventSource, EventStatus
from core_app.intake.dispatcher import run_after_intake, stale_received
from core_app.intake.gazetteer import build_gazetteer, get_gazetteer, locate, nearest
from core_app.intake.models import GazetteerEntry, PlaceKind
from core_app.intake.schemas import EventIn
from core_app.intake.service import Actor, ingest
from tests.intake.conftest import NOW, payload


def test_build_fills_streets_and_communities_once(session: Session, district) -> None:
    entries = session.scalars(select(GazetteerEntry)).all()
    kinds = {e.name: (e.kind, e.street_id) for e in entries}
    assert kinds["云溪街道"] == (PlaceKind.STREET, district.yunxi.id)
    assert kinds["溪畔社区"] == (PlaceKind.COMMUNITY, district.yunxi.id)
    assert "云溪区" not in kinds  # the county is not a place within the district
    assert build_gazetteer(session) == 0  # not empty: left alone
    assert build_gazetteer(session, rebuild=True) == len(entries)


def test_the_most_specific_name_wins(session: Session, district) -> None:
    assert locate(session, "云溪区云溪街道溪畔社区梧桐路18号").region_id == district.xipan.id
    assert locate(session, "云溪街道梧桐路").region_id == district.yunxi.id  # only the street is known
    assert locate(session, "明珠社区东门").street_id == district.yunxi.id
    assert locate(session, "ｈａｉ 海山街道 望海社区").region_id == district.wanghai.id  # width and spaces
    assert locate(session, "某市某路") is None and locate(session, "") is None


def test_a_community_of_the_named_street_beats_a_longer_name_elsewhere(session: Session, district) -> None:
    session.add(
        GazetteerEntry(
            name="海山街道溪畔社区新村",
            kind=PlaceKind.COMMUNITY,
            region_id=district.wanghai.id,
            street_id=district.haishan.id,
            lon=114.3,
            lat=22.57,
        )
    )
    session.commit()
    # The new entry is seen at once: this process changed the table.
    assert locate(session, "海山街道溪畔社区新村").region_id == district.wanghai.id
    assert locate(session, "云溪街道溪畔社区").region_id == district.xipan.id


def test_nearest_community_and_outside_the_district(session: Session, district) -> None:
    assert nearest(session, 114.269, 22.580).region_id == district.mingzhu.id
    assert nearest(session, 120.0, 30.0) is None


def test_the_cache_is_reused_between_calls(session: Session, district) -> None:
    assert get_gazetteer(session) is get_gazetteer(session)


def test_the_cli_builds_and_locates(session: Session, district, engine) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["intake", "gazetteer", "--locate", "云溪街道明珠社区"])
    assert result.exit_code == 0, result.output
    assert "明珠社区" in result.output and f"region {district.mingzhu.id}" in result.output
    rebuilt = runner.invoke(app, ["intake", "gazetteer", "--rebuild"])
    assert rebuilt.exit_code == 0 and "5 entries written" in rebuilt.output


def test_the_background_step_accepts_received_events_in_a_batch(session: Session, district) -> None:
    items = [
        EventIn.model_validate(payload(f"BG-{i}", reporter_phone=f"1380000000{i}", address=None))
        for i in range(3)
    ]
    items[1] = EventIn.model_validate(
        payload("BG-1", title="噪音", description="楼下酒吧太吵", category_code="HB01")
    )
    outcomes = ingest(session, items, source=EventSource.HOTLINE_12345, actor=Actor("test"), now=NOW)
    session.commit()
    ids = [o.event.id for o in outcomes]
    assert stale_received(session, older_than=timedelta(hours=1), limit=10) == []  # not stale yet
    assert set(stale_received(session, older_than=timedelta(0), limit=10)) == set(ids)
    assert run_after_intake(session, ids) == 3
    session.expire_all()
    statuses = session.scalars(select(Event.status).where(Event.id.in_(ids))).all()
    assert set(statuses) == {EventStatus.PENDING_DISPATCH}
    assert run_after_intake(session, ids) == 0  # already taken: nothing to do twice
