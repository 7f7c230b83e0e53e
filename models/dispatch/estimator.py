"""The dispatch model: a calibrated probability table over departments (or any label set) for an event.

Shape, chosen by validation on the public TipDM data and the demo district (see reports/dispatch.md):

1. Text: word and character TF-IDF (`TextFeatures`); structured columns one-hot encoded next to it.
2. Scores: a class-balanced linear SVM. Each label's duty text (权责清单), when given, is added as one
   more training document of that label, so a department with few or no past events still gets a score.
3. Head: out-of-fold scores become probabilities by one of three heads, picked by the lowest
   cross-validated log loss on the training data: temperature scaling; LightGBM on the scores plus
   structured columns and duty similarity; or the average of the two. Log loss, a proper scoring rule,
   rewards ranking and calibration together and is far less noisy than macro-F1 on a few hundred rows
   (picking by macro-F1 there cost 0.02 macro-F1 and 0.015 ECE on the public data, 2 x 5-fold).
4. Abstain: the lowest confidence at which the out-of-fold auto-dispatched set reaches the target precision.

Rare labels (fewer than `min_label_count` examples and no duty text) are not learned: they are listed in
`rare_labels_`, the model never proposes them, and such events reach a dispatcher through abstention.
"""

import logging
import os
import time

import lightgbm as lgb
import numpy as np
import pandas as pd
import scipy.sparse as sp
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import f1_score, log_loss
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import OneHotEncoder, normalize
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from models.dispatch.calibration import (
    coverage_at_precision,
    fit_temperature,
    temperature_proba,
    threshold_for_precision,
)
from models.dispatch.text import TextFeatures

log = logging.getLogger(__name__)

HEADS = ("temperature", "lightgbm", "ensemble")
TEXT = "text"
MAX_CLASS_WEIGHT = 5.0
# Below this many rows per core, starting worker processes costs more than it saves.
PARALLEL_MIN_ROWS = 1000


class DispatchError(ValueError):
    """Training data that cannot make a model; the message says what to change."""


def time_parts(times: pd.Series) -> dict[str, np.ndarray]:
    """Return hour and weekday of each timestamp as category strings ("" where the time is missing)."""
    parsed = pd.to_datetime(times, errors="coerce", format="mixed")
    missing = parsed.isna().to_numpy()
    parts = {"hour": parsed.dt.hour, "weekday": parsed.dt.day_of_week}
    return {
        name: np.where(missing, "", values.fillna(0).astype(int).astype(str)).astype(object)
        for name, values in parts.items()
    }


def as_category_text(values: pd.Series) -> np.ndarray:
    """Return values as strings for one-hot encoding, missing ones as ""."""
    return np.array(["" if pd.isna(v) else str(v) for v in values.to_numpy(dtype=object)], dtype=object)


