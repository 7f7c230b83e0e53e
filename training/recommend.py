"""Train, evaluate against the baselines, track and register the next-matter recommender.

The time split (H = ``horizon_days``, 60 by default; days are local days):
- end = the day after the last submitted case; test cutoff T = end - H (or ``--cutoff``), T + H <= end;
- test: recommend at T from the cases submitted before T; relevant = the matters each subject started in
  [T, T + H); evaluated subjects = those with a case before T and a matter started in [T, T + H);
- validation cutoff V = T - H: every method's settings (the baselines' windows, the model's grid point and
  its number of trees, found by early stopping at V - H) are chosen by hit@5 at V of fits on the cases
  before V; the test window is never looked at to choose anything;
- the evaluated model: fitted on the cases before T with those settings, its training examples from the
  cutoffs V, V - H, V - H - 30 d, ... (models.recommend.split.training_cutoffs); at every cutoff the
  features (association rules and popularity included) come only from the cases before that cutoff;
- the baselines are fitted on the same cases before T and evaluated on the same subjects.
The registered model is then refitted the same way on every case (its newest training cutoff is T).
"""

import time
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

import mlflow
import pandas as pd

from models.recommend import (
    AssociationRuleRecommender,
    NextMatterRecommender,
    PopularityRecommender,
    RecommendError,
)
from models.recommend.metrics import per_subject, summary
from models.recommend.split import DAY, history_end, history_frame, relevant_matters
from training import tracking

K = 5
MRR_K = 10
# Chosen on the validation cutoff (hit@5 of models fitted before V); small on purpose: each costs a fit.
GRID = (
    {"window_days": 90, "num_leaves": 31, "min_child_samples": 50},
    {"window_days": 180, "num_leaves": 31, "min_child_samples": 50},
    {"window_days": 180, "num_leaves": 63, "min_child_samples": 100},
)
POPULARITY_WINDOWS = (30, 90, 180, 365)
RULE_WINDOWS = (90, 180)
STRONG_LIFT = 3.0
CALIBRATION_EDGES = (0.0, 0.02, 0.05, 0.1, 0.2, 0.4, 1.0)
CALIBRATION_SAMPLE = 5000
# Settings the grid does not vary (the estimator's defaults unless set here).
BASE_PARAMS: dict = {}
MIN_EVALUATION_SUBJECTS = 20


@dataclass
class SplitDates:
    """The cutoffs of one run (local midnight timestamps)."""

    end: pd.Timestamp
    test: pd.Timestamp
    validation: pd.Timestamp
    horizon_days: int


@dataclass
class Evaluation:
    """What one evaluation run measured."""

    dates: SplitDates
    overall: pd.DataFrame  # one row per method: subjects, hit_at_5 (+ low/high), recall_at_5, mrr, coverage
    slices: pd.DataFrame  # method, slice and the same metrics
    validation: pd.DataFrame  # method, setting, hit_at_5 at V (and the model's trees)
    settings: dict[str, dict]  # method -> the settings chosen at V
    seconds: dict[str, dict[str, float]]  # method -> fit, predict
    sizes: dict[str, float]
    model: NextMatterRecommender
    calibration: pd.DataFrame  # score bucket: recommendations, mean score, share started


@dataclass
class RecommendTrainResult:
    """One training run: the evaluation, the registered model and where it went."""

    evaluation: Evaluation
    model: NextMatterRecommender
    run_id: str | None
    version: str | None = None
    aliases: list[str] = field(default_factory=list)


