"""Staff and window portraits from hand-built aggregated records: features, tags, the assessment score."""

import pandas as pd
import pytest

from features.portraits import StaffRecords, Thresholds, WindowRecords, staff_portraits, window_portraits
from features.portraits.frames import percentile_within, weighted_score
from features.portraits.labels import FEATURES
from features.portraits.rules import ASSESSMENT_WEIGHTS

# Small minimums keep the fixtures small; every other number is the default.
SMALL = Thresholds(min_cases_for_rate=3, min_reviews_for_rate=4, bad_review_count=2, versatile_matters=3)


def by_id(frame: pd.DataFrame) -> dict[int, dict]:
    return {
        row.subject_id: {"features": row.features, "tags": row.tags, "score": row.score}
        for row in frame.itertuples()
    }


def test_percentiles_rank_within_each_group_with_average_ranks_for_ties():
    values = pd.Series([1.0, 2.0, 2.0, 3.0, 7.0, None])
    groups = pd.Series(["a", "a", "a", "a", "b", "a"])
    # Group a, higher better: ranks 1, 2.5, 2.5, 4 of n=4 -> (r-1)/3 = 0, 0.5, 0.5, 1;
    # b alone: 0.5; NaN unranked.
    ranked = percentile_within(values, groups, higher_is_better=True)
    assert ranked.tolist()[:5] == [0.0, 0.5, 0.5, 1.0, 0.5] and pd.isna(ranked.iloc[5])
    assert percentile_within(values, groups, higher_is_better=False).tolist()[:4] == [1.0, 0.5, 0.5, 0.0]


def test_weighted_score_shares_out_the_weight_of_missing_parts():
    parts = pd.DataFrame(
        {
            "on_time": [1.0, None, None],
            "speed": [0.5, None, None],
            "good_rate": [1.0, 0.5, None],
            "workload": [0.0, 1.0, None],
        }
    )
    # 100 x (0.35 + 0.125 + 0.25 + 0) = 72.5; (0.125 + 0.15) / 0.4 = 0.6875 -> 68.8; nothing -> no score.
    score = weighted_score(parts, ASSESSMENT_WEIGHTS)
    assert score.tolist()[:2] == [72.5, 68.8] and pd.isna(score.iloc[2])


@pytest.fixture
def staff() -> dict[int, dict]:
    """Department 7: A (1), B (2), C (3); department 8: D (4), who did nothing."""
    records = StaffRecords.of(
        staff=pd.DataFrame({"subject_id": [1, 2, 3, 4], "department_id": [7, 7, 7, 8]}),
        received=pd.DataFrame({"subject_id": [1, 3], "cases_received": [2, 20]}),
        handled=pd.DataFrame(
            # completed, by due_at, with A, sum of A, median of A
            [(1, 4, 4, 4, 6.0, 1.0), (2, 5, 4, 5, 16.0, 3.0), (3, 2, 2, 2, 1.0, 0.5)],
            columns=[
                "subject_id",
                "cases_handled",
                "on_time",
                "timed_cases",
                "elapsed_days_sum",
                "median_elapsed_days",
            ],
        ),
        served=pd.DataFrame(
            [(1, 10, 100.0, 10), (2, 4, 80.0, 4)],
            columns=["subject_id", "tickets_served", "service_minutes_sum", "timed_tickets"],
        ),
        reviews=pd.DataFrame([(1, 4, 4, 0), (2, 3, 1, 2)], columns=["subject_id", "reviews", "good", "bad"]),
        matters=pd.DataFrame(
            [(1, 10, 3), (1, 11, 2), (1, 12, 1), (2, 10, 5)], columns=["subject_id", "matter_id", "cases"]
        ),
        windows=pd.DataFrame([(1, 31, 6), (1, 32, 4)], columns=["subject_id", "window_id", "tickets"]),
        matter_names=pd.DataFrame({"matter_id": [10, 11, 12], "name": ["甲", "乙", "丙"]}),
    )
    return by_id(staff_portraits(records, SMALL))