class DispatchClassifier(ClassifierMixin, BaseEstimator):
    """Rank labels for a complaint text, with calibrated probabilities and an abstain threshold.

    X is a DataFrame with a `text` column and, optionally, the columns named in `categorical_cols`
    and `time_col`. A Series or array of strings is taken as the text alone.
    """

    def __init__(
        self,
        *,
        categorical_cols: tuple[str, ...] = (),
        time_col: str | None = None,
        descriptions: dict[str, str] | None = None,
        C: float = 0.5,
        head: str = "auto",
        target_precision: float = 0.95,
        min_label_count: int = 2,
        cv: int = 5,
        random_state: int = 0,
    ):
        self.categorical_cols = categorical_cols
        self.time_col = time_col
        self.descriptions = descriptions
        self.C = C
        self.head = head
        self.target_precision = target_precision
        self.min_label_count = min_label_count
        self.cv = cv
        self.random_state = random_state

    # ---- fitting -------------------------------------------------------------------------------

    def fit(self, X: pd.DataFrame, y: pd.Series, unlabelled: pd.Series | None = None) -> "DispatchClassifier":
        """Fit text features, the linear scorer, the chosen head and the abstain threshold."""
        started = time.perf_counter()
        frame = self._frame(X, fitting=True)
        labels = pd.Series(np.asarray(y, dtype=object), index=frame.index).astype(str)
        keep = self._learnable(labels)
        frame, labels = frame[keep], labels[keep]
        descriptions = {str(k): v for k, v in (self.descriptions or {}).items() if v and str(v).strip()}
        self.classes_ = np.array(sorted(set(labels) | set(descriptions)), dtype=object)
        if len(self.classes_) < 2:
            raise DispatchError("need at least two labels with enough examples to train a dispatch model")
        y_index = np.searchsorted(self.classes_, labels.to_numpy())

        corpus = [frame[TEXT], pd.Series(list(descriptions.values()), dtype=object)]
        if unlabelled is not None:
            corpus.append(pd.Series(unlabelled, dtype=object).dropna())
        self.text_ = TextFeatures().fit(pd.concat(corpus, ignore_index=True))
        structured = self._structured_frame(frame)
        self.structured_ = self._fit_structured(structured)
        self._fit_descriptions(descriptions)

        features, words = self._features(frame, structured)
        oof_scores = self._oof_scores(features, y_index)
        self.scorer_ = self._fit_scorer(features, y_index)
        self._fit_head(oof_scores, structured, words, y_index)
        self.fit_seconds_ = time.perf_counter() - started
        return self

    def _frame(self, X: object, *, fitting: bool = False) -> pd.DataFrame:
        """Return X as a DataFrame with a clean `text` column and the structured columns.

        Training needs every structured column; at prediction a missing one counts as unknown for every
        row, so a text-only file can still be scored by a model trained with more.
        """
        frame = X.copy() if isinstance(X, pd.DataFrame) else pd.DataFrame({TEXT: np.asarray(X, dtype=object)})
        if TEXT not in frame.columns:
            raise DispatchError(
                f"input has no '{TEXT}' column (columns: {', '.join(map(str, frame.columns))})"
            )
        frame[TEXT] = frame[TEXT].fillna("").astype(str)
        missing = [
            c for c in (*self.categorical_cols, *([self.time_col] if self.time_col else [])) if c not in frame
        ]
        if missing and fitting:
            raise DispatchError(f"input lacks the structured columns {', '.join(missing)}")
        for column in missing:
            frame[column] = None
        return frame

    def _learnable(self, labels: pd.Series) -> np.ndarray:
        """Return a mask of rows whose label has enough examples (or a duty text); remember the rest."""
        counts = labels.value_counts()
        described = {str(k) for k in (self.descriptions or {})}
        rare = counts[(counts < self.min_label_count) & ~counts.index.isin(described)]
        self.rare_labels_ = {str(k): int(v) for k, v in rare.items()}
        if self.rare_labels_:
            log.warning(
                "%d label(s) with fewer than %d examples are not learned (events go to a dispatcher): %s",
                len(rare),
                self.min_label_count,
                ", ".join(f"{k} ({v})" for k, v in list(self.rare_labels_.items())[:10]),
            )
        return ~labels.isin(rare.index).to_numpy()

    def _fit_structured(self, structured: pd.DataFrame) -> OneHotEncoder | None:
        if structured.shape[1] == 0:
            return None
        return OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=2).fit(structured.to_numpy())

    def _structured_frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Return the structured columns as strings, time split into hour and weekday."""
        columns = {name: as_category_text(frame[name]) for name in self.categorical_cols}
        if self.time_col:
            columns |= time_parts(frame[self.time_col])
        return pd.DataFrame(columns, index=frame.index)

    def _fit_descriptions(self, descriptions: dict[str, str]) -> None:
        """Keep the duty texts' word vectors, one row per class (zero where a class has none)."""
        self.described_ = np.array([c in descriptions for c in self.classes_])
        texts = pd.Series([descriptions.get(c, "") for c in self.classes_], dtype=object)
        both, words = self.text_.transform_parts(texts)
        self.description_features_ = both[self.described_]
        self.description_words_ = normalize(words)

    def _features(self, frame: pd.DataFrame, structured: pd.DataFrame) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """Return the scorer's input (text plus one-hot structure) and the word part for duty similarity."""
        both, words = self.text_.transform_parts(frame[TEXT])
        if self.structured_ is not None:
            both = sp.hstack([both, self.structured_.transform(structured.to_numpy())], format="csr")
        return both, words

    def _fit_scorer(self, features: sp.csr_matrix, y_index: np.ndarray) -> LinearSVC:
        """Fit the linear scorer on the rows plus each duty text as one more example of its label.

        Rows are weighted to balance the labels, capped so that a label with a handful of rows (or only
        its duty text, which weighs 1) is not pushed onto every other label's events.
        """
        counts = np.bincount(y_index, minlength=len(self.classes_))
        weights = np.minimum(len(y_index) / (np.count_nonzero(counts) * counts[y_index]), MAX_CLASS_WEIGHT)
        if self.described_.any():
            extra = self.description_features_
            if extra.shape[1] < features.shape[1]:
                padding = sp.csr_matrix((extra.shape[0], features.shape[1] - extra.shape[1]))
                extra = sp.hstack([extra, padding])
            features = sp.vstack([features, extra], format="csr")
            y_index = np.concatenate([y_index, np.flatnonzero(self.described_)])
            weights = np.concatenate([weights, np.ones(extra.shape[0])])
        return LinearSVC(C=self.C, random_state=self.random_state).fit(
            features, y_index, sample_weight=weights
        )

    def _folds(self, y_index: np.ndarray) -> StratifiedKFold:
        smallest = np.bincount(y_index)[np.bincount(y_index) > 0].min()
        return StratifiedKFold(max(2, min(self.cv, smallest)), shuffle=True, random_state=self.random_state)

    def _oof_scores(self, features: sp.csr_matrix, y_index: np.ndarray) -> np.ndarray:
        """Return out-of-fold linear scores for every class (duty texts always in the training part)."""
        scores = np.zeros((features.shape[0], len(self.classes_)))
        folds = list(self._folds(y_index).split(features, y_index))
        models = Parallel(n_jobs=min(len(folds), os.cpu_count() or 1))(
            delayed(self._fit_scorer)(features[train], y_index[train]) for train, _ in folds
        )
        for model, (_, held) in zip(models, folds, strict=True):
            scores[held] = self._full_scores(model, features[held])
        return scores

    def _full_scores(self, model: LinearSVC, features: sp.csr_matrix) -> np.ndarray:
        """Return decision scores over all classes; a class the fold never saw scores below every other."""
        raw = model.decision_function(features)
        if raw.ndim == 1:
            raw = np.column_stack([-raw, raw])
        scores = np.full((features.shape[0], len(self.classes_)), raw.min() - 1.0)
        scores[:, model.classes_] = raw
        return scores

    # ---- heads -----------------------------------------------------------------------------------

    def _head_inputs(
        self, scores: np.ndarray, structured: pd.DataFrame, words: sp.csr_matrix
    ) -> pd.DataFrame:
        """Return the LightGBM head's input: scores, duty similarity and the structured columns."""
        blocks, names = [scores], [f"score_{i}" for i in range(scores.shape[1])]
        if self.described_.any():
            described = np.flatnonzero(self.described_)
            blocks.append((normalize(words) @ self.description_words_.T).toarray()[:, described])
            names += [f"duty_{i}" for i in described]
        # One block, not a column at a time: per-column construction made a one-event call 3x slower.
        numeric = pd.DataFrame(np.hstack(blocks), columns=names, index=structured.index)
        if self.structured_ is None:
            return numeric
        categorical = pd.DataFrame(
            {f"col_{name}": _known(values, self.categories_[name]) for name, values in structured.items()},
            index=structured.index,
        )
        return pd.concat([numeric, categorical], axis=1)

    def _lightgbm(self) -> lgb.LGBMClassifier:
        return lgb.LGBMClassifier(
            n_estimators=60,
            learning_rate=0.1,
            max_bin=63,
            num_leaves=7,
            min_child_samples=10,
            subsample=0.8,
            subsample_freq=1,
            colsample_bytree=0.8,
            random_state=self.random_state,
            n_jobs=os.cpu_count(),
            verbose=-1,
        )

    def _fit_head(
        self, oof_scores: np.ndarray, structured: pd.DataFrame, words: sp.csr_matrix, y_index: np.ndarray
    ):
        """Choose the head by cross-validated log loss, then fit it on all out-of-fold scores."""
        self.categories_ = {name: sorted(set(values)) for name, values in structured.items()}
        inputs = self._head_inputs(oof_scores, structured, words)
        candidates = self._head_candidates(oof_scores, inputs, y_index)
        self.head_scores_ = {
            name: {
                "macro_f1": float(f1_score(y_index, proba.argmax(1), average="macro")),
                "log_loss": float(log_loss(y_index, proba, labels=np.arange(len(self.classes_)))),
            }
            for name, proba in candidates.items()
        }
        self.head_ = self._choose_head()
        proba = candidates[self.head_]
        self.temperature_ = fit_temperature(oof_scores, y_index)
        # A blend of calibrated parts is not calibrated itself: one more temperature, on the blend's log.
        self.blend_temperature_ = 1.0
        if self.head_ != "temperature":
            log_proba = np.log(np.clip(proba, 1e-12, None))
            self.blend_temperature_ = fit_temperature(log_proba, y_index)
            proba = temperature_proba(log_proba, self.blend_temperature_)
        if self.head_ != "temperature":
            self.booster_ = self._lightgbm().fit(inputs, y_index)
        confidence, correct = proba.max(1), proba.argmax(1) == y_index
        self.threshold_ = threshold_for_precision(confidence, correct, self.target_precision)
        self.validation_coverage_ = coverage_at_precision(confidence, correct, self.target_precision)

    def _head_candidates(self, scores: np.ndarray, inputs: pd.DataFrame, y_index: np.ndarray) -> dict:
        """Return each head's out-of-fold probabilities (a second level of cross-validation)."""
        temperature = np.zeros_like(scores)
        boosted = np.zeros_like(scores)
        all_classes = len(self.classes_)
        wanted = HEADS if self.head == "auto" else ("temperature", self.head)
        for train, held in self._folds(y_index).split(scores, y_index):
            t = fit_temperature(scores[train], y_index[train])
            temperature[held] = temperature_proba(scores[held], t)
            if "lightgbm" in wanted or "ensemble" in wanted:
                booster = self._lightgbm().fit(inputs.iloc[train], y_index[train])
                boosted[held] = _expand(
                    booster.predict_proba(inputs.iloc[held]), booster.classes_, all_classes
                )
        candidates = {"temperature": temperature}
        if "lightgbm" in wanted:
            candidates["lightgbm"] = boosted
        if "ensemble" in wanted:
            candidates["ensemble"] = (temperature + boosted) / 2
        return candidates

    def _choose_head(self) -> str:
        if self.head != "auto":
            if self.head not in HEADS:
                raise DispatchError(f"head must be one of {', '.join(HEADS)} or auto, not {self.head!r}")
            return self.head
        return min(self.head_scores_, key=lambda name: self.head_scores_[name]["log_loss"])

    # ---- prediction ------------------------------------------------------------------------------

    def predict_proba(self, X: object) -> np.ndarray:
        """Return the probability table: one row per event, one column per entry of `classes_`.

        Large batches are split over the machine's cores: cutting words is pure Python and holds the GIL.
        """
        check_is_fitted(self, "head_")
        frame = self._frame(X)
        workers = min(os.cpu_count() or 1, len(frame) // PARALLEL_MIN_ROWS)
        if workers < 2:
            return self._proba(frame)
        chunks = np.array_split(np.arange(len(frame)), workers)
        parts = Parallel(n_jobs=workers)(delayed(self._proba)(frame.iloc[chunk]) for chunk in chunks)
        return np.vstack(parts)

    def _proba(self, frame: pd.DataFrame) -> np.ndarray:
        structured = self._structured_frame(frame)
        features, words = self._features(frame, structured)
        scores = self._full_scores(self.scorer_, features)
        proba = temperature_proba(scores, self.temperature_)
        if self.head_ == "temperature":
            return proba
        inputs = self._head_inputs(scores, structured, words)
        boosted = _expand(self.booster_.predict_proba(inputs), self.booster_.classes_, len(self.classes_))
        blended = boosted if self.head_ == "lightgbm" else (proba + boosted) / 2
        return temperature_proba(np.log(np.clip(blended, 1e-12, None)), self.blend_temperature_)

    def predict(self, X: object) -> np.ndarray:
        """Return the most probable label of each event."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def rank(self, X: object, k: int = 3) -> pd.DataFrame:
        """Return top1..topk labels with probabilities and the abstain decision, one row per event."""
        proba = self.predict_proba(X)
        return rank_table(proba, self.classes_, self.threshold_, k)


def rank_table(proba: np.ndarray, classes: np.ndarray, threshold: float, k: int = 3) -> pd.DataFrame:
    """Return the top-k columns (`top1`, `top1_prob`, ...) and `abstain` for a probability table."""
    k = min(k, proba.shape[1])
    order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
    columns: dict[str, object] = {}
    for i in range(k):
        columns[f"top{i + 1}"] = classes[order[:, i]]
        columns[f"top{i + 1}_prob"] = np.round(
            np.take_along_axis(proba, order[:, i : i + 1], axis=1)[:, 0], 4
        )
    columns["abstain"] = proba.max(axis=1) < threshold
    return pd.DataFrame(columns)


def _known(values: pd.Series, categories: list[str]) -> pd.Categorical:
    """Return VALUES as a categorical over the training categories; unseen values become missing."""
    return pd.Categorical(values.where(values.isin(categories)), categories=categories)


def _expand(proba: np.ndarray, seen: np.ndarray, n_classes: int) -> np.ndarray:
    """Place a booster's probabilities (over the classes it saw) into the full class table."""
    full = np.zeros((proba.shape[0], n_classes))
    full[:, seen] = proba
    return full
