"""The push decision on hand-written frames: threshold, repeat rule, cap, opt-out, channel, quiet hours."""

from datetime import datetime

import pandas as pd
import pytest

from core_app.config import LOCAL_TZ
from core_app.proactive.rules import PushRules, clock_minutes, decide

NOW = datetime(2026, 10, 12, 10, 0, tzinfo=LOCAL_TZ)  # a Monday morning, outside the quiet hours
RULES = PushRules(threshold=0.3, cap=2, cap_days=30, repeat_days=90, quiet_start="21:00", quiet_end="08:00")


def recs(*rows) -> pd.DataFrame:
    """(subject, matter_id, score) rows; rank follows the order within a subject."""
    frame = pd.DataFrame(rows, columns=["subject", "matter_id", "score"])
    frame["rank"] = frame.groupby("subject").cumcount() + 1
    frame["because_matter_id"] = pd.array([None] * len(frame), dtype="Int64")
    frame["because"] = "popular"
    return frame


def past(*rows) -> pd.DataFrame:
    """(subject, matter_id, status, generated_at, sent_at) rows."""
    return pd.DataFrame(rows, columns=["subject", "matter_id", "status", "generated_at", "sent_at"])


NO_PAST = past()


def subjects(*rows) -> pd.DataFrame:
    """(subject, opted_out, channel, has_phone, quiet_start, quiet_end) rows."""
    return pd.DataFrame(
        rows, columns=["subject", "opted_out", "channel", "has_phone", "quiet_start", "quiet_end"]
    )


def decisions(frame: pd.DataFrame) -> dict[tuple[str, int], str]:
    return {(row.subject, row.matter_id): row.decision for row in frame.itertuples()}


def at(day: int, hour: int = 10, minute: int = 0, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=LOCAL_TZ)


def test_below_the_threshold_is_not_sent():
    out = decide(recs(("citizen:1", 10, 0.31), ("citizen:1", 11, 0.29)), NO_PAST, subjects(), RULES, NOW)
    assert decisions(out) == {("citizen:1", 10): "send", ("citizen:1", 11): "below_threshold"}


def test_the_same_matter_is_not_offered_twice_within_90_days():
    earlier = past(
        ("citizen:1", 10, "dismissed", at(15, month=7), at(15, month=7)),  # 89 days before NOW: blocks
        ("citizen:1", 11, "sent", at(13, month=7), at(13, month=7)),  # 91 days before: no longer
        (
            "citizen:2",
            10,
            "suppressed",
            at(1),
            None,
        ),  # a suppressed row blocks too: one audit row per 90 days
    )
    out = decide(
        recs(("citizen:1", 10, 0.9), ("citizen:1", 11, 0.8), ("citizen:2", 10, 0.9)),
        earlier,
        subjects(),
        RULES,
        NOW,
    )
    assert decisions(out) == {
        ("citizen:1", 10): "repeat",
        ("citizen:1", 11): "send",
        ("citizen:2", 10): "repeat",
    }


def test_the_cap_allows_two_sent_pushes_per_30_days_best_score_first():
    earlier = past(
        ("citizen:1", 20, "opened", at(20, month=9), at(20, month=9)),  # 22 days ago: counts
        ("citizen:1", 21, "suppressed", at(1), None),  # suppressed: never counts
        ("citizen:2", 20, "converted", at(1), at(1)),  # counts
        ("citizen:2", 21, "dismissed", at(2), at(2)),  # counts: citizen 2 is at the cap
        ("citizen:3", 20, "sent", at(11, month=9), at(11, month=9)),  # 31 days ago: no longer counts
    )
    candidates = recs(
        ("citizen:1", 10, 0.5),
        ("citizen:1", 11, 0.9),  # the better of the two gets the one place left (2 - 1 = 1)
        ("citizen:2", 10, 0.99),
        ("citizen:3", 10, 0.7),
        ("citizen:3", 11, 0.6),
        ("citizen:3", 12, 0.5),  # third candidate in the same run: over the cap
    )
    out = decide(candidates, earlier, subjects(), RULES, NOW)
    assert decisions(out) == {
        ("citizen:1", 10): "capped",
        ("citizen:1", 11): "send",
        ("citizen:2", 10): "capped",
        ("citizen:3", 10): "send",
        ("citizen:3", 11): "send",
        ("citizen:3", 12): "capped",
    }


