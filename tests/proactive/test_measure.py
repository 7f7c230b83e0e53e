"""Conversions (the pushed matter started within 30 days, in SQL) and the acceptance figures."""

from datetime import datetime, timedelta

from core_app.cases.models import CaseStatus
from core_app.config import LOCAL_TZ
from core_app.proactive import measure
from core_app.proactive.models import Push, PushChannel, PushStatus
from tests.api import builders as b

SENT = datetime(2026, 9, 1, 10, 0, tzinfo=LOCAL_TZ)


def push(
    session, *, matter, citizen=None, enterprise=None, sent_at=SENT, status=PushStatus.SENT, **fields
) -> Push:
    row = Push(
        citizen_id=citizen.id if citizen else None,
        enterprise_id=enterprise.id if enterprise else None,
        matter_id=matter.id,
        score=0.8,
        reasons=[],
        model_version=fields.pop("model_version", "v1"),
        channel=fields.pop("channel", PushChannel.SMS),
        status=status,
        generated_at=fields.pop("generated_at", sent_at or SENT),
        sent_at=sent_at,
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def test_conversions_count_the_pushed_matter_by_the_same_subject_within_30_days(session):
    matter, other = b.matter(session, name="公共场所卫生许可"), b.matter(session, name="户口迁移")
    zhang, li, wang = b.citizen(session), b.citizen(session), b.citizen(session)
    firm = b.enterprise(session)
    converts = push(session, matter=matter, citizen=zhang)
    too_late = push(session, matter=matter, citizen=li)
    someone_else = push(session, matter=other, citizen=wang)
    opened = push(session, matter=other, enterprise=firm, status=PushStatus.OPENED, opened_at=SENT)
    dismissed = push(session, matter=matter, citizen=wang, status=PushStatus.DISMISSED, dismissed_at=SENT)
    before = push(session, matter=other, citizen=li)
    day = timedelta(days=1)
    first = b.case(
        session, matter_id=matter.id, citizen_id=zhang.id, submitted_at=SENT + 10 * day
    )  # converts
    b.case(session, matter_id=matter.id, citizen_id=zhang.id, submitted_at=SENT + 12 * day)  # a later one
    b.case(session, matter_id=matter.id, citizen_id=li.id, submitted_at=SENT + 40 * day)  # 40 days: too late
    b.case(session, matter_id=other.id, citizen_id=zhang.id, submitted_at=SENT + 5 * day)  # not wang's
    firm_case = b.case(session, matter_id=other.id, enterprise_id=firm.id, submitted_at=SENT + 29 * day)
    b.case(session, matter_id=matter.id, citizen_id=wang.id, submitted_at=SENT + 3 * day)  # dismissed stays
    b.case(session, matter_id=other.id, citizen_id=li.id, submitted_at=SENT - day)  # before the push
    voided = b.case(session, matter_id=other.id, citizen_id=li.id, submitted_at=SENT + day)
    voided.status = CaseStatus.VOIDED  # a registration mistake is not taking the matter up
    session.commit()

    assert measure.measure_conversions(session, now=SENT + 45 * day) == 2
    session.commit()
    session.expire_all()
    assert (converts.status, converts.converted_case_id, converts.converted_at) == (
        PushStatus.CONVERTED,
        first.id,
        first.submitted_at,
    )
    assert (opened.status, opened.converted_case_id) == (PushStatus.CONVERTED, firm_case.id)
    for unchanged, status in (
        (too_late, PushStatus.SENT),
        (someone_else, PushStatus.SENT),
        (before, PushStatus.SENT),
        (dismissed, PushStatus.DISMISSED),
    ):
        assert (unchanged.status, unchanged.converted_case_id) == (status, None)
    assert measure.measure_conversions(session, now=SENT + 46 * day) == 0  # nothing left to convert


def test_a_case_not_yet_submitted_at_measuring_time_does_not_count(session):
    matter, zhang = b.matter(session), b.citizen(session)
    row = push(session, matter=matter, citizen=zhang)
    b.case(session, matter_id=matter.id, citizen_id=zhang.id, submitted_at=SENT + timedelta(days=10))
    session.commit()
    assert measure.measure_conversions(session, now=SENT + timedelta(days=9)) == 0
    assert measure.measure_conversions(session, now=SENT + timedelta(days=10)) == 1
    session.expire_all()
    assert row.status == PushStatus.CONVERTED


def test_stats_per_channel_with_the_acceptance_rate_of_matured_pushes(session):
    matter = b.matter(session, name="公共场所卫生许可")
    people = [b.citizen(session) for _ in range(8)]
    now = datetime(2026, 11, 1, 10, 0, tzinfo=LOCAL_TZ)
    old, young = now - timedelta(days=40), now - timedelta(days=5)  # window ended / still open
    rows = [
        (PushChannel.SMS, old, PushStatus.CONVERTED, {"opened_at": old}),
        (PushChannel.SMS, old, PushStatus.SENT, {}),
        (PushChannel.SMS, old, PushStatus.DISMISSED, {"opened_at": old}),
        (PushChannel.SMS, young, PushStatus.CONVERTED, {}),
        (PushChannel.APP, old, PushStatus.OPENED, {"opened_at": old}),
        (PushChannel.APP, young, PushStatus.SENT, {}),
        (
            PushChannel.APP,
            None,
            PushStatus.SUPPRESSED,
            {"generated_at": old, "suppressed_reason": "opted_out"},
        ),
    ]
    for person, (channel, sent_at, status, extra) in zip(people, rows, strict=False):
        push(session, matter=matter, citizen=person, channel=channel, sent_at=sent_at, status=status, **extra)
    push(session, matter=matter, citizen=people[7], sent_at=now - timedelta(days=400))  # before the period
    session.commit()
    period = measure.Period(now - timedelta(days=90), now)
    stats = {row["key"]: row for row in measure.push_stats(session, period, measure.StatsBy.CHANNEL, now)}
    # sms: 4 sent, 2 opened, 1 dismissed, 2 converted; matured: 3 sent, 1 converted -> 1/3.
    assert stats["sms"] == {
        "key": "sms",
        "sent": 4,
        "opened": 2,
        "dismissed": 1,
        "converted": 2,
        "matured_sent": 3,
        "matured_converted": 1,
        "suppressed": 0,
        "acceptance_rate": 0.3333,
    }
    # app: 2 sent, 1 opened, nothing converted; 1 matured -> 0/1; the suppressed one counted apart.
    assert (stats["app"]["sent"], stats["app"]["matured_sent"], stats["app"]["acceptance_rate"]) == (
        2,
        1,
        0.0,
    )
    assert stats["app"]["suppressed"] == 1
    total = measure.totals(list(stats.values()))
    assert (total["sent"], total["matured_sent"], total["matured_converted"], total["acceptance_rate"]) == (
        6,
        4,
        1,
        0.25,
    )
    [everything] = measure.push_stats(session, measure.Period(), None, now)
    assert (everything["key"], everything["sent"]) == (None, 7)  # with the one from 400 days ago
    by_matter = measure.push_stats(session, period, measure.StatsBy.MATTER, now)
    assert [(row["key"], row["matter_name"], row["sent"]) for row in by_matter] == [
        (matter.id, "公共场所卫生许可", 6)
    ]


def test_stats_by_subject_type_and_model_version(session):
    matter, person, firm = b.matter(session), b.citizen(session), b.enterprise(session)
    now = datetime(2026, 11, 1, tzinfo=LOCAL_TZ)
    push(session, matter=matter, citizen=person, sent_at=now - timedelta(days=1), model_version="v1")
    push(session, matter=matter, enterprise=firm, sent_at=now - timedelta(days=1), model_version="v2")
    push(
        session,
        matter=b.matter(session),
        enterprise=firm,
        sent_at=now - timedelta(days=2),
        model_version="v2",
    )
    session.commit()
    kinds = measure.push_stats(session, measure.Period(), measure.StatsBy.SUBJECT_TYPE, now)
    assert [(row["key"], row["sent"]) for row in kinds] == [("citizen", 1), ("enterprise", 2)]
    versions = measure.push_stats(session, measure.Period(), measure.StatsBy.MODEL_VERSION, now)
    assert [(row["key"], row["sent"], row["acceptance_rate"]) for row in versions] == [
        ("v1", 1, None),
        ("v2", 2, None),
    ]
