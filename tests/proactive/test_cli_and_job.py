"""butler pushes generate | measure | stats, the scheduler's run_pushes, and the app-push channel."""

from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from core_app.cli import app as cli
from core_app.config import LOCAL_TZ, Settings
from core_app.integrations.app_push import AppPush
from core_app.integrations.base import OutgoingMessage
from core_app.integrations.registry import adapters_from_settings
from core_app.notify.models import Channel, OutboxMessage
from core_app.proactive.jobs import run_pushes
from core_app.proactive.models import Push, PushStatus
from tests.api import builders as b
from tests.notify.fake_servers import ScriptedHttp
from tests.proactive.conftest import FrameRecommender, recommendations


def count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_generate_from_the_command_line(session, district, registered):
    registered(
        FrameRecommender(
            recommendations((district.zhang_key, district.b.id, 0.8, "association", district.a.id))
        )
    )
    dry = CliRunner().invoke(cli, ["pushes", "generate", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run: model rec-test-1: 3 subjects, 1 recommendations (send 1," in dry.output
    assert "您于2026年10月2日办理了「食品经营许可」" in dry.output and count(session, Push) == 0
    real = CliRunner().invoke(cli, ["pushes", "generate", "--limit", "1"])
    assert real.exit_code == 0, real.output
    assert "sent by channel: sms 1; 1 messages queued" in real.output
    assert count(session, Push) == 1 and count(session, OutboxMessage) == 1


def test_generate_without_a_recommender_says_what_to_do(district, no_registry):
    result = CliRunner().invoke(cli, ["pushes", "generate"])
    assert result.exit_code == 1
    assert result.output.strip() == "error: no recommender registered: run `butler train recommend`"


def test_measure_and_stats_from_the_command_line(session, district):
    sent = datetime.now(LOCAL_TZ) - timedelta(days=35)
    for citizen in (district.zhang, district.li):
        session.add(
            Push(
                citizen_id=citizen.id,
                matter_id=district.b.id,
                score=0.8,
                reasons=[],
                model_version="v1",
                channel="sms",
                status=PushStatus.SENT,
                generated_at=sent,
                sent_at=sent,
            )
        )
    b.case(
        session, matter_id=district.b.id, citizen_id=district.zhang.id, submitted_at=sent + timedelta(days=3)
    )
    session.commit()
    measured = CliRunner().invoke(cli, ["pushes", "measure"])
    assert measured.exit_code == 0 and measured.output.strip() == "1 pushes converted"
    shown = CliRunner().invoke(cli, ["pushes", "stats", "--by", "channel"])
    assert shown.exit_code == 0, shown.output
    lines = [line.split("\t") for line in shown.output.strip().splitlines()]
    header, sms, total = (
        lines[0],
        dict(zip(lines[0], lines[1], strict=True)),
        dict(zip(lines[0], lines[2], strict=True)),
    )
    assert header[0] == "key" and sms["key"] == "sms"
    assert (sms["sent"], sms["converted"], sms["matured_sent"], sms["acceptance_rate"]) == (
        "2",
        "1",
        "2",
        "0.5",
    )
    assert total["key"] == "total" and total["sent"] == "2"
    bad = CliRunner().invoke(cli, ["pushes", "stats", "--from", "1/9/2026"])
    assert bad.exit_code == 2 and "from: '1/9/2026' is not a date" in bad.output


def test_run_pushes_measures_every_time_and_generates_once_a_day(session, district, registered):
    recommender = FrameRecommender(recommendations((district.zhang_key, district.b.id, 0.8, "popular", None)))
    registered(recommender)
    early = datetime(2026, 10, 12, 8, 30, tzinfo=LOCAL_TZ)  # before BUTLER_PUSH_DAILY_AT (09:00)
    assert run_pushes(session, early).generation is None and recommender.calls == []
    nine = early.replace(hour=9, minute=0)
    report = run_pushes(session, nine)
    assert report.generation is not None and report.generation.counts["send"] == 1
    assert run_pushes(session, nine + timedelta(hours=2)).generation is None  # today's run is done
    assert len(recommender.calls) == 1 and count(session, Push) == 1
    # The case of the pushed matter a week later converts it on the next call.
    b.case(
        session, matter_id=district.b.id, citizen_id=district.zhang.id, submitted_at=nine + timedelta(days=7)
    )
    session.commit()
    next_day = run_pushes(session, nine + timedelta(days=7, hours=1))
    assert next_day.converted == 1 and next_day.generation is not None  # a new day: generated again
    assert next_day.generation.counts["repeat"] == 1  # the same matter within 90 days: not again
    assert count(session, Push, Push.status == PushStatus.CONVERTED) == 1


def test_run_pushes_without_a_recommender_only_measures(session, district, no_registry, caplog):
    assert run_pushes(session, datetime(2026, 10, 12, 10, tzinfo=LOCAL_TZ)).generation is None
    assert "pushes not generated: no recommender registered" in caplog.text


@pytest.fixture
def http():
    server = ScriptedHttp().start()
    yield server
    server.stop()


def test_the_app_push_channel(http):
    http.replies = [(200, {"code": 0}), (200, {"code": 40, "message": "unknown account"}), (502, "down")]
    channel = AppPush(f"{http.url}/push", "tok-1")
    message = OutgoingMessage(7, Channel.APP_PUSH, "zlb-li", "为您推荐：户口迁移", "您曾…", {"push_id": 3})
    assert channel.configured and channel.send(message).ok
    assert http.seen[0].headers["Authorization"] == "Bearer tok-1"
    assert http.seen[0].body == {
        "account": "zlb-li",
        "title": "为您推荐：户口迁移",
        "content": "您曾…",
        "payload": {"push_id": 3},
    }
    assert channel.send(message).error == "code 40: unknown account"
    assert channel.send(message).error.startswith("HTTP 502")
    assert not AppPush("", "").configured and not AppPush(f"{http.url}/push", "").configured
    adapters = adapters_from_settings(Settings(app_push_url=f"{http.url}/push", app_push_token="t"))
    assert isinstance(adapters[Channel.APP_PUSH], AppPush) and adapters[Channel.APP_PUSH].configured