def split_dates(histories: pd.DataFrame, *, horizon_days: int = 60, cutoff: object = None) -> SplitDates:
    """Return the run's cutoffs; raise RecommendError when the history is too short for them."""
    if horizon_days < 7:
        raise RecommendError("the horizon (--horizon-days) must be at least 7 days")
    end = history_end(histories)
    test = end - horizon_days * DAY if cutoff is None else pd.Timestamp(cutoff).normalize()
    if test + horizon_days * DAY > end:
        raise RecommendError(
            f"cutoff {test:%Y-%m-%d} leaves less than {horizon_days} days of cases after it "
            f"(the last is on {end - DAY:%Y-%m-%d}); give an earlier --cutoff or a shorter --horizon-days"
        )
    first = pd.Timestamp(histories["submitted_at"].min()).normalize()
    validation = test - horizon_days * DAY
    if validation - 2 * horizon_days * DAY <= first:
        raise RecommendError(
            f"the cases span {first:%Y-%m-%d} to {end - DAY:%Y-%m-%d}: too short to train, validate and test "
            f"with a {horizon_days}-day horizon (at least {4 * horizon_days} days are needed)"
        )
    return SplitDates(end=end, test=test, validation=validation, horizon_days=horizon_days)


def evaluate(
    histories: pd.DataFrame,
    profiles: pd.DataFrame | None,
    matters: pd.DataFrame | None = None,
    *,
    horizon_days: int = 60,
    cutoff: object = None,
    grid: tuple[dict, ...] | None = None,
    base_params: dict | None = None,
    example_cache: dict | None = None,
    on_step=None,
) -> Evaluation:
    """Choose every method's settings at V, then measure the three at T (see the module docstring).

    EXAMPLE_CACHE (a dict) keeps the labelled rows of each cutoff for later fits with the same settings.
    """
    step = on_step or (lambda message: None)
    frame = history_frame(histories)
    dates = split_dates(frame, horizon_days=horizon_days, cutoff=cutoff)
    base = {**BASE_PARAMS, **(base_params or {}), "horizon_days": horizon_days}
    cache: dict = {} if example_cache is None else example_cache
    step(f"choosing settings at the validation cutoff {dates.validation:%Y-%m-%d}")
    at_v = _Cutoff(frame, dates.validation, horizon_days)
    validation, settings = _choose_baselines(at_v, profiles)
    model_rows = []
    for point in grid or GRID:
        model = NextMatterRecommender(**base, **point).fit(
            at_v.before, profiles, matters=matters, now=dates.validation, example_cache=cache
        )
        hit = at_v.hit_at_5(model, profiles)
        model_rows.append(
            {"method": "model", "setting": _setting(point), "hit_at_5": hit, "trees": model.best_iteration_}
        )
        if hit >= max(r["hit_at_5"] for r in model_rows):
            # The trees found by early stopping at V - H are kept: later fits train on V's labels too.
            trees = {"n_estimators": model.best_iteration_, "early_stopping_rounds": 0}
            settings["model"] = {**base, **point, **trees}
    validation = pd.concat([validation, pd.DataFrame(model_rows)], ignore_index=True)
    at_t = _Cutoff(frame, dates.test, horizon_days)
    if at_t.relevant["subject"].nunique() < MIN_EVALUATION_SUBJECTS:
        raise RecommendError(
            f"only {at_t.relevant['subject'].nunique()} applicants started a matter in the {horizon_days} "
            f"days after {dates.test:%Y-%m-%d}; the evaluation needs at least {MIN_EVALUATION_SUBJECTS}"
        )
    methods = {
        "popularity": PopularityRecommender(**settings["popularity"]),
        "association rules": AssociationRuleRecommender(**settings["association rules"]),
        "model": NextMatterRecommender(**settings["model"]),
    }
    lists, seconds = {}, {}
    for name, method in methods.items():
        step(f"fitting and asking {name} at the test cutoff {dates.test:%Y-%m-%d}")
        started = time.perf_counter()
        extra = {"matters": matters, "example_cache": cache} if name == "model" else {}
        method.fit(at_t.before, profiles, now=dates.test, **extra)
        fitted = time.perf_counter()
        lists[name] = at_t.recommend(method, profiles, MRR_K)
        seconds[name] = {"fit": fitted - started, "predict": time.perf_counter() - fitted}
    active = _active_matters(at_t.before, matters)
    overall = pd.DataFrame(
        [
            {"method": n, **summary(r, at_t.relevant, active_matters=active, k=K, mrr_k=MRR_K)}
            for n, r in lists.items()
        ]
    )
    following = _following_a_rule(at_t, methods["association rules"])
    slices = _slices(lists, at_t.relevant, at_t.before.groupby("subject").size(), following, active)
    model = methods["model"]
    sizes = _sizes(frame, at_t.before, at_t.relevant, active, model)
    sizes["candidate_recall"] = _candidate_recall(model, at_t, profiles)
    sizes["following_share"] = len(following) / max(at_t.relevant["subject"].nunique(), 1)
    calibration = calibration_table(model, at_t, profiles)
    return Evaluation(dates, overall, slices, validation, settings, seconds, sizes, model, calibration)


