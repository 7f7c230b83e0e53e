"""The next-matter recommender: candidates from the history, ranked by a LightGBM lambdarank model.

Training examples come from several cutoffs inside the training history (`split.training_cutoffs`): at each,
the features are computed from `as_of(history, cutoff)` only (rules and popularity included) and the labels
are the matters each subject started in the next ``horizon_days``. The newest cutoff (now - horizon) is held
out for early stopping (``early_stopping_rounds=0``: none, ``n_estimators`` trees); the model is then refitted
on every cutoff with the chosen number of trees. The statistics of the whole training history are kept for
recommending.

``score`` is the probability that the subject starts the matter within ``horizon_days``: the ranker's output
through a logistic curve (Platt) fitted at the newest cutoff on applicants the ranker did not learn from
there, a sample of everyone with a case before it (most of whom start nothing).

A recommendation's reason (``because``) is the most personal feature family whose evidence carries weight in
its score (the score minus the score with that evidence taken away; see `_reasons`):
``association`` (``because_matter_id`` is the subject's matter with the strongest rule to it), ``repeat``
(the subject did the matter before; ``because_matter_id`` is the matter itself), ``segment`` or ``popular``
(``because_matter_id`` NA).
"""

import time

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression

from models.recommend.features import (
    AFFINITY_FEATURES,
    ASSOCIATION_FEATURES,
    FEATURES,
    POPULAR_FEATURES,
    candidates,
)
from models.recommend.split import (
    RecommendError,
    as_of,
    history_end,
    history_frame,
    local_time,
    relevant_matters,
    training_cutoffs,
)
from models.recommend.stats import HistoryStats, history_stats

RECOMMEND_COLUMNS = ("subject", "rank", "matter_id", "score", "because_matter_id", "because")
BECAUSE = ("association", "repeat", "segment", "popular")
MIN_TRAINING_GROUPS = 5
# Below this many training rows, one thread is faster than two (thread start-up dominates each tree).
PARALLEL_MIN_ROWS = 200_000
SUBJECTS_PER_BATCH = 20_000
# A rule or a segment is a reason only when it makes the matter clearly more likely than for anyone.
MIN_REASON_LIFT = 1.2
REASON_SHARE = 0.5