def test_opted_out_subjects_get_suppressed_decisions_within_the_same_rules():
    candidates = recs(
        ("citizen:1", 10, 0.9), ("citizen:1", 11, 0.8), ("citizen:1", 12, 0.7), ("citizen:1", 13, 0.1)
    )
    prefs = subjects(("citizen:1", True, None, True, None, None))
    out = decide(candidates, NO_PAST, prefs, RULES, NOW)
    assert decisions(out) == {
        ("citizen:1", 10): "opted_out",
        ("citizen:1", 11): "opted_out",
        ("citizen:1", 12): "capped",
        ("citizen:1", 13): "below_threshold",
    }
    assert out["release_at"].isna().all()  # nothing goes out


def test_channel_is_the_preference_else_sms_with_a_phone_else_the_app():
    candidates = recs(*[(f"citizen:{i}", 10, 0.9) for i in range(1, 6)])
    prefs = subjects(
        ("citizen:1", False, "app", True, None, None),  # prefers the app although a phone is known
        ("citizen:2", False, "sms", False, None, None),  # prefers SMS but has no phone: the app
        ("citizen:3", False, None, True, None, None),  # phone on record: SMS
        ("citizen:4", False, None, False, None, None),  # nothing: the app
        # citizen:5 has no row at all: no phone known, the app
    )
    out = decide(candidates, NO_PAST, prefs, RULES, NOW).set_index("subject")["channel"].to_dict()
    assert out == {
        "citizen:1": "app",
        "citizen:2": "app",
        "citizen:3": "sms",
        "citizen:4": "app",
        "citizen:5": "app",
    }


@pytest.mark.parametrize(
    ("now", "own", "expected"),
    [
        (at(12, 22, 30), None, at(13, 8, 0)),  # district 21:00-08:00: 22:30 waits for 08:00 next day
        (at(12, 3, 0), None, at(12, 8, 0)),  # after midnight inside the same quiet period: 08:00 that day
        (at(12, 21, 0), None, at(13, 8, 0)),  # the start itself is quiet
        (at(12, 8, 0), None, at(12, 8, 0)),  # the end is not: now
        (at(12, 20, 59), None, at(12, 20, 59)),
        (at(12, 20, 30), ("20:00", "09:00"), at(13, 9, 0)),  # own 20:00-09:00
        (at(12, 8, 30), ("20:00", "09:00"), at(12, 9, 0)),  # inside their morning, after the district's
        (at(12, 12, 30), ("12:00", "14:00"), at(12, 14, 0)),  # a quiet period within one day
        (at(12, 23, 0), ("12:00", "14:00"), at(12, 23, 0)),  # own hours replace the district's
        (at(12, 23, 0), ("00:00", "00:00"), at(12, 23, 0)),  # equal ends: no quiet hours
    ],
)
def test_quiet_hours_release_at_their_end(now, own, expected):
    start, end = own or (None, None)
    prefs = subjects(("citizen:1", False, None, True, start, end))
    out = decide(recs(("citizen:1", 10, 0.9)), NO_PAST, prefs, RULES, now)
    assert out.loc[0, "release_at"].to_pydatetime() == expected


def test_duplicated_recommendations_keep_the_best_score():
    candidates = recs(("citizen:1", 10, 0.4), ("citizen:1", 10, 0.8))
    out = decide(candidates, NO_PAST, subjects(), RULES, NOW)
    assert len(out) == 1 and out.loc[0, "score"] == 0.8


def test_clock_times_are_checked():
    assert clock_minutes("21:30") == 21 * 60 + 30
    for bad in ("24:00", "9:00", "21:60", "2100", None):
        with pytest.raises(ValueError, match="is not a clock time"):
            clock_minutes(bad)
    with pytest.raises(ValueError, match="BUTLER_PUSH_QUIET_START"):
        PushRules(quiet_start="25:00")