class _Cutoff:
    """One cutoff of the split: the cases before it, the relevant matters, the subjects asked."""

    def __init__(self, frame: pd.DataFrame, cutoff: pd.Timestamp, horizon_days: int) -> None:
        self.cutoff = cutoff
        self.before = frame[frame["submitted_at"] < cutoff]
        self.relevant = relevant_matters(frame, cutoff, horizon_days)
        self.subjects = sorted(self.relevant["subject"].unique())
        self.asked = self.before[self.before["subject"].isin(self.relevant["subject"])]

    def recommend(self, method, profiles: pd.DataFrame | None, k: int) -> pd.DataFrame:
        return method.recommend(self.asked, profiles, now=self.cutoff, k=k, subjects=self.subjects)

    def hit_at_5(self, method, profiles: pd.DataFrame | None) -> float:
        return float(per_subject(self.recommend(method, profiles, K), self.relevant, k=K)["hit"].mean())


def _setting(point: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in point.items())


def _choose_baselines(at_v: _Cutoff, profiles: pd.DataFrame | None) -> tuple[pd.DataFrame, dict]:
    """Return the baselines' validation rows and their chosen settings (each by hit@5 at V).

    The popularity window is chosen first; the rules' fallback uses it.
    """
    rows, settings = [], {}
    for name, make, points in (
        ("popularity", PopularityRecommender, [{"window_days": d} for d in POPULARITY_WINDOWS]),
        ("association rules", AssociationRuleRecommender, [{"window_days": d} for d in RULE_WINDOWS]),
    ):
        extra = {"popularity_days": settings["popularity"]["window_days"]} if name != "popularity" else {}
        scored = []
        for point in points:
            method = make(**point, **extra).fit(at_v.before, profiles, now=at_v.cutoff)
            scored.append((at_v.hit_at_5(method, profiles), point))
            rows.append({"method": name, "setting": _setting(point), "hit_at_5": scored[-1][0]})
        settings[name] = {**max(scored, key=lambda pair: pair[0])[1], **extra}
    return pd.DataFrame(rows), settings


def _following_a_rule(at_t: _Cutoff, rules: AssociationRuleRecommender) -> set[str]:
    """Return the subjects who started a matter that a strong rule (lift >= 3, directional >= 0.1) leads
    to from one of their matters of the 90 days before T: the part of the demand that histories predict."""
    table = pd.DataFrame(rules.rules_)
    strong = table[(table["lift"] >= STRONG_LIFT) & (table["directional"] >= 0.1)]
    recent = at_t.asked[at_t.asked["submitted_at"] >= at_t.cutoff - 90 * DAY][["subject", "matter_id"]]
    led = recent.merge(strong, left_on="matter_id", right_on="antecedent")[["subject", "consequent"]]
    led = led.rename(columns={"consequent": "matter_id"})
    return set(led.merge(at_t.relevant, on=["subject", "matter_id"])["subject"])


def _active_matters(before: pd.DataFrame, matters: pd.DataFrame | None) -> int:
    """Return the catalogue's active matters, or the matters with a case when there is no catalogue."""
    if matters is not None and len(matters):
        return int((matters["active"] > 0).sum())
    return int(before["matter_id"].nunique())


