"""Association rules on a hand-built history with the arithmetic worked out in comments."""

import math

import pandas as pd
import pytest

from features.association.graph import association_graph
from features.association.rules import RULE_COLUMNS, activity_baseline, association_rules

A, B, C = 10, 20, 30
DAY0 = pd.Timestamp("2026-01-05 09:00")


def case(subject: str, matter: int, day: float, done_day: float | None = None, granted: bool = True) -> dict:
    return {
        "subject": subject,
        "matter_id": matter,
        "submitted_at": DAY0 + pd.Timedelta(days=day),
        "completed_at": DAY0 + pd.Timedelta(days=done_day) if done_day is not None else pd.NaT,
        "granted": granted and done_day is not None,
    }


def histories() -> pd.DataFrame:
    rows = [
        case("s1", A, 0, 2),  # A then B 10 days later, after A was granted: result use
        case("s1", C, 3, 4),  # C pairs with A and B for s1 only: below min_pair_subjects 2
        case("s1", B, 10, 11),
        case("s1", A, 12, 13),  # a second A adds no self-rule and no second pairing
        case("s2", A, 0, 20),  # B 5 days after A, before A completed: no result use
        case("s2", B, 5, 6),
        case("s3", B, 0, 1),  # B first, A 30 days later, after B was granted
        case("s3", A, 30, 31),
        case("s4", A, 0, 1),  # 91 days apart: outside the 90-day window
        case("s4", B, 91, 92),
        case("s5", A, 0, 1, granted=False),  # exactly 90 days apart: inside; A refused, no result use
        case("s5", B, 90, 91),
        case("s6", C, 0, 1),  # only C
        case("s7", A, 0),  # A and B at the same instant: half each way; A still open
        case("s7", B, 0, 1),
        case("s8", B, 0, 1),  # B 100 days before A: no pair; then A -> B 20 days later pairs
        case("s8", A, 100, 101),
        case("s8", B, 120, 121),
    ]
    return pd.DataFrame(rows).sample(frac=1, random_state=3)  # input order must not matter


def test_rules_counts_order_gap_and_result_use():
    rules = association_rules(histories(), window_days=90, min_pair_subjects=2)
    assert tuple(rules.columns) == RULE_COLUMNS
    assert list(zip(rules["antecedent_matter_id"], rules["consequent_matter_id"], strict=True)) == [
        (A, B),
        (B, A),
    ]
    forward, backward = rules.iloc[0], rules.iloc[1]
    # N = 8 subjects; A: s1 s2 s3 s4 s5 s7 s8 = 7; B: the same 7; pairs: s1 s2 s3 s5 s7 s8 = 6 (s4 is 91 days)
    assert forward["antecedent_subjects"] == 7 and forward["consequent_subjects"] == 7
    assert forward["pair_subjects"] == 6 and forward["window_days"] == 90
    assert forward["support"] == pytest.approx(6 / 8)
    assert forward["confidence"] == pytest.approx(6 / 7)
    assert forward["lift"] == pytest.approx((6 / 7) / (7 / 8))  # = 48/49
    # A first: s1 s2 s5 s8 count 1, s7 (same instant) 1/2, s3 0 -> 4.5 / 6; B -> A gets the rest 1.5 / 6
    assert forward["a_before_b_share"] == pytest.approx(0.75)
    assert backward["a_before_b_share"] == pytest.approx(0.25)
    # A-first gaps (ties included): s7 0, s2 5, s1 10, s8 20, s5 90 -> median 10
    assert forward["median_gap_days"] == pytest.approx(10)
    # result use among those 5: s1 (A granted day 2 <= B day 10) and s8 (day 101 <= 120) -> 2 / 5
    assert forward["result_use_share"] == pytest.approx(0.4)
    # B -> A: B-first subjects s3 (30 days) and s7 (0) -> median 15; s3's B granted day 1 <= A day 30 -> 1 / 2
    assert backward["median_gap_days"] == pytest.approx(15)
    assert backward["result_use_share"] == pytest.approx(0.5)


