"""Push generation against the database: reasons from planted evidence, stored decisions, outbox rows,
quiet hours, app accounts, opt-out, the cap over stored pushes, dry runs and reruns."""

from datetime import datetime, timedelta

from sqlalchemy import func, select

from core_app.access.models import User
from core_app.associations.models import MatterAssociation
from core_app.config import LOCAL_TZ
from core_app.integrations.base import FakeNotifier
from core_app.notify.models import Channel, OutboxMessage, OutboxStatus
from core_app.notify.worker import deliver_due
from core_app.proactive.models import Push, PushChannel, PushPreference, PushStatus
from core_app.proactive.service import generate_pushes
from tests.api import builders as b
from tests.proactive.conftest import NOW, FrameRecommender, recommendations


def plant_association(session, district, **fields):
    values = {
        "antecedent_matter_id": district.a.id,
        "consequent_matter_id": district.b.id,
        "window_days": 90,
        "antecedent_subjects": 1000,
        "consequent_subjects": 900,
        "pair_subjects": 734,
        "support": 0.05,
        "confidence": 0.734,
        "lift": 3.2,
        "a_before_b_share": 0.9,
        "median_gap_days": 6.2,
        "result_use_share": 0.6,
        "computed_at": NOW,
    }
    session.add(MatterAssociation(**values | fields))
    session.commit()


def pushes(session) -> list[Push]:
    session.expire_all()
    return list(session.scalars(select(Push).order_by(Push.id)))