def _slices(
    lists: dict[str, pd.DataFrame], relevant: pd.DataFrame, prior: pd.Series, following: set[str], active: int
) -> pd.DataFrame:
    """Return the metrics per method on: citizens, enterprises, new matters only, 1 / 2 / >=3 prior cases,
    and the subjects whose next matter follows a strong rule from a recent matter of theirs, or not."""
    kind = relevant["subject"].str.split(":").str[0]
    cases = prior.reindex(relevant["subject"]).fillna(0).to_numpy()
    led = relevant["subject"].isin(following)
    parts = {
        "citizens": relevant[kind == "citizen"],
        "enterprises": relevant[kind == "enterprise"],
        "new matters only": relevant[relevant["new"]],
        "1 prior case": relevant[cases == 1],
        "2 prior cases": relevant[cases == 2],
        ">= 3 prior cases": relevant[cases >= 3],
        "next matter follows a strong rule": relevant[led],
        "no strong rule to the next matter": relevant[~led],
    }
    rows = []
    for name, recs in lists.items():
        for label, part in parts.items():
            if part.empty:
                continue
            rows.append(
                {
                    "method": name,
                    "slice": label,
                    **summary(recs, part, active_matters=active, k=K, mrr_k=MRR_K),
                }
            )
    return pd.DataFrame(rows)


def _sizes(frame, before, relevant, active, model) -> dict[str, float]:
    return {
        "cases": float(len(frame)),
        "subjects": float(frame["subject"].nunique()),
        "cases_before_test": float(len(before)),
        "subjects_before_test": float(before["subject"].nunique()),
        "evaluated_subjects": float(relevant["subject"].nunique()),
        "relevant_pairs": float(len(relevant)),
        "new_relevant_share": float(relevant["new"].mean()),
        "active_matters": float(active),
        "training_rows": float(model.training_rows_),
        "training_subjects": float(model.training_subjects_),
        "trees": float(model.best_iteration_),
    }


def calibration_table(
    model: NextMatterRecommender, at_t: _Cutoff, profiles: pd.DataFrame | None, *, subjects: int = 0
) -> pd.DataFrame:
    """Return, per score bucket, the top-5 recommendations at T of a random sample of the applicants with a
    case before T (started something next or not), their mean score and the share started in the horizon."""
    everyone = at_t.before["subject"].unique()
    size = min(subjects or CALIBRATION_SAMPLE, len(everyone))
    chosen = pd.Series(everyone).sample(size, random_state=0).to_numpy()
    asked = at_t.before[at_t.before["subject"].isin(chosen)]
    recs = model.recommend(asked, profiles, now=at_t.cutoff, k=K)
    started = pd.MultiIndex.from_frame(at_t.relevant[["subject", "matter_id"]])
    recs["started"] = pd.MultiIndex.from_frame(recs[["subject", "matter_id"]]).isin(started)
    buckets = pd.cut(recs["score"], CALIBRATION_EDGES, include_lowest=True)
    table = recs.groupby(buckets, observed=True).agg(
        recommendations=("score", "size"), mean_score=("score", "mean"), started=("started", "mean")
    )
    return table.rename_axis("score").reset_index().assign(score=lambda t: t["score"].astype(str))


def _candidate_recall(model: NextMatterRecommender, at_t: _Cutoff, profiles: pd.DataFrame | None) -> float:
    """Return the share of evaluated subjects with a relevant matter among the model's candidates."""
    scored = model.candidate_scores(at_t.asked, profiles, now=at_t.cutoff, subjects=at_t.subjects)
    return float(per_subject(scored.assign(rank=1), at_t.relevant, k=1)["hit"].mean())


# ---- report --------------------------------------------------------------------------------------------