def test_window_boundary_and_min_pair_subjects():
    narrower = association_rules(histories(), window_days=89, min_pair_subjects=2).iloc[0]
    # s5's 90-day pair falls out: 5 pairs; A-first gaps 0 5 10 20 -> median 7.5
    assert narrower["pair_subjects"] == 5
    assert narrower["median_gap_days"] == pytest.approx(7.5)
    every = association_rules(histories(), window_days=90, min_pair_subjects=1)
    pairs = set(zip(every["antecedent_matter_id"], every["consequent_matter_id"], strict=True))
    # s1 alone pairs C with A (3 days) and with B (7 days): kept with min 1, in both directions
    assert pairs == {(A, B), (B, A), (A, C), (C, A), (B, C), (C, B)}
    a_to_c = every.set_index(["antecedent_matter_id", "consequent_matter_id"]).loc[(A, C)]
    # s1: A day 0 -> C day 3, A granted day 2: result use; lift = (1/7) / (2/8) = 4/7
    assert a_to_c["a_before_b_share"] == 1.0 and a_to_c["median_gap_days"] == 3.0
    assert a_to_c["result_use_share"] == 1.0
    assert a_to_c["lift"] == pytest.approx(4 / 7)
    assert association_rules(histories(), min_pair_subjects=7).empty


def test_no_a_first_subject_gives_zero_gap_and_use():
    rows = [case(f"s{i}", B, 0, 1) for i in range(3)] + [case(f"s{i}", A, 4, 5) for i in range(3)]
    rules = association_rules(pd.DataFrame(rows), min_pair_subjects=3).set_index("antecedent_matter_id")
    # every subject did B 4 days before A: A -> B has no A-first subject
    assert rules.loc[A, ["a_before_b_share", "median_gap_days", "result_use_share"]].tolist() == [0, 0, 0]
    assert rules.loc[B, ["a_before_b_share", "median_gap_days", "result_use_share"]].tolist() == [1, 4, 1]


def test_empty_and_missing_columns():
    empty = association_rules(histories().iloc[:0])
    assert empty.empty and tuple(empty.columns) == RULE_COLUMNS
    with pytest.raises(ValueError, match="granted"):
        association_rules(histories().drop(columns="granted"))


def test_activity_baseline_compares_applicants_of_the_same_kind_and_activity():
    rows = []
    for i in range(4):  # enterprises: 4 do E1 then E2, 4 do E3 then E4
        rows += [
            case(f"e{i}", 1, 0, 1),
            case(f"e{i}", 2, 5, 6),
            case(f"f{i}", 3, 0, 1),
            case(f"f{i}", 4, 5, 6),
        ]
    for i in range(6):  # citizens: 6 do C1 then C2, 4 do only C3
        rows += [case(f"c{i}", 5, 0, 1), case(f"c{i}", 6, 5, 6)]
    rows += [case(f"d{i}", 7, 0, 1) for i in range(4)]
    histories = pd.DataFrame(rows)
    histories["subject_type"] = histories["subject"].str[0].map({"e": "enterprise", "f": "enterprise"})
    histories["subject_type"] = histories["subject_type"].fillna("citizen")
    rules = association_rules(histories, min_pair_subjects=1)
    table = rules.join(activity_baseline(histories, rules)).set_index(
        ["antecedent_matter_id", "consequent_matter_id"]
    )
    # N = 18. E1 -> E2: plain lift 4 * 18 / (4 * 4) = 4.5; among the 8 enterprises doing 2 matters:
    # expected 4 * 4 / 8 = 2 -> adjusted lift 2, p = P(X >= 4 | Poisson 2) = 1 - e^-2 (1 + 2 + 2 + 4/3)
    e1 = table.loc[(1, 2)]
    assert e1["lift"] == 4.5 and e1["expected_pairs"] == 2.0 and e1["adjusted_lift"] == 2.0
    assert e1["p_value"] == pytest.approx(1 - math.exp(-2) * (1 + 2 + 2 + 4 / 3))
    # C1 -> C2: plain lift 6 * 18 / 36 = 3, but all 6 citizens of two matters do both: expected 6, lift 1
    # (the C3-only citizens pair nothing and are left out); p = P(X >= 6 | 6)
    c1 = table.loc[(5, 6)]
    assert c1["lift"] == 3.0 and c1["expected_pairs"] == 6.0 and c1["adjusted_lift"] == 1.0
    assert c1["p_value"] == pytest.approx(1 - math.exp(-6) * sum(6**k / math.factorial(k) for k in range(6)))
    strict = association_graph(
        rules.join(activity_baseline(histories, rules)), min_pair_subjects=1, max_p_value=0.2
    )
    assert sorted(strict.edges) == [(1, 2), (3, 4)]  # p 0.143 kept, the citizens' 0.554 dropped
    assert len(association_graph(rules, min_pair_subjects=1).edges) == 3  # plain lifts 4.5, 4.5 and 3