def messages(session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_association_reason_bundle_and_sms_from_planted_evidence(session, district):
    plant_association(session, district)
    recommender = FrameRecommender(
        recommendations((district.zhang_key, district.b.id, 0.8, "association", district.a.id))
    )
    report = generate_pushes(session, now=NOW, recommender=recommender)
    session.commit()
    [push] = pushes(session)
    assert push.reasons == [
        # 张三's own case of A on 2 October; 734 / 1000 = 73 %; median gap 6.2 -> about 6 days.
        "您于2026年10月2日办理了「食品经营许可」。本区办理「食品经营许可」的申请人中，73%在90天内还办理了"
        "「公共场所卫生许可」，通常间隔约6天。",
        "可通过「开办餐饮店一件事」一次办理。",
        "「公共场所卫生许可」可在网上办理，无需到窗口。",
    ]
    assert (push.citizen_id, push.matter_id, push.bundle_id) == (
        district.zhang.id,
        district.b.id,
        district.bundle.id,
    )
    assert (push.status, push.channel, push.score, push.model_version) == (
        PushStatus.SENT,
        PushChannel.SMS,
        0.8,
        "rec-test-1",
    )
    assert push.generated_at == NOW and push.sent_at == NOW
    [message] = messages(session)
    assert (message.channel, message.recipient, message.dedup_key) == (
        Channel.SMS,
        "13812345678",
        f"push:{push.id}",
    )
    assert message.next_attempt_at == NOW and push.outbox_message_id == message.id
    assert message.body.startswith(
        "您可能需要办理「公共场所卫生许可」。您于2026年10月2日办理了「食品经营许可」。"
    )
    assert "张三" not in message.body + "".join(push.reasons)  # no personal data in what is sent
    assert report.counts["send"] == 1 and report.channels == {"sms": 1} and report.messages == 1
    # The recommender was asked about the three recently active subjects, with their histories and profiles.
    [call] = recommender.calls
    assert set(call.histories["subject"]) == {district.zhang_key, district.li_key, district.firm_key}
    assert set(call.profiles["subject"]) == set(call.histories["subject"]) and call.k == 5


def test_segment_reason_for_an_enterprise_and_its_contact_phone(session, district):
    recommender = FrameRecommender(recommendations((district.firm_key, district.c.id, 0.6, "segment", None)))
    generate_pushes(session, now=NOW, recommender=recommender)
    session.commit()
    [push] = pushes(session)
    # Industry H6210 is division 62 餐饮业; 12 insured employees is 小型 (10-99).
    assert push.reasons == ["与您同类的企业（餐饮业、小型）近期常办理「户口迁移」。"]
    assert (push.enterprise_id, push.citizen_id, push.bundle_id) == (district.firm.id, None, None)
    [message] = messages(session)
    assert (message.channel, message.recipient) == (Channel.SMS, "13700002222")


def test_the_app_channel_goes_to_the_app_account_or_stays_in_the_personal_space(session, district):
    wang = b.citizen(session, name="王五", phone=None)
    b.case(session, matter_id=district.c.id, citizen_id=wang.id, submitted_at=b.local(2026, 9, 3, 10))
    session.add_all(
        [
            User(username="zlb-li-2", citizen_id=district.li.id),
            User(username="zlb-li-1", citizen_id=district.li.id),  # written later, lower id wins below
            User(username="zlb-li-old", citizen_id=district.li.id, is_active=False),
        ]
    )
    session.commit()
    first_account = session.scalar(
        select(User.username).where(User.citizen_id == district.li.id, User.is_active).order_by(User.id)
    )
    recommender = FrameRecommender(
        recommendations(
            (district.li_key, district.a.id, 0.7, "popular", None),
            (f"citizen:{wang.id}", district.a.id, 0.7, "popular", None),
        )
    )
    generate_pushes(session, now=NOW, recommender=recommender)
    session.commit()
    by_citizen = {push.citizen_id: push for push in pushes(session)}
    li_push, wang_push = by_citizen[district.li.id], by_citizen[wang.id]
    assert li_push.channel == wang_push.channel == PushChannel.APP
    [message] = messages(session)
    assert (message.channel, message.recipient, message.dedup_key) == (
        Channel.APP_PUSH,
        first_account,
        f"push:{li_push.id}",
    )
    assert message.payload == {
        "push_id": li_push.id,
        "matter_id": district.a.id,
        "bundle_id": district.bundle.id,
    }
    assert li_push.outbox_message_id == message.id
    # No account: sent into the personal space only.
    assert (wang_push.status, wang_push.sent_at, wang_push.outbox_message_id) == (PushStatus.SENT, NOW, None)


def test_a_push_decided_in_quiet_hours_is_first_attempted_when_they_end(session, district, engine):
    late = datetime(2026, 10, 12, 22, 30, tzinfo=LOCAL_TZ)
    recommender = FrameRecommender(recommendations((district.zhang_key, district.b.id, 0.8, "popular", None)))
    generate_pushes(session, now=late, recommender=recommender)
    session.commit()
    [push] = pushes(session)
    eight = datetime(2026, 10, 13, 8, 0, tzinfo=LOCAL_TZ)
    [message] = messages(session)
    assert message.next_attempt_at == eight and push.sent_at == eight and push.generated_at == late
    sms = FakeNotifier(Channel.SMS)
    assert deliver_due(session, now=eight - timedelta(minutes=1), adapters={Channel.SMS: sms}) == 0
    assert deliver_due(session, now=eight, adapters={Channel.SMS: sms}) == 1
    assert [m.recipient for m in sms.sent] == ["13812345678"]
    assert messages(session)[0].status == OutboxStatus.SENT


def test_own_quiet_hours_move_the_first_attempt(session, district):
    session.add(PushPreference(citizen_id=district.zhang.id, quiet_start="20:00", quiet_end="09:00"))
    session.commit()
    recommender = FrameRecommender(recommendations((district.zhang_key, district.b.id, 0.8, "popular", None)))
    generate_pushes(session, now=datetime(2026, 10, 12, 8, 30, tzinfo=LOCAL_TZ), recommender=recommender)
    session.commit()
    # 08:30 is after the district's 08:00 but inside their own 20:00-09:00.
    assert messages(session)[0].next_attempt_at == datetime(2026, 10, 12, 9, 0, tzinfo=LOCAL_TZ)


def test_opted_out_subjects_get_a_suppressed_row_and_no_message(session, district):
    session.add(PushPreference(citizen_id=district.zhang.id, opted_out=True))
    session.commit()
    recommender = FrameRecommender(recommendations((district.zhang_key, district.b.id, 0.8, "popular", None)))
    report = generate_pushes(session, now=NOW, recommender=recommender)
    session.commit()
    [push] = pushes(session)
    assert (push.status, push.suppressed_reason, push.sent_at) == (PushStatus.SUPPRESSED, "opted_out", None)
    assert push.reasons == [
        "「公共场所卫生许可」是本区近期办理较多的事项。",
        "可通过「开办餐饮店一件事」一次办理。",
        "「公共场所卫生许可」可在网上办理，无需到窗口。",
    ]
    assert messages(session) == [] and report.counts["opted_out"] == 1


def test_a_third_push_within_30_days_is_not_sent(session, district):
    for days_ago, matter in ((10, district.a), (25, district.c)):
        at = NOW - timedelta(days=days_ago)
        session.add(
            Push(
                citizen_id=district.zhang.id,
                matter_id=matter.id,
                score=0.9,
                reasons=[],
                model_version="old",
                channel=PushChannel.SMS,
                status=PushStatus.OPENED,
                generated_at=at,
                sent_at=at,
            )
        )
    session.commit()
    recommender = FrameRecommender(
        recommendations((district.zhang_key, district.b.id, 0.95, "popular", None))
    )
    report = generate_pushes(session, now=NOW, recommender=recommender)
    session.commit()
    assert report.counts["capped"] == 1 and len(pushes(session)) == 2 and messages(session) == []
    # Six days later the older one is 31 days old and no longer counts: 2 - 1 = one place.
    later = NOW + timedelta(days=6)
    report = generate_pushes(session, now=later, recommender=recommender)
    session.commit()
    assert report.counts["send"] == 1 and len(messages(session)) == 1


def test_rerunning_the_same_day_sends_nothing_twice(session, district):
    recommender = FrameRecommender(
        recommendations(
            (district.zhang_key, district.b.id, 0.8, "popular", None),
            (district.firm_key, district.b.id, 0.7, "popular", None),
            (district.li_key, district.c.id, 0.2, "repeat", district.c.id),  # below the threshold: not stored
        )
    )
    first = generate_pushes(session, now=NOW, recommender=recommender)
    session.commit()
    second = generate_pushes(session, now=NOW + timedelta(hours=3), recommender=recommender)
    session.commit()
    assert first.counts == {"send": 2, "opted_out": 0, "capped": 0, "repeat": 0, "below_threshold": 1}
    assert second.counts == {"send": 0, "opted_out": 0, "capped": 0, "repeat": 2, "below_threshold": 1}
    assert len(pushes(session)) == 2 and len(messages(session)) == 2
    assert {m.dedup_key for m in messages(session)} == {f"push:{p.id}" for p in pushes(session)}


def test_a_dry_run_shows_the_decisions_and_writes_nothing(session, district):
    session.add(PushPreference(citizen_id=district.zhang.id, opted_out=True))
    session.commit()
    recommender = FrameRecommender(
        recommendations(
            (district.zhang_key, district.b.id, 0.8, "popular", None),
            (district.firm_key, district.b.id, 0.7, "popular", None),
            (district.li_key, district.c.id, 0.1, "popular", None),
        )
    )
    report = generate_pushes(session, now=NOW, recommender=recommender, dry_run=True)
    shown = report.decision_frame().set_index("subject")
    assert shown["decision"].to_dict() == {district.zhang_key: "opted_out", district.firm_key: "send"}
    assert shown.loc[district.firm_key, "reasons"][0] == "「公共场所卫生许可」是本区近期办理较多的事项。"
    assert report.counts["below_threshold"] == 1 and report.messages == 0
    assert session.scalar(select(func.count()).select_from(Push)) == 0
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_limit_asks_about_the_most_recently_active_subjects_only(session, district):
    old = b.citizen(session, name="赵六")
    b.case(
        session, matter_id=district.c.id, citizen_id=old.id, submitted_at=b.local(2026, 3, 1, 10)
    )  # > 180 days
    session.commit()
    recommender = FrameRecommender(recommendations((district.zhang_key, district.b.id, 0.8, "popular", None)))
    report = generate_pushes(session, now=NOW, recommender=recommender, limit=2, dry_run=True)
    # Latest: 张三 2 October, 李四 1 September, the enterprise 20 August; 赵六 (March) is not active.
    assert report.subjects == 2
    assert set(recommender.calls[0].histories["subject"]) == {district.zhang_key, district.li_key}
    everyone = FrameRecommender(recommendations((district.zhang_key, district.b.id, 0.8, "popular", None)))
    assert generate_pushes(session, now=NOW, recommender=everyone, dry_run=True).subjects == 3