def _metric_row(name: str, row: pd.Series) -> str:
    return (
        f"| {name} | {int(row['subjects']):,} | {row['hit_at_5']:.3f} [{row['hit_at_5_low']:.3f}, "
        f"{row['hit_at_5_high']:.3f}] | {row['recall_at_5']:.3f} | {row['mrr']:.3f} | {row['coverage']:.3f} |"
    )


def targets(evaluation: Evaluation) -> dict[str, bool | float]:
    """Return the ratios to the baselines and whether the targets are met (>= 2x popularity, > rules)."""
    hit = evaluation.overall.set_index("method")["hit_at_5"]
    ratio = hit["model"] / hit["popularity"] if hit["popularity"] > 0 else float("inf")
    return {
        "ratio_to_popularity": float(ratio),
        "twice_popularity": bool(ratio >= 2),
        "ahead_of_rules": bool(hit["model"] > hit["association rules"]),
    }


def report_lines(evaluation: Evaluation) -> list[str]:
    """Return the evaluation as Markdown: split, overall table, slices, validation grid, timings."""
    return [
        *_split_lines(evaluation),
        *_result_lines(evaluation),
        *_slice_lines(evaluation),
        *_setting_lines(evaluation),
        *_calibration_lines(evaluation),
        "## Timings",
        "",
        "| method | fit s | recommend s (evaluated applicants, top 10) |",
        "|---|---:|---:|",
        *[f"| {n} | {s['fit']:.1f} | {s['predict']:.1f} |" for n, s in evaluation.seconds.items()],
        "",
    ]


def _split_lines(evaluation: Evaluation) -> list[str]:
    dates, sizes, horizon = evaluation.dates, evaluation.sizes, evaluation.dates.horizon_days
    step = evaluation.model.cutoff_step_days
    window_end = dates.test + horizon * DAY
    return [
        "## Time split",
        "",
        f"- cases: {int(sizes['cases']):,} of {int(sizes['subjects']):,} applicants; the last case on "
        f"{dates.end - DAY:%Y-%m-%d}.",
        f"- test cutoff T = {dates.test:%Y-%m-%d}: every method is fitted on the "
        f"{int(sizes['cases_before_test']):,} cases before T and asked at T; relevant = the matters a "
        f"subject started in [T, T + {horizon} d) = [{dates.test:%Y-%m-%d}, {window_end:%Y-%m-%d}).",
        f"- evaluated: the {int(sizes['evaluated_subjects']):,} applicants with a case before T and a matter "
        f"started in the test window ({int(sizes['relevant_pairs']):,} applicant-matter pairs, "
        f"{sizes['new_relevant_share']:.0%} of them matters the applicant had never done before T).",
        f"- validation cutoff V = T - {horizon} d = {dates.validation:%Y-%m-%d}: every method's settings "
        "below were chosen by hit@5 at V of fits on the cases before V (the model's trees by early stopping "
        f"at V - {horizon} d). The evaluated model learns from the cutoffs V, V - {horizon} d, "
        f"V - {horizon + step} d, ... ({', '.join(c[:10] for c in evaluation.model.cutoffs_)}), each with "
        "features from the cases before it only (association rules and popularity included) and labels in "
        f"the {horizon} days after it.",
        f"- active matters (coverage denominator): {int(sizes['active_matters'])}.",
        "",
    ]


def _result_lines(evaluation: Evaluation) -> list[str]:
    goal = targets(evaluation)
    return [
        "## Results at T",
        "",
        "| method | subjects | hit@5 [95% CI] | recall@5 | MRR@10 | coverage@5 |",
        "|---|---:|---:|---:|---:|---:|",
        *[_metric_row(row["method"], row) for _, row in evaluation.overall.iterrows()],
        "",
        f"Targets: hit@5 at least 2x popularity: **{'met' if goal['twice_popularity'] else 'NOT met'}** "
        f"({goal['ratio_to_popularity']:.2f}x); ahead of the association-rule baseline: "
        f"**{'met' if goal['ahead_of_rules'] else 'NOT met'}**.",
        "",
        "hit@5 = share of evaluated applicants with a relevant matter in their top 5; recall@5 = mean share "
        "of their relevant matters in the top 5; MRR@10 = mean 1/rank of the first relevant matter in the "
        "top 10 (0 if none); coverage@5 = distinct matters in the top-5 lists / active matters. 95% "
        "intervals: 1,000 bootstrap resamples of the applicants. The model's candidates hold a relevant "
        f"matter for {evaluation.sizes['candidate_recall']:.1%} of the evaluated applicants (its ceiling for "
        "hit@k).",
        "",
    ]