class NextMatterRecommender(BaseEstimator):
    """Rank the matters each applicant is likely to start next (fit, then candidate_scores or recommend)."""

    def __init__(
        self,
        *,
        horizon_days: int = 60,
        window_days: int = 90,
        min_pair_subjects: int = 5,
        popularity_days: int = 90,
        training_cutoffs: int = 4,
        cutoff_step_days: int = 30,
        max_train_subjects: int = 8000,
        calibration_subjects: int = 5000,
        association_candidates: int = 30,
        repeat_candidates: int = 10,
        segment_candidates: int = 15,
        popular_candidates: int = 15,
        n_estimators: int = 400,
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        min_child_samples: int = 50,
        early_stopping_rounds: int = 40,
        n_jobs: int | None = None,
        random_state: int = 0,
    ) -> None:
        self.horizon_days = horizon_days
        self.window_days = window_days
        self.min_pair_subjects = min_pair_subjects
        self.popularity_days = popularity_days
        self.training_cutoffs = training_cutoffs
        self.cutoff_step_days = cutoff_step_days
        self.max_train_subjects = max_train_subjects
        self.calibration_subjects = calibration_subjects
        self.association_candidates = association_candidates
        self.repeat_candidates = repeat_candidates
        self.segment_candidates = segment_candidates
        self.popular_candidates = popular_candidates
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.random_state = random_state

    # ---- features ------------------------------------------------------------------------------

    def _caps(self) -> dict[str, int]:
        return {
            "association": self.association_candidates,
            "repeat": self.repeat_candidates,
            "segment": self.segment_candidates,
            "popular": self.popular_candidates,
        }

    def _stats(
        self, seen: pd.DataFrame, profiles: pd.DataFrame | None, now: pd.Timestamp, matters
    ) -> HistoryStats:
        return history_stats(
            seen,
            profiles,
            as_of=now,
            matters=matters,
            window_days=self.window_days,
            min_pair_subjects=self.min_pair_subjects,
            popularity_days=self.popularity_days,
        )

    def examples(
        self,
        histories: pd.DataFrame,
        profiles: pd.DataFrame | None,
        cutoff: pd.Timestamp,
        matters: pd.DataFrame | None = None,
        *,
        stats: HistoryStats | None = None,
    ) -> pd.DataFrame:
        """Return labelled candidate rows at CUTOFF for up to max_train_subjects subjects with a label.

        Features see only `as_of(histories, cutoff)`; ``label`` is 1 for the matters started in the horizon.
        Subjects none of whose labels is among their candidates teach a ranker nothing and are left out, and
        so are the cutoff's calibration subjects (see `calibration_examples`).
        """
        labels = relevant_matters(histories, cutoff, self.horizon_days)
        learners = np.setdiff1d(labels["subject"].unique(), self._calibration_sample(histories, cutoff))
        subjects = self._sample(learners, self.max_train_subjects, cutoff, 0)
        rows = self._labelled(histories, profiles, cutoff, matters, stats, subjects, labels)
        rows = rows[rows.groupby("subject")["label"].transform("max") > 0]
        return rows.reset_index(drop=True)

    def calibration_examples(
        self,
        histories: pd.DataFrame,
        profiles: pd.DataFrame | None,
        cutoff: pd.Timestamp,
        matters: pd.DataFrame | None = None,
        *,
        stats: HistoryStats | None = None,
    ) -> pd.DataFrame:
        """Return labelled candidate rows at CUTOFF for its calibration subjects: a random sample of the
        applicants with a case before it (whether or not they started anything next), never trained on."""
        subjects = self._calibration_sample(histories, cutoff)
        labels = relevant_matters(histories, cutoff, self.horizon_days)
        return self._labelled(histories, profiles, cutoff, matters, stats, subjects, labels)

    def _calibration_sample(self, histories: pd.DataFrame, cutoff: pd.Timestamp) -> np.ndarray:
        """Return the cutoff's calibration subjects: calibration_subjects of those with a case before it,
        at most a fifth of them."""
        known = histories.loc[histories["submitted_at"] < cutoff, "subject"].unique()
        limit = min(self.calibration_subjects, len(known) // 5)
        return self._sample(known, limit, cutoff, 1)

    def _sample(self, subjects: np.ndarray, limit: int, cutoff: pd.Timestamp, purpose: int) -> np.ndarray:
        """Return at most LIMIT of SUBJECTS, the same ones for the same cutoff and purpose, sorted."""
        subjects = np.sort(np.asarray(subjects, dtype=str))
        if len(subjects) <= limit:
            return subjects
        rng = np.random.default_rng([self.random_state, cutoff.toordinal(), purpose])
        return np.sort(rng.choice(subjects, limit, replace=False))

    def _labelled(self, histories, profiles, cutoff, matters, stats, subjects, labels) -> pd.DataFrame:
        seen = as_of(histories, cutoff)
        if stats is None:
            stats = self._stats(seen, profiles, cutoff, matters)
        rows = candidates(
            seen,
            profiles,
            stats,
            now=cutoff,
            subjects=subjects,
            window_days=self.window_days,
            caps=self._caps(),
        )
        positive = pd.MultiIndex.from_frame(labels[["subject", "matter_id"]])
        rows["label"] = pd.MultiIndex.from_frame(rows[["subject", "matter_id"]]).isin(positive).astype(int)
        rows.insert(0, "cutoff", cutoff)
        return rows

    # ---- fitting -------------------------------------------------------------------------------

    def fit(
        self,
        histories: pd.DataFrame,
        profiles: pd.DataFrame | None = None,
        *,
        matters: pd.DataFrame | None = None,
        now: object | None = None,
        example_cache: dict | None = None,
    ) -> "NextMatterRecommender":
        """Learn from the cases submitted before NOW (default: the day after the last one).

        MATTERS ([matter_id, online_capable, mobile_capable, active]) is the catalogue; EXAMPLE_CACHE, a dict
        kept by the caller, reuses the labelled rows of a cutoff between fits with the same settings.
        """
        started = time.perf_counter()
        frame = history_frame(histories)
        now = history_end(frame) if now is None else local_time(now)
        frame = frame[frame["submitted_at"] < now]
        cutoffs = training_cutoffs(
            now, horizon_days=self.horizon_days, count=self.training_cutoffs, step_days=self.cutoff_step_days
        )
        first = frame["submitted_at"].min() if len(frame) else now
        cutoffs = [c for c in cutoffs if c > first]
        cache = {} if example_cache is None else example_cache
        sets = {c: self._cached("train", frame, profiles, c, matters, cache) for c in cutoffs}
        validation, training = sets[cutoffs[0]] if cutoffs else None, [sets[c] for c in cutoffs[1:]]
        training = [s for s in training if len(s)]
        groups = sum(s["subject"].nunique() for s in training)
        if validation is None or groups < MIN_TRAINING_GROUPS or validation.empty:
            raise RecommendError(
                f"too little history to learn from: {groups} training subjects with a next matter before "
                f"{cutoffs[0] if cutoffs else now:%Y-%m-%d}; the recommender needs several months of cases "
                f"(at least {2 * self.horizon_days} days plus the training cutoffs)"
            )
        train = pd.concat(training, ignore_index=True)
        self.best_iteration_ = self._early_stopping(train, validation)
        everything = pd.concat([train, validation], ignore_index=True)
        self.booster_ = (
            self._ranker(self.best_iteration_, len(everything))
            .fit(everything[list(FEATURES)], everything["label"], group=_group_sizes(everything))
            .booster_
        )
        self.feature_names_ = list(FEATURES)
        held = self._cached("calibration", frame, profiles, cutoffs[0], matters, cache)
        raw = self.booster_.predict(held[self.feature_names_]) if len(held) else np.empty(0)
        self.calibration_ = _platt(raw, held["label"].to_numpy())
        self.cutoffs_ = [c.isoformat() for c in cutoffs]
        self.training_rows_ = int(len(everything))
        self.training_subjects_ = int(groups + validation["subject"].nunique())
        self.now_ = now.isoformat()
        self.stats_ = self._stats(as_of(frame, now), profiles, now, matters).to_state()
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def _cached(self, kind: str, frame, profiles, cutoff, matters, cache: dict) -> pd.DataFrame:
        """Return the KIND ('train' or 'calibration') rows at CUTOFF, from CACHE when it has them.

        The cutoff's statistics are cached too: both kinds of rows read the same ones.
        """
        key = (kind, cutoff, self._example_key())
        if key not in cache:
            stats_key = ("stats", cutoff, self._example_key())
            if stats_key not in cache:
                cache[stats_key] = self._stats(as_of(frame, cutoff), profiles, cutoff, matters)
            stats = cache[stats_key]
            if kind == "train":
                cache[key] = self.examples(frame, profiles, cutoff, matters, stats=stats)
            else:
                cache[key] = self.calibration_examples(frame, profiles, cutoff, matters, stats=stats)
        return cache[key]

    def _example_key(self) -> tuple:
        """Return the settings the labelled rows depend on (not the ranker's)."""
        return (
            self.horizon_days,
            self.window_days,
            self.min_pair_subjects,
            self.popularity_days,
            self.max_train_subjects,
            self.calibration_subjects,
            tuple(self._caps().values()),
            self.random_state,
        )

    def _ranker(self, n_estimators: int, rows: int) -> lgb.LGBMRanker:
        threads = self.n_jobs if self.n_jobs is not None else (1 if rows < PARALLEL_MIN_ROWS else -1)
        return lgb.LGBMRanker(
            objective="lambdarank",
            n_estimators=n_estimators,
            learning_rate=self.learning_rate,
            num_leaves=self.num_leaves,
            min_child_samples=self.min_child_samples,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            reg_lambda=1.0,
            random_state=self.random_state,
            n_jobs=threads,
            verbose=-1,
        )

    def _early_stopping(self, train: pd.DataFrame, validation: pd.DataFrame) -> int:
        """Return the number of trees with the best NDCG@5 on the validation cutoff (all with no stopping)."""
        if not self.early_stopping_rounds:
            self.validation_ndcg_ = float("nan")
            return int(self.n_estimators)
        ranker = self._ranker(self.n_estimators, len(train)).fit(
            train[list(FEATURES)],
            train["label"],
            group=_group_sizes(train),
            eval_X=(validation[list(FEATURES)],),
            eval_y=(validation["label"],),
            eval_group=[_group_sizes(validation)],
            eval_at=[5],
            callbacks=[lgb.early_stopping(self.early_stopping_rounds, verbose=False)],
        )
        best = ranker.best_iteration_ or self.n_estimators
        self.validation_ndcg_ = float(ranker.best_score_["valid_0"]["ndcg@5"])
        return int(max(best, 1))

    # ---- answering -----------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "booster_"):
            raise RecommendError("the recommender is not fitted")

    @property
    def stats(self) -> HistoryStats:
        """Return the matter statistics of the training history."""
        self._check_fitted()
        return HistoryStats.from_state(self.stats_)

    def _batches(
        self, histories: pd.DataFrame, profiles: pd.DataFrame | None, now: object, subjects: list[str] | None
    ):
        """Yield the scored candidate rows (best first per subject) of SUBJECTS_PER_BATCH subjects at a time.

        Batches keep memory flat when a whole district is asked at once.
        """
        self._check_fitted()
        now = local_time(now)
        frame = history_frame(histories)
        chosen = np.sort(frame["subject"].unique()) if subjects is None else np.asarray(subjects, dtype=str)
        seen = as_of(frame, now)
        stats = self.stats
        for start in range(0, len(chosen), SUBJECTS_PER_BATCH):
            batch = chosen[start : start + SUBJECTS_PER_BATCH]
            rows = candidates(
                seen[seen["subject"].isin(batch)],
                profiles,
                stats,
                now=now,
                subjects=batch,
                window_days=self.window_days,
                caps=self._caps(),
            )
            if rows.empty:
                continue
            rows["raw"] = self.booster_.predict(rows[self.feature_names_])
            rows["score"] = _sigmoid(self.calibration_, rows["raw"].to_numpy())
            yield rows.sort_values(
                ["subject", "score", "matter_id"], ascending=[True, False, True], kind="stable"
            )

    def candidate_scores(
        self,
        histories: pd.DataFrame,
        profiles: pd.DataFrame | None = None,
        *,
        now: object,
        subjects: list[str] | None = None,
    ) -> pd.DataFrame:
        """Return every candidate (subject, matter_id) with its score and reason, best first per subject.

        SUBJECTS defaults to every subject in the histories; a listed subject without cases gets the
        segment's and the popular matters. Cases submitted at or after NOW are not read.
        """
        parts = [self._explained(rows) for rows in self._batches(histories, profiles, now, subjects)]
        return pd.concat(parts, ignore_index=True) if parts else _empty_scores()

    def _explained(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Return ROWS' subject, matter_id and score with their reason (see `_reasons`)."""
        if rows.empty:
            return _empty_scores()
        rows = rows.copy()
        rows["because"], rows["because_matter_id"] = self._reasons(rows)
        return rows[["subject", "matter_id", "score", "because_matter_id", "because"]].reset_index(drop=True)

    def _reasons(self, rows: pd.DataFrame) -> tuple[np.ndarray, pd.Series]:
        """Return each row's reason and its matter: the most personal family whose evidence carries weight.

        A family's part is the drop in the ranker's score when its evidence is taken away (no rule from the
        history, never done before, the segment no different from the applicant type, the popularity of the
        applicant type's median matter). Families with evidence for the row: a rule with a lift of at least
        MIN_REASON_LIFT from an antecedent done within the rule's window and not followed by the matter yet,
        a segment or profile with such a lift, a case of the matter before; popularity always. The reason is
        the first of association, repeat, segment whose part is positive and at least REASON_SHARE of the
        row's largest part, else popular.
        """
        matrix = rows[self.feature_names_]
        typical = self._typical_popularity(rows)
        # A rule explains B only within its window after the antecedent, and while B has not followed it yet.
        within = (rows["assoc_days_since"] <= self.window_days).to_numpy()
        followed_by_nothing = within & ~(rows["cand_days_since"] <= rows["assoc_days_since"]).to_numpy()
        parts = np.column_stack(
            [
                rows["raw"].to_numpy() - self.booster_.predict(_without_family(matrix, name, typical))
                for name in BECAUSE
            ]
        )
        evidence = np.column_stack(
            [
                (rows["assoc_max_lift"].fillna(0.0).to_numpy() >= MIN_REASON_LIFT) & followed_by_nothing,
                rows["cand_count"].to_numpy() > 0,
                np.maximum(rows["segment_lift"].fillna(0.0), rows["profile_lift"].fillna(0.0)).to_numpy()
                >= MIN_REASON_LIFT,
                np.ones(len(rows), dtype=bool),
            ]
        )
        parts = np.where(evidence, parts, -np.inf)
        # The most personal reason that carries weight: families in BECAUSE order, the first whose part is
        # positive and at least REASON_SHARE of the largest; popularity when none is.
        strong = (parts > 0) & (parts >= REASON_SHARE * parts.max(axis=1, keepdims=True))
        strong[:, -1] = True
        because = np.asarray(BECAUSE, dtype=object)[strong.argmax(axis=1)]
        matter = pd.Series(pd.NA, index=rows.index, dtype="Int64")
        association, repeat = because == "association", because == "repeat"
        matter[association] = rows["because_association"].to_numpy()[association]
        matter[repeat] = rows["matter_id"].to_numpy()[repeat]
        return because, matter

    def _typical_popularity(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Return per row the popularity features of the median matter of its subject's applicant type."""
        popularity = self.stats.popularity
        medians = popularity.groupby("subject_type")[list(POPULAR_FEATURES)].median()
        kinds = rows["subject"].str.split(":").str[0]
        return medians.reindex(kinds).fillna(0.0).reset_index(drop=True)

    def recommend(
        self,
        histories: pd.DataFrame,
        profiles: pd.DataFrame | None = None,
        *,
        now: object,
        k: int = 5,
        subjects: list[str] | None = None,
    ) -> pd.DataFrame:
        """Return the top K matters per subject (columns RECOMMEND_COLUMNS), best first."""
        if k < 1:
            raise RecommendError("k must be at least 1")
        parts = [
            top_k(self._explained(rows.groupby("subject", sort=False).head(k)), k)
            for rows in self._batches(histories, profiles, now, subjects)
        ]
        return pd.concat(parts, ignore_index=True) if parts else top_k(_empty_scores(), k)

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """Return the top matter id for each subject of the history rows X (in first-appearance order).

        'Now' is one second after X's last submission; for the model registry's signature, which wants one
        array in and one out. Use `recommend` for anything else.
        """
        frame = history_frame(pd.DataFrame(X))
        now = pd.Timestamp(frame["submitted_at"].max()) + pd.Timedelta(seconds=1)
        top = self.recommend(frame, now=now, k=1).set_index("subject")["matter_id"]
        order = frame["subject"].drop_duplicates()
        return top.reindex(order).fillna(-1).astype("int64").to_numpy()


def _platt(raw: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Return (a, b) with P(start) = 1 / (1 + exp(-(a raw + b))), fitted by logistic regression.

    Without both outcomes among the rows there is nothing to fit: (1, 0), the plain logistic of the score.
    """
    if len(np.unique(labels)) < 2:
        return (1.0, 0.0)
    fitted = LogisticRegression(C=1e4).fit(raw.reshape(-1, 1), labels)
    return (float(fitted.coef_[0, 0]), float(fitted.intercept_[0]))


def _sigmoid(calibration: tuple[float, float], raw: np.ndarray) -> np.ndarray:
    a, b = calibration
    return 1.0 / (1.0 + np.exp(-(a * raw + b)))


def _without_family(matrix: pd.DataFrame, family: str, typical: pd.DataFrame) -> pd.DataFrame:
    """Return MATRIX with the evidence of FAMILY taken away (see `NextMatterRecommender._reasons`).

    TYPICAL holds, per row, the popularity features of a typical matter of the row's applicant type.
    """
    out = matrix.copy()
    if family == "association":
        out[list(ASSOCIATION_FEATURES)] = np.nan
        out[["assoc_max_directional", "assoc_recent_directional", "assoc_sum_directional"]] = 0.0
        out["assoc_antecedents"] = 0.0
    elif family == "repeat":
        out["cand_count"] = 0.0
        out[["cand_days_since", "cand_gap_ratio"]] = np.nan
    elif family == "segment":
        out["segment_share"], out["profile_score"] = out["share_all"], out["share_all"]
        out[["segment_lift", *AFFINITY_FEATURES, "profile_lift"]] = 1.0
    else:
        for column in POPULAR_FEATURES:
            out[column] = typical[column].to_numpy(dtype="float32")
    return out


def _group_sizes(rows: pd.DataFrame) -> np.ndarray:
    """Return the consecutive group sizes of ROWS' (cutoff, subject) runs, for the ranker."""
    keys = rows["cutoff"].astype(str) + "|" + rows["subject"]
    change = np.flatnonzero(keys.to_numpy()[1:] != keys.to_numpy()[:-1]) + 1
    return np.diff(np.concatenate([[0], change, [len(rows)]]))


def _empty_scores() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject": pd.Series(dtype=str),
            "matter_id": pd.Series(dtype="int64"),
            "score": pd.Series(dtype=float),
            "because_matter_id": pd.Series(dtype="Int64"),
            "because": pd.Series(dtype=object),
        }
    )


def top_k(scored: pd.DataFrame, k: int) -> pd.DataFrame:
    """Return the first K rows of each subject of SCORED (sorted best first per subject), ranked from 1."""
    top = scored.groupby("subject", sort=False).head(k).copy()
    top.insert(1, "rank", top.groupby("subject", sort=False).cumcount() + 1)
    top["matter_id"] = top["matter_id"].astype("int64")
    top["because_matter_id"] = top["because_matter_id"].astype("Int64")
    return top[list(RECOMMEND_COLUMNS)].reset_index(drop=True)
