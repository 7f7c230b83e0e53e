"""The popularity and association-rule baselines do what their definitions say."""

import pandas as pd

from models.recommend import AssociationRuleRecommender, PopularityRecommender
from tests.recommend.builders import cases

NOW = pd.Timestamp("2026-11-24")


def history() -> pd.DataFrame:
    # Citizens: matter 10 started by 3 citizens in the last 90 days, 11 by 2, 12 by 1; matter 13 by 4
    # citizens but in March (outside the window). Enterprise: matter 20 by 1.
    rows = [
        ("citizen:1", 10, "2026-10-01 09:00"),
        ("citizen:2", 10, "2026-10-02 09:00"),
        ("citizen:3", 10, "2026-10-03 09:00"),
        ("citizen:3", 10, "2026-10-04 09:00"),  # a second case of the same citizen counts once
        ("citizen:1", 11, "2026-10-05 09:00"),
        ("citizen:2", 11, "2026-10-06 09:00"),
        ("citizen:4", 12, "2026-10-07 09:00"),
        *[(f"citizen:{i}", 13, "2026-03-01 09:00") for i in range(1, 5)],
        ("enterprise:1", 20, "2026-10-08 09:00"),
    ]
    return cases(rows)


def test_popularity_lists_the_most_started_matters_of_the_applicant_type_in_the_window() -> None:
    model = PopularityRecommender(window_days=90).fit(history(), now=NOW)
    ranked = model.recommend(history(), now=NOW, k=3, subjects=["citizen:9", "enterprise:1"])
    citizen = ranked[ranked["subject"] == "citizen:9"]
    assert citizen["matter_id"].tolist() == [10, 11, 12]  # 13 is older than 90 days
    # Shares of the 4 citizens active in the window: 3/4, 2/4, 1/4.
    assert citizen["score"].round(4).tolist() == [0.75, 0.5, 0.25]
    assert ranked.loc[ranked["subject"] == "enterprise:1", "matter_id"].tolist() == [20]
    assert set(ranked["because"]) == {"popular"} and ranked["because_matter_id"].isna().all()


def test_popularity_skips_a_matter_the_subject_has_open() -> None:
    frame = pd.concat([history(), cases([("citizen:9", 10, "2026-11-20 09:00")], open_ids=(0,))])
    frame["case_id"] = range(1, len(frame) + 1)
    model = PopularityRecommender(window_days=90).fit(history(), now=NOW)
    ranked = model.recommend(frame, now=NOW, k=2, subjects=["citizen:9"])
    assert ranked["matter_id"].tolist() == [11, 12]


def rules_history() -> pd.DataFrame:
    # Four citizens do 30 then 31 ten days later; citizen:5 does 31 before 30 once. Matter 32 alone, often.
    rows = []
    for i in range(1, 5):
        rows += [(f"citizen:{i}", 30, "2026-09-01 09:00"), (f"citizen:{i}", 31, "2026-09-11 09:00")]
    rows += [("citizen:5", 31, "2026-09-01 09:00"), ("citizen:5", 30, "2026-09-11 09:00")]
    rows += [(f"citizen:{i}", 32, "2026-10-01 09:00") for i in range(6, 14)]
    return cases(rows)


def test_association_ranks_rule_consequents_by_directional_confidence_then_fills_with_popular() -> None:
    model = AssociationRuleRecommender(window_days=90, min_pair_subjects=2).fit(rules_history(), now=NOW)
    asker = cases([("citizen:20", 30, "2026-11-01 09:00")])
    ranked = model.recommend(asker, now=NOW, k=3)
    # 30 -> 31: 5 pair subjects of 5 who did 30 (confidence 1), 4 of them with 30 first: directional 0.8.
    first = ranked.iloc[0]
    assert (first["matter_id"], first["because"], first["because_matter_id"]) == (31, "association", 30)
    assert round(first["score"], 4) == 0.8
    # Then the popular matters, without 30 (done) and 31 (listed): 32 is the most started.
    assert ranked["matter_id"].tolist()[1] == 32 and ranked.iloc[1]["because"] == "popular"


def test_association_does_not_propose_what_the_subject_did_or_has_open() -> None:
    model = AssociationRuleRecommender(window_days=90, min_pair_subjects=2).fit(rules_history(), now=NOW)
    did_both = cases([("citizen:21", 30, "2026-11-01 09:00"), ("citizen:21", 31, "2026-11-05 09:00")])
    assert set(model.recommend(did_both, now=NOW, k=3)["because"]) == {"popular"}
    pending = cases(
        [("citizen:22", 30, "2026-11-01 09:00"), ("citizen:22", 32, "2026-11-20 09:00")], open_ids=(1,)
    )
    ranked = model.recommend(pending, now=NOW, k=3)
    assert 32 not in set(ranked["matter_id"]) and ranked.iloc[0]["matter_id"] == 31