def _slice_lines(evaluation: Evaluation) -> list[str]:
    lines = [
        "## Slices",
        "",
        "| slice | method | subjects | hit@5 [95% CI] | recall@5 | MRR@10 | coverage@5 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, part in evaluation.slices.groupby("slice", sort=False):
        lines += [f"| {label} " + _metric_row(row["method"], row) for _, row in part.iterrows()]
    return [
        *lines,
        "",
        "'new matters only': relevant = the matters the applicant had never done before T (applicants with "
        "at least one such matter); the lists are the same. Prior cases: the applicant's cases before T.",
        "",
    ]


def _setting_lines(evaluation: Evaluation) -> list[str]:
    sizes = evaluation.sizes
    lines = [
        "## Settings chosen at the validation cutoff",
        "",
        "Each method's settings were chosen by its hit@5 at V (fitted on the cases before V):",
        "",
        "| method | setting | hit@5 at V | trees |",
        "|---|---|---:|---:|",
    ]
    for row in evaluation.validation.itertuples(index=False):
        trees = "" if pd.isna(getattr(row, "trees", float("nan"))) else str(int(row.trees))
        lines.append(f"| {row.method} | {row.setting} | {row.hit_at_5:.3f} | {trees} |")
    chosen = "; ".join(f"{name}: {_setting(s)}" for name, s in evaluation.settings.items())
    return [
        *lines,
        "",
        f"Chosen: {chosen}.",
        "",
        f"Model: LightGBM lambdarank, {int(sizes['trees'])} trees, trained on "
        f"{int(sizes['training_rows']):,} candidate rows of {int(sizes['training_subjects']):,} "
        "applicant-cutoffs.",
        "",
    ]


def _calibration_lines(evaluation: Evaluation) -> list[str]:
    table = evaluation.calibration
    return [
        "## The score as a probability",
        "",
        "The model's score estimates the probability that the applicant starts the matter within the "
        f"horizon. At T, the top-5 recommendations of {CALIBRATION_SAMPLE:,} random applicants with a case "
        "before T (whether or not they started anything next), by score:",
        "",
        "| score | recommendations | mean score | share started |",
        "|---|---:|---:|---:|",
        *[
            f"| {row.score} | {row.recommendations:,} | {row.mean_score:.3f} | {row.started:.3f} |"
            for row in table.itertuples(index=False)
        ],
        "",
    ]


def _cell(value: object) -> str:
    return f"{value:.3f}" if isinstance(value, float) else str(value)


# ---- the training run ----------------------------------------------------------------------------------


def train_recommender(
    histories: pd.DataFrame,
    profiles: pd.DataFrame | None,
    matters: pd.DataFrame | None = None,
    *,
    source: str,
    horizon_days: int = 60,
    cutoff: object = None,
    register: bool = True,
    grid: tuple[dict, ...] | None = None,
    base_params: dict | None = None,
    on_step=None,
) -> RecommendTrainResult:
    """Evaluate at the time split and log it to MLflow; unless told not to, refit on every case and register.

    Without registering, the result's model is the evaluated one (fitted on the cases before T).
    """
    step = on_step or (lambda message: None)
    cache: dict = {}
    evaluation = evaluate(
        histories,
        profiles,
        matters,
        horizon_days=horizon_days,
        cutoff=cutoff,
        grid=grid,
        base_params=base_params,
        example_cache=cache,
        on_step=on_step,
    )
    frame = history_frame(histories)
    final = evaluation.model
    if register:
        step("refitting on every case")
        final = NextMatterRecommender(**evaluation.settings["model"]).fit(
            frame, profiles, matters=matters, example_cache=cache
        )
    with mlflow.start_run(experiment_id=tracking.experiment(tracking.RECOMMEND_MODEL)) as run:
        _log(evaluation, final if register else None, source)
        result = RecommendTrainResult(evaluation, final, run.info.run_id)
        if register:
            step("registering")
            example = frame[frame["subject"].isin(frame["subject"].drop_duplicates().head(2))]
            result.version, result.aliases = tracking.register_model(
                final,
                tracking.RECOMMEND_MODEL,
                example.assign(
                    submitted_at=example["submitted_at"].astype(str),
                    completed_at=example["completed_at"].astype(str),
                ).reset_index(drop=True),
            )
    return result


def _log(evaluation: Evaluation, final: NextMatterRecommender | None, source: str) -> None:
    """Log the split, settings, metrics and report; and the refitted model's cutoffs and trees if any."""
    dates = evaluation.dates
    mlflow.log_params(
        {
            "source": source,
            "test_cutoff": f"{dates.test:%Y-%m-%d}",
            "validation_cutoff": f"{dates.validation:%Y-%m-%d}",
            "evaluated_trees": evaluation.model.best_iteration_,
            **{f"model_{k}": v for k, v in evaluation.settings["model"].items()},
            "popularity_window_days": evaluation.settings["popularity"]["window_days"],
            "rules_window_days": evaluation.settings["association rules"]["window_days"],
        }
    )
    if final is not None:
        mlflow.log_params(
            {"final_cutoffs": ",".join(c[:10] for c in final.cutoffs_), "final_trees": final.best_iteration_}
        )
        mlflow.log_metric("final_fit_seconds", final.fit_seconds_)
    for _, row in evaluation.overall.iterrows():
        prefix = "test_" + row["method"].replace(" ", "_")
        mlflow.log_metrics(
            {
                f"{prefix}_{m}": float(row[m])
                for m in ("hit_at_5", "hit_at_5_low", "hit_at_5_high", "recall_at_5", "mrr", "coverage")
            }
        )
    mlflow.log_metrics({f"data_{k}": float(v) for k, v in evaluation.sizes.items()})
    with TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "recommend.md").write_text(
            "\n".join(["# Next-matter recommender", "", *report_lines(evaluation)])
        )
        evaluation.slices.to_csv(base / "slices.csv", index=False)
        evaluation.validation.to_csv(base / "validation.csv", index=False)
        mlflow.log_artifacts(folder)


def champion_version() -> str | None:
    """Return the version of `recommender@champion`, or None."""
    return tracking.alias_version(tracking.RECOMMEND_MODEL, tracking.CHAMPION)


# ---- the database --------------------------------------------------------------------------------------


def matter_catalogue(session) -> pd.DataFrame:
    """Return [matter_id, online_capable, mobile_capable, active] of every catalogued matter."""
    from sqlalchemy import select

    from core_app.matters.models import Matter, MatterStatus

    rows = session.execute(
        select(Matter.id, Matter.online_capable, Matter.mobile_capable, Matter.status)
    ).all()
    table = pd.DataFrame(rows, columns=["matter_id", "online_capable", "mobile_capable", "status"])
    return pd.DataFrame(
        {
            "matter_id": table["matter_id"].astype("int64"),
            "online_capable": table["online_capable"].astype(float),
            "mobile_capable": table["mobile_capable"].astype(float),
            "active": (table["status"] == MatterStatus.ACTIVE).astype(float),
        }
    )


def database_input(session) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Return (histories, profiles, matters) read from the database through the shared readers."""
    from core_app.cases.history import applicant_histories
    from core_app.people.profiles import applicant_profiles

    return applicant_histories(session), applicant_profiles(session), matter_catalogue(session)