def test_a_window_clerk_is_ranked_on_service_and_a_handler_on_elapsed_days():
    records = StaffRecords.of(
        staff=pd.DataFrame({"subject_id": [1, 2, 3], "department_id": [7, 7, 7]}),
        handled=pd.DataFrame(
            [(1, 3, 3, 3, 3.0, 1.0), (2, 3, 3, 3, 6.0, 2.0)],
            columns=[
                "subject_id",
                "cases_handled",
                "on_time",
                "timed_cases",
                "elapsed_days_sum",
                "median_elapsed_days",
            ],
        ),
        served=pd.DataFrame(
            [(2, 3, 60.0, 3), (3, 3, 30.0, 3)],
            columns=["subject_id", "tickets_served", "service_minutes_sum", "timed_tickets"],
        ),
    )
    staff = by_id(staff_portraits(records, SMALL))
    # 1 handles only: A 1.0 beats 2's 2.0 -> 1. 3 serves only: 10 min beats 2's 20 -> 1.
    # 2 does both and is slower at both -> mean(0, 0) = 0.
    assert [staff[i]["features"]["speed_percentile"] for i in (1, 2, 3)] == [1.0, 0.0, 1.0]


def test_staff_features(staff):
    a = staff[1]["features"]
    # Workload = received + handled + served = 2 + 4 + 10 = 16; mean A 6/4 = 1.5; service 100/10 = 10 min.
    assert (a["cases_received"], a["cases_handled"], a["tickets_served"], a["workload"]) == (2, 4, 10, 16)
    assert (a["mean_elapsed_days"], a["median_elapsed_days"], a["mean_service_minutes"]) == (1.5, 1.0, 10.0)
    assert (a["on_time_rate"], a["reviews"], a["good_rate"], a["bad_reviews"]) == (1.0, 4, 1.0, 0)
    assert (a["distinct_matters"], a["windows_worked"], a["window_ids"]) == (3, 2, [31, 32])
    assert [m["matter_id"] for m in a["top_matters"]] == [10, 11, 12]
    assert list(a) == list(FEATURES["staff"])
    # Handling speed within department 7 among those with >= 3 timed cases: A (median 1.0) beats B (3.0);
    # C (2 cases) is not ranked. Service speed: A (10 min) beats B (80 / 4 = 20 min). Speed: their mean.
    b = staff[2]["features"]
    assert (a["handling_speed_percentile"], a["service_speed_percentile"], a["speed_percentile"]) == (1, 1, 1)
    assert (b["handling_speed_percentile"], b["service_speed_percentile"], b["speed_percentile"]) == (0, 0, 0)
    assert staff[3]["features"]["speed_percentile"] is None
    # Workload in department 7: B 0 + 5 + 4 = 9 < A 16 < C 22 -> 0, 0.5, 1; D has none and is not ranked.
    workloads = [staff[i]["features"]["workload_percentile"] for i in (1, 2, 3, 4)]
    assert workloads == [0.5, 0.0, 1.0, None]


def test_staff_scores_are_the_documented_weighted_composite(staff):
    # A: 0.35 x 1.0 + 0.25 x 1.0 + 0.25 x 1.0 + 0.15 x 0.5 = 0.925
    assert staff[1]["score"] == 92.5
    assert staff[1]["features"]["score_parts"] == {
        "on_time": 1.0,
        "speed": 1.0,
        "good_rate": 1.0,
        "workload": 0.5,
    }
    # B: 0.35 x 0.8 + 0.25 x 0 + 0.25 x 1/3 + 0.15 x 0 = 0.36333
    assert staff[2]["score"] == 36.3
    # C: 2 completed cases are too few for on-time and speed, no reviews: workload alone, 1.0.
    assert staff[3]["score"] == 100.0
    assert staff[4]["score"] is None


def test_staff_tags(staff):
    assert staff[1]["tags"] == ["fast", "on_time_champion", "well_reviewed", "versatile"]
    assert staff[2]["tags"] == ["slow", "late_risk", "bad_reviews"]  # 4/5 on time < 0.9; 2 bad reviews
    assert staff[3]["tags"] == ["heavy_load"]
    assert staff[4]["tags"] == []


