"""Two baselines with the recommender's `recommend` interface, fitted on the same history.

- `PopularityRecommender`: the matters most subjects of the applicant's type started in the trailing window
  before the cutoff, the same list for everyone of that type.
- `AssociationRuleRecommender`: score = the highest directional confidence (confidence x A-before-B share)
  of a rule from one of the subject's matters to the candidate; matters the subject already did are not
  proposed by a rule (a rule recommends what is not in the basket yet). Lists shorter than k are filled
  with the popular matters.

Neither proposes a matter the subject has open at the time asked.
"""

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from models.recommend.estimator import top_k
from models.recommend.split import (
    DAY,
    RecommendError,
    as_of,
    history_end,
    history_frame,
    local_time,
    open_matters,
)
from models.recommend.stats import directional_rules


def _subjects(frame: pd.DataFrame, subjects: list[str] | None) -> pd.DataFrame:
    """Return [subject, subject_type] for SUBJECTS (default: every subject of FRAME)."""
    chosen = frame["subject"].unique() if subjects is None else np.asarray(subjects, dtype=str)
    table = pd.DataFrame({"subject": pd.Series(np.sort(chosen), dtype=str)})
    table["subject_type"] = table["subject"].str.split(":").str[0]
    return table


def _drop_pairs(rows: pd.DataFrame, drop: pd.DataFrame) -> pd.DataFrame:
    if drop.empty or rows.empty:
        return rows
    gone = pd.MultiIndex.from_frame(rows[["subject", "matter_id"]]).isin(pd.MultiIndex.from_frame(drop))
    return rows[~gone]


class PopularityRecommender(BaseEstimator):
    """Recommend the matters most started by the applicant's type in the last ``window_days``."""

    def __init__(self, *, window_days: int = 90) -> None:
        self.window_days = window_days

    def fit(
        self, histories: pd.DataFrame, profiles: pd.DataFrame | None = None, *, now: object | None = None
    ) -> "PopularityRecommender":
        """Count distinct subjects per matter and applicant type in the window before NOW."""
        frame = history_frame(histories)
        now = history_end(frame) if now is None else local_time(now)
        recent = frame[
            (frame["submitted_at"] < now) & (frame["submitted_at"] >= now - self.window_days * DAY)
        ]
        if recent.empty:
            raise RecommendError(f"no case in the {self.window_days} days before {now:%Y-%m-%d}")
        starts = recent.groupby(["subject_type", "matter_id"])["subject"].nunique()
        share = (
            starts
            / recent.groupby("subject_type")["subject"]
            .nunique()
            .reindex(starts.index.get_level_values(0))
            .to_numpy()
        )
        table = (
            share.rename("score")
            .reset_index()
            .sort_values(["subject_type", "score", "matter_id"], ascending=[True, False, True])
        )
        self.popular_ = {
            kind: {"matter_id": group["matter_id"].to_numpy(), "score": group["score"].to_numpy()}
            for kind, group in table.groupby("subject_type")
        }
        self.now_ = now.isoformat()
        return self

    def ranked(self, kinds: pd.DataFrame, depth: int) -> pd.DataFrame:
        """Return the DEPTH most popular matters for every row of KINDS ([subject, subject_type])."""
        lists = [
            pd.DataFrame(
                {"subject_type": kind, "matter_id": top["matter_id"][:depth], "score": top["score"][:depth]}
            )
            for kind, top in self.popular_.items()
        ]
        return kinds.merge(pd.concat(lists, ignore_index=True), on="subject_type")

    def recommend(
        self,
        histories: pd.DataFrame,
        profiles: pd.DataFrame | None = None,
        *,
        now: object,
        k: int = 5,
        subjects: list[str] | None = None,
    ) -> pd.DataFrame:
        """Return the top K popular matters per subject, without the ones it has open at NOW."""
        if not hasattr(self, "popular_"):
            raise RecommendError("the recommender is not fitted")
        frame = history_frame(histories)
        opened = open_matters(as_of(frame, local_time(now)))
        kinds = _subjects(frame, subjects)
        spare = int(opened.groupby("subject").size().max()) if len(opened) else 0
        rows = _drop_pairs(self.ranked(kinds, k + spare), opened)
        rows = rows.sort_values(
            ["subject", "score", "matter_id"], ascending=[True, False, True], kind="stable"
        )
        rows["because"], rows["because_matter_id"] = "popular", pd.NA
        return top_k(rows, k)


class AssociationRuleRecommender(BaseEstimator):
    """Recommend the consequents of the strongest rules from the subject's matters, then popular matters."""

    def __init__(
        self, *, window_days: int = 90, min_pair_subjects: int = 5, popularity_days: int = 90
    ) -> None:
        self.window_days = window_days
        self.min_pair_subjects = min_pair_subjects
        self.popularity_days = popularity_days

    def fit(
        self, histories: pd.DataFrame, profiles: pd.DataFrame | None = None, *, now: object | None = None
    ) -> "AssociationRuleRecommender":
        """Compute the rules of the history before NOW, and the popularity fallback."""
        frame = history_frame(histories)
        now = history_end(frame) if now is None else local_time(now)
        rules = directional_rules(as_of(frame, now), self.window_days, self.min_pair_subjects, keep=10**6)
        self.rules_ = {
            column: rules[column].to_numpy() for column in ("antecedent", "consequent", "directional", "lift")
        }
        self.popularity_ = PopularityRecommender(window_days=self.popularity_days).fit(frame, now=now)
        self.now_ = now.isoformat()
        return self

    def recommend(
        self,
        histories: pd.DataFrame,
        profiles: pd.DataFrame | None = None,
        *,
        now: object,
        k: int = 5,
        subjects: list[str] | None = None,
    ) -> pd.DataFrame:
        """Return the top K per subject: rule consequents by directional confidence, then popular matters."""
        if not hasattr(self, "rules_"):
            raise RecommendError("the recommender is not fitted")
        frame = history_frame(histories)
        seen = as_of(frame, local_time(now))
        kinds = _subjects(frame, subjects)
        done = seen.loc[seen["subject"].isin(kinds["subject"]), ["subject", "matter_id"]].drop_duplicates()
        rules = pd.DataFrame(self.rules_)
        ruled = done.merge(rules, left_on="matter_id", right_on="antecedent").drop(columns="matter_id")
        ruled = ruled.rename(columns={"consequent": "matter_id", "directional": "score"})
        ruled = ruled.sort_values(
            ["subject", "matter_id", "score", "antecedent"], ascending=[True, True, False, True]
        )
        ruled = _drop_pairs(ruled.drop_duplicates(["subject", "matter_id"]), done)
        ruled = ruled.assign(
            tier=0, because="association", because_matter_id=ruled["antecedent"].astype("Int64")
        )
        opened = open_matters(seen)
        spare = int(opened.groupby("subject").size().max()) if len(opened) else 0
        popular = self.popularity_.ranked(kinds, k + spare).assign(tier=1, because="popular")
        popular["because_matter_id"] = pd.array([pd.NA] * len(popular), dtype="Int64")
        columns = ["subject", "matter_id", "score", "tier", "because", "because_matter_id"]
        rows = pd.concat([ruled[columns], popular[columns]], ignore_index=True)
        rows = _drop_pairs(rows.drop_duplicates(["subject", "matter_id"]), opened)
        rows = rows.sort_values(
            ["subject", "tier", "score", "matter_id"], ascending=[True, True, False, True], kind="stable"
        )
        return top_k(rows, k)