@pytest.fixture
def windows() -> dict[int, dict]:
    """Hall 1: windows 1, 2, 3; hall 2: window 4, idle."""
    records = WindowRecords.of(
        windows=pd.DataFrame(
            {"subject_id": [1, 2, 3, 4], "hall_id": [1, 1, 1, 2], "department_id": [5, None, 5, 6]}
        ),
        tickets=pd.DataFrame(
            [
                (1, 40, 2, 200.0, 40, 400.0, 40, 4),
                (2, 10, 0, 30.0, 10, 150.0, 10, 5),
                (3, 60, 0, 60.0, 60, 300.0, 60, 3),
            ],
            columns=[
                "subject_id",
                "tickets_served",
                "tickets_missed",
                "wait_minutes_sum",
                "waited_tickets",
                "service_minutes_sum",
                "timed_tickets",
                "active_days",
            ],
        ),
        cases=pd.DataFrame(
            [(1, 8, 5, 5), (2, 4, 4, 3)],
            columns=["subject_id", "cases_received", "cases_completed", "on_time"],
        ),
        reviews=pd.DataFrame([(1, 5, 5, 0), (3, 4, 2, 2)], columns=["subject_id", "reviews", "good", "bad"]),
        offered=pd.DataFrame({"subject_id": [1, 2], "matters_offered": [12, 3]}),
    )
    return by_id(window_portraits(records, SMALL))


def test_window_load_heat_and_queue_times(windows):
    w1 = windows[1]["features"]
    # 40 served over 4 days = 10/day; 400 service minutes / (4 x 450) = 0.2222; waits 200/40 = 5 min.
    assert (w1["served_per_day"], w1["load"], w1["mean_wait_minutes"], w1["mean_service_minutes"]) == (
        10.0,
        0.2222,
        5.0,
        10.0,
    )
    # Hall 1 per day: 10, 2, 20 -> median 10; heat 1.0, 0.2, 2.0. The idle window 4 has heat 0.
    assert [windows[i]["features"]["heat"] for i in (1, 2, 3, 4)] == [1.0, 0.2, 2.0, 0.0]
    assert (w1["on_time_rate"], w1["matters_offered"], w1["cases_received"]) == (1.0, 12, 8)
    assert list(w1) == list(FEATURES["window"])


def test_window_scores_and_tags(windows):
    # Speed (service minutes, lower better) in hall 1: 3 (5) > 1 (10) > 2 (15) -> 1, 0.5, 0;
    # workload (served): 2 (10) < 1 (40) < 3 (60) -> 0, 0.5, 1.
    # 1: 0.35 x 1 + 0.25 x 0.5 + 0.25 x 1 + 0.15 x 0.5 = 0.8
    assert windows[1]["score"] == 80.0
    # 2: no reviews: (0.35 x 0.75 + 0 + 0) / 0.75 = 0.35
    assert windows[2]["score"] == 35.0
    # 3: no completed cases: (0.25 x 1 + 0.25 x 0.5 + 0.15 x 1) / 0.65 = 0.80769
    assert windows[3]["score"] == 80.8
    assert windows[4]["score"] is None
    assert windows[1]["tags"] == ["on_time_champion", "well_reviewed"]
    assert windows[2]["tags"] == ["cold", "late_risk"]  # heat 0.2 < 0.5; 3/4 on time < 0.9
    assert windows[3]["tags"] == ["hot", "bad_reviews"]  # heat 2.0 > 1.5; 2 bad reviews
    assert windows[4]["tags"] == ["cold"]


def test_bad_reviews_need_three_and_five_percent_of_the_reviews():
    records = StaffRecords.of(
        staff=pd.DataFrame({"subject_id": [1, 2, 3], "department_id": [7, 7, 7]}),
        # 4 of 100 is under 5 %; 5 of 100 is not; 2 of 2 is too few.
        reviews=pd.DataFrame(
            [(1, 100, 96, 4), (2, 100, 95, 5), (3, 2, 0, 2)], columns=["subject_id", "reviews", "good", "bad"]
        ),
    )
    staff = by_id(staff_portraits(records))
    assert ["bad_reviews" in staff[i]["tags"] for i in (1, 2, 3)] == [False, True, False]
