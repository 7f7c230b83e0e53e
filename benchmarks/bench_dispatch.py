"""Compare the dispatch model with baselines on the same repeated splits, time it, write reports/dispatch.md.

.venv/bin/python benchmarks/bench_dispatch.py [--repeats 5] [--demo-repeats 1]   (`make bench-dispatch`)

Public data: TipDM 2020 C 附件2 (495 messages, 7 first-level categories), text = 留言主题 + "。" + 留言详情.
Demo district: a medium-scale `butler seed` in a temporary SQLite database, labels = department codes.
Every model sees the same folds; metrics are computed per repeat on the pooled out-of-fold predictions.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import jieba
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats
from sklearn.dummy import DummyClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import f1_score
from sklearn.model_selection import RepeatedStratifiedKFold
from sklearn.naive_bayes import MultinomialNB
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from models.dispatch import DispatchClassifier
from training.evaluate import confusion_table, per_class_table, summary_metrics

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "tipdm2020c"
REPORT = ROOT / "reports" / "dispatch.md"
TITLE, DETAIL, TIME, LABEL = "留言主题", "留言详情", "留言时间", "一级分类"
METRICS = ("accuracy", "macro_f1", "top3_accuracy", "ece", "coverage_at_95", "coverage_at_97")
OURS, SVC = "DispatchClassifier", "TF-IDF + LinearSVC"
# Fixed end of the demo history, so the demo district is the same in every run.
DEMO_NOW = "2026-11-01T00:00:00+08:00"
DEMO_ROWS = 10_000


def jieba_lcut(text: str) -> list[str]:
    """Cut text with plain jieba (the baselines' tokenizer: default dictionary, nothing removed)."""
    return jieba.lcut(text)


# ---- models: each returns (scores, the model's classes, whether the scores are probabilities, head) ----


def baseline_svc(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame) -> tuple[np.ndarray, bool, str]:
    """Fit TF-IDF (sklearn defaults, jieba tokens) + LinearSVC and return decision scores."""
    model = make_pipeline(TfidfVectorizer(tokenizer=jieba_lcut, token_pattern=None), LinearSVC())
    return model.fit(train["text"], y).decision_function(test["text"]), model.classes_, False, ""


def baseline_nb(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame) -> tuple[np.ndarray, bool, str]:
    """Fit TF-IDF (sklearn defaults, jieba tokens) + MultinomialNB and return its probabilities."""
    model = make_pipeline(TfidfVectorizer(tokenizer=jieba_lcut, token_pattern=None), MultinomialNB())
    return model.fit(train["text"], y).predict_proba(test["text"]), model.classes_, True, ""


def baseline_majority(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame) -> tuple[np.ndarray, bool, str]:
    """Predict the training class frequencies for every event (top-1 is the majority class)."""
    model = DummyClassifier(strategy="prior").fit(train[["text"]], y)
    return model.predict_proba(test[["text"]]), model.classes_, True, ""


def ours(
    **params: object,
) -> Callable[[pd.DataFrame, np.ndarray, pd.DataFrame], tuple[np.ndarray, bool, str]]:
    """Return a fit-and-score function for DispatchClassifier with the given parameters."""

    def run(train: pd.DataFrame, y: np.ndarray, test: pd.DataFrame) -> tuple[np.ndarray, bool, str]:
        model = DispatchClassifier(**params).fit(train, y)
        return model.predict_proba(test), model.classes_, True, model.head_

    return run


# ---- cross-validation ------------------------------------------------------------------------


@dataclass
class Result:
    """Out-of-fold scores of one model on every repeat, with per-repeat and per-fold figures."""

    name: str
    oof: list[np.ndarray] = field(default_factory=list)
    proba: bool = True
    heads: Counter = field(default_factory=Counter)
    per_repeat: list[dict[str, float]] = field(default_factory=list)
    fold_f1: list[float] = field(default_factory=list)
    seconds: float = 0.0


def _fold(run: Callable, frame: pd.DataFrame, y: np.ndarray, train: np.ndarray, held: np.ndarray) -> tuple:
    started = time.perf_counter()
    scores, seen, is_proba, head = run(frame.iloc[train], y[train], frame.iloc[held])
    return scores, seen, is_proba, head, time.perf_counter() - started


def aligned(scores: np.ndarray, seen: np.ndarray, classes: np.ndarray, is_proba: bool) -> np.ndarray:
    """Place a model's scores into the columns of `classes`; a class it lacks gets the lowest score."""
    full = np.full((scores.shape[0], len(classes)), 0.0 if is_proba else scores.min() - 1.0)
    full[:, np.searchsorted(classes, np.asarray(seen, dtype=object))] = scores
    return full


def cross_validate(
    models: dict[str, Callable],
    frame: pd.DataFrame,
    labels: pd.Series,
    repeats: int,
    jobs: int,
    extra_classes: tuple[str, ...] = (),
) -> tuple[dict[str, Result], np.ndarray, np.ndarray, list[np.ndarray]]:
    """Run every model on the same repeated stratified 5-fold splits; return results, classes, y, fold ids.

    `extra_classes` are labels a model may propose without examples (departments with only a duty text).
    """
    classes = np.array(sorted(set(labels.unique()) | set(extra_classes)), dtype=object)
    y = labels.to_numpy(dtype=object)
    y_index = np.searchsorted(classes, y)
    splitter = RepeatedStratifiedKFold(n_splits=5, n_repeats=repeats, random_state=0)
    splits = list(splitter.split(frame, y_index))
    folds = [np.zeros(len(y), dtype=int) for _ in range(repeats)]
    results = {}
    for name, run in models.items():
        started = time.perf_counter()
        outputs = Parallel(n_jobs=jobs)(delayed(_fold)(run, frame, y, tr, held) for tr, held in splits)
        result = Result(name, seconds=time.perf_counter() - started)
        for r in range(repeats):
            oof = np.zeros((len(y), len(classes)))
            for f in range(5):
                _, held = splits[r * 5 + f]
                scores, seen, result.proba, head, _ = outputs[r * 5 + f]
                scores = oof[held] = aligned(scores, seen, classes, result.proba)
                folds[r][held] = f
                if head:
                    result.heads[head] += 1
                result.fold_f1.append(f1_score(y_index[held], scores.argmax(1), average="macro"))
            result.oof.append(oof)
            result.per_repeat.append(_metrics(oof, y_index, result.proba))
        results[name] = result
        print(f"  {name:<40} {result.seconds:6.1f} s  macro-F1 {mean_ci(result, 'macro_f1')[0]:.3f}")
    return results, classes, y_index, folds


def _metrics(scores: np.ndarray, y_index: np.ndarray, is_proba: bool) -> dict[str, float]:
    """Return the summary metrics; ECE and coverage only where the scores are probabilities."""
    metrics = summary_metrics(scores, y_index)
    if not is_proba:
        for name in ("ece", "coverage_at_95", "coverage_at_97"):
            metrics[name] = float("nan")
    return metrics


def t_interval(values: np.ndarray) -> tuple[float, float, float]:
    """Return mean and the 95% Student-t interval of the mean (zero width for one value)."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean())
    if len(values) < 2:
        return mean, mean, mean
    half = float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values)))
    return mean, mean - half, mean + half


def mean_ci(result: Result, metric: str) -> tuple[float, float, float]:
    """Return mean and 95% t-interval of a metric over the repeats."""
    return t_interval(np.array([m[metric] for m in result.per_repeat]))


def corrected_interval(diffs: np.ndarray, test_share: float) -> tuple[float, float, float]:
    """Return mean and 95% interval of per-fold differences with the Nadeau-Bengio variance correction."""
    n = len(diffs)
    mean = float(diffs.mean())
    variance = (1 / n + test_share / (1 - test_share)) * diffs.var(ddof=1)
    half = float(stats.t.ppf(0.975, n - 1) * np.sqrt(variance))
    return mean, mean - half, mean + half


# ---- report sections ---------------------------------------------------------------------------


def fmt(value: tuple[float, float, float]) -> str:
    mean, low, high = value
    if np.isnan(mean):
        return "n/a"
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def comparison_lines(results: dict[str, Result], repeats: int) -> list[str]:
    """Return the metric table (mean [95% CI] over repeats) and the paired macro-F1 gains over LinearSVC."""
    header = "| model | accuracy | macro-F1 | top-3 | ECE | coverage @95% | coverage @97% | CV s |"
    lines = [header, "|---|---|---|---|---|---|---|---:|"]
    for result in results.values():
        cells = " | ".join(fmt(mean_ci(result, m)) for m in METRICS)
        lines.append(f"| {result.name} | {cells} | {result.seconds:.0f} |")
    lines += ["", "Paired macro-F1 gain over TF-IDF + LinearSVC on the same splits:", ""]
    lines += [
        "| model | gain, per repeat (t-interval over repeats) | gain, per fold (Nadeau-Bengio corrected) |",
        "|---|---|---|",
    ]
    svc = results[SVC]
    for result in results.values():
        if result.name == SVC:
            continue
        per_repeat = np.array(
            [a["macro_f1"] - b["macro_f1"] for a, b in zip(result.per_repeat, svc.per_repeat, strict=True)]
        )
        per_fold = np.array(result.fold_f1) - np.array(svc.fold_f1)
        lines.append(
            f"| {result.name} | {fmt(t_interval(per_repeat))} | {fmt(corrected_interval(per_fold, 0.2))} |"
        )
    heads = {r.name: dict(r.heads) for r in results.values() if r.heads}
    lines += ["", "Head chosen (folds, out of " + str(5 * repeats) + "): "]
    lines += [
        f"- {name}: " + ", ".join(f"{h} {n}" for h, n in sorted(c.items())) for name, c in heads.items()
    ]
    return lines


def table_lines(frame: pd.DataFrame, index: bool = False) -> list[str]:
    """Return a DataFrame as markdown table lines (floats to 3 places)."""
    frame = frame.reset_index() if index else frame
    lines = ["| " + " | ".join(map(str, frame.columns)) + " |", "|" + "---|" * len(frame.columns)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row) + " |")
    return lines


def detail_lines(result: Result, classes: np.ndarray, y_index: np.ndarray) -> list[str]:
    """Return the per-class table and confusion matrix of the first repeat's pooled predictions."""
    oof = result.oof[0]
    lines = [f"Per class ({result.name}, repeat 1, all 5 folds pooled), worst F1 first:", ""]
    lines += table_lines(per_class_table(oof, y_index, classes))
    lines += ["", "Confusion matrix (rows: true, columns: predicted):", ""]
    lines += table_lines(confusion_table(oof, y_index, classes), index=True)
    return lines


# ---- data --------------------------------------------------------------------------------------


def public_data(path: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Return the labelled public messages as (text, time) and their first-level category."""
    table = pd.read_csv(path, dtype=str).fillna("")
    frame = pd.DataFrame({"text": table[TITLE] + "。" + table[DETAIL], "time": table[TIME]})
    return frame, table[LABEL]


def unlabelled_texts(path: Path) -> pd.DataFrame:
    """Return 附件3's messages as model input (title + 。 + detail)."""
    table = pd.read_csv(path, usecols=[TITLE, DETAIL], dtype=str).fillna("")
    return pd.DataFrame({"text": table[TITLE] + "。" + table[DETAIL]})


def demo_district(workdir: Path) -> tuple[pd.DataFrame, dict[str, str], float]:
    """Seed a medium demo district into a temporary SQLite database; return events, duties, seconds."""
    from sqlalchemy.orm import Session

    from core_app.db.session import build_engine
    from features.dispatch import department_duties, labelled_events

    url = f"sqlite:///{(workdir / 'demo.db').as_posix()}"
    env = os.environ | {"BUTLER_DATABASE_URL": url}
    butler = str(Path(sys.executable).with_name("butler"))
    started = time.perf_counter()
    subprocess.run([butler, "db", "upgrade"], env=env, check=True, capture_output=True)
    seed = [butler, "seed", "--scale", "medium", "--seed", "42", "--now", DEMO_NOW]
    subprocess.run(seed, env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    engine = build_engine(url)
    with Session(engine) as session:
        events, duties = labelled_events(session), department_duties(session)
    engine.dispose()
    return events, duties, seconds


def stratified_sample(frame: pd.DataFrame, rows: int, seed: int = 0) -> pd.DataFrame:
    """Return about `rows` rows keeping label shares (with replacement only if the frame is smaller)."""
    if len(frame) < rows:
        return frame.sample(rows, replace=True, random_state=seed).reset_index(drop=True)
    share = rows / len(frame)
    sampled = frame.groupby("label", group_keys=False).sample(frac=share, random_state=seed)
    return sampled.reset_index(drop=True)


# ---- speed and memory -------------------------------------------------------------------------------


def percentiles_ms(call: Callable[[int], object], count: int) -> tuple[float, float]:
    """Call `call(i)` count times after 20 warm-up calls; return p50 and p99 wall time in milliseconds."""
    for i in range(20):
        call(i)
    times = np.empty(count)
    for i in range(count):
        started = time.perf_counter()
        call(i)
        times[i] = time.perf_counter() - started
    return float(np.percentile(times, 50) * 1e3), float(np.percentile(times, 99) * 1e3)


def timed(work: Callable[[], object]) -> tuple[object, float]:
    """Run work once; return its result and wall seconds."""
    started = time.perf_counter()
    result = work()
    return result, time.perf_counter() - started


def register(model: DispatchClassifier, example: pd.DataFrame) -> tuple[str, float]:
    """Log the model to MLflow (under BUTLER_VAR_DIR), register it as champion; return the URI and seconds."""
    import mlflow
    from mlflow import MlflowClient

    from training import tracking

    started = time.perf_counter()
    mlflow.set_experiment(experiment_id=tracking.experiment("bench-dispatch"))
    with mlflow.start_run():
        info = mlflow.sklearn.log_model(
            model,
            name="model",
            registered_model_name=tracking.DISPATCH_MODEL,
            skops_trusted_types=tracking.SKOPS_TRUSTED_TYPES,
            input_example=example,
        )
    version = str(info.registered_model_version)
    MlflowClient().set_registered_model_alias(tracking.DISPATCH_MODEL, tracking.CHAMPION, version)
    return f"models:/{tracking.DISPATCH_MODEL}/{version}", time.perf_counter() - started


LOAD_PROBE = """
import json, sys, time, psutil
process = psutil.Process()
import mlflow, mlflow.sklearn, models.dispatch, training.tracking as tracking
tracking.configure()
before = process.memory_info().rss
started = time.perf_counter()
model = mlflow.sklearn.load_model(sys.argv[1])
seconds = time.perf_counter() - started
after = process.memory_info().rss
print(json.dumps({"before": before, "after": after, "seconds": seconds}))
"""


def load_memory(uri: str) -> dict[str, float]:
    """Load the model in a fresh process; return RSS before and after (MB) and load seconds."""
    done = subprocess.run(
        [sys.executable, "-c", LOAD_PROBE, uri], check=True, capture_output=True, text=True, env=os.environ
    )
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "before_mb": figures["before"] / 1e6,
        "after_mb": figures["after"] / 1e6,
        "seconds": figures["seconds"],
    }


def speed_lines(
    model: DispatchClassifier, frame: pd.DataFrame, batch: pd.DataFrame, calls: int, what: str = "附件3 texts"
) -> list[str]:
    """Return single-event latency (predict_proba and rank) and batch throughput as report lines."""
    one = [frame.iloc[[i]] for i in range(len(frame))]
    proba = percentiles_ms(lambda i: model.predict_proba(one[i % len(one)]), calls)
    rank = percentiles_ms(lambda i: model.rank(one[i % len(one)]), calls)
    _, seconds = timed(lambda: model.rank(batch))
    rate = len(batch) / seconds
    print(f"  latency predict_proba p50 {proba[0]:.1f} ms p99 {proba[1]:.1f}; rank p99 {rank[1]:.1f}")
    print(f"  batch rank {len(batch):,} events in {seconds:.1f} s = {rate:,.0f} events/s")
    return [
        f"| single event, predict_proba ({what}; warm, {calls} calls, one row each) | p50 {proba[0]:.1f} ms, "
        f"p99 {proba[1]:.1f} ms | p99 <= 10 ms | {_verdict(proba[1] <= 10)} |",
        f"| single event, rank ({what}; warm, {calls} calls) | p50 {rank[0]:.1f} ms, p99 {rank[1]:.1f} ms "
        f"| p99 <= 10 ms | {_verdict(rank[1] <= 10)} |",
        f"| batch rank, {len(batch):,} {what} in one call | {seconds:.1f} s, **{rate:,.0f} events/s** "
        f"| >= 2,000 events/s | {_verdict(rate >= 2000)} |",
    ]


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def bento_lines(frame: pd.DataFrame, calls: int, workdir: Path) -> list[str]:
    """Serve the champion with `bentoml serve` and time single-event calls through HttpPredictor."""
    tracked = subprocess.run(
        ["git", "ls-files", "--error-unmatch", "serving/bento_service.py", "serving/predictor.py"],
        cwd=ROOT,
        capture_output=True,
    )
    if tracked.returncode != 0:
        return [
            "| BentoML HTTP | not measured in this run: serving/ was not committed yet | p99 <= 10 ms | — |"
        ]
    import httpx

    from serving.predictor import HttpPredictor

    port = 3917
    env = os.environ | {"BENTOML_HOME": str(workdir / "bentoml"), "BENTOML_DO_NOT_TRACK": "true"}
    command = [
        str(Path(sys.executable).with_name("bentoml")),
        "serve",
        "serving.bento_service:DispatchService",
    ]
    log = (workdir / "bento.log").open("w")
    server = subprocess.Popen([*command, "--port", str(port)], cwd=ROOT, env=env, stdout=log, stderr=log)
    try:
        url = f"http://127.0.0.1:{port}"
        started = time.perf_counter()
        while time.perf_counter() - started < 90:
            try:
                if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        ready = time.perf_counter() - started
        client = HttpPredictor(url)
        one = [frame.iloc[[i]] for i in range(len(frame))]
        p50, p99 = percentiles_ms(lambda i: client.rank(one[i % len(one)]), calls)
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    print(f"  bentoml ready in {ready:.1f} s; HTTP rank p50 {p50:.1f} ms p99 {p99:.1f} ms")
    return [
        f"| BentoML HTTP, HttpPredictor.rank, one event ({calls} calls; server ready in {ready:.1f} s) "
        f"| p50 {p50:.1f} ms, p99 {p99:.1f} ms | p99 <= 10 ms (in-process target) | {_verdict(p99 <= 10)} |"
    ]


# ---- the run -----------------------------------------------------------------------------------------


def public_section(args: argparse.Namespace, frame: pd.DataFrame, labels: pd.Series) -> list[str]:
    """Cross-validate every model on the public data; return the report section."""
    models = {
        OURS: ours(head="auto"),
        f"{OURS} + time_col (hour, weekday)": ours(head="auto", time_col="time"),
        SVC: baseline_svc,
        "TF-IDF + MultinomialNB": baseline_nb,
        "majority class": baseline_majority,
    }
    print(f"public data: {len(frame)} messages, {labels.nunique()} labels, {args.repeats} x 5-fold")
    results, classes, y_index, _ = cross_validate(models, frame, labels, args.repeats, args.jobs)
    counts = ", ".join(f"{label} {n}" for label, n in labels.value_counts().items())
    return [
        "## Public data: TipDM 2020 C 附件2",
        "",
        f"{len(frame)} messages, {len(classes)} first-level categories ({counts}). "
        f"Repeated stratified 5-fold, {args.repeats} repeats (seed 0), the same splits for every model. "
        "Each figure is the mean over repeats of the metric on that repeat's pooled out-of-fold "
        "predictions, with a 95% Student-t interval over the repeats. The repeats share their data, so "
        "that interval shows split-to-split variation, not the uncertainty of a 495-message sample: "
        "for the gain over LinearSVC the per-fold interval with the Nadeau-Bengio correction "
        "(variance x (1/n + 0.2/0.8)) is the one to trust. LinearSVC has no probabilities: "
        "ECE and coverage n/a, top-3 from its decision scores. The majority class gives every event the "
        "same confidence, so its coverage (from `coverage_at_precision`, which does not group ties) "
        "is an artefact of row order and its ECE of 0 only says the prior is calibrated.",
        "",
        *comparison_lines(results, args.repeats),
        "",
        *detail_lines(results[OURS], classes, y_index),
        "",
    ]


def demo_section(args: argparse.Namespace, events: pd.DataFrame, duties: dict[str, str]) -> list[str]:
    """Cross-validate on a sample of the demo district's department labels; return the report section."""
    from features.dispatch import CATEGORICAL_COLUMNS, TIME_COLUMN

    sample = stratified_sample(events, args.demo_sample, seed=1)
    params = {"categorical_cols": CATEGORICAL_COLUMNS, "time_col": TIME_COLUMN, "descriptions": duties}
    models = {
        f"{OURS} (text, structure, duties)": ours(head="auto", **params),
        SVC: baseline_svc,
        "TF-IDF + MultinomialNB": baseline_nb,
        "majority class": baseline_majority,
    }
    print(f"demo district: {len(sample)} of {len(events)} events, {args.demo_repeats} x 5-fold")
    results, _, _, _ = cross_validate(
        models, sample, sample["label"], args.demo_repeats, args.jobs, extra_classes=tuple(duties)
    )
    return [
        "## Demo district: department labels",
        "",
        f"`butler seed --scale medium --seed 42 --now {DEMO_NOW}` into a temporary SQLite database: "
        f"{len(events):,} labelled events over {events['label'].nunique()} departments, "
        f"{len(duties)} duty texts. Cross-validated on a stratified sample of {len(sample):,} events, "
        f"{args.demo_repeats} x 5-fold (fewer, to stay within the time budget); "
        "our model gets the structured columns (source, reporter type, street, report time) and the duty "
        "texts; the baselines get the text only, as the public data's baselines do.",
        "",
        *comparison_lines(results, args.demo_repeats),
        "",
    ]


def speed_section(args, frame, labels, events, duties) -> list[str]:
    """Time training, latency, throughput, memory and HTTP serving; return the report section."""
    from features.dispatch import CATEGORICAL_COLUMNS, TIME_COLUMN

    model, fit_public = timed(lambda: DispatchClassifier(head="auto").fit(frame[["text"]], labels))
    print(f"  public training {fit_public:.1f} s, head {model.head_}")
    batch = unlabelled_texts(args.data / "attach3_full.utf8.csv")
    rows = speed_lines(model, frame[["text"]], batch, args.calls)
    uri, log_seconds = register(model, frame[["text"]].head(2))
    memory = load_memory(uri)
    delta = memory["after_mb"] - memory["before_mb"]
    print(f"  loaded-model RSS delta {delta:.0f} MB")
    rows.append(
        f"| loaded-model memory (fresh process, RSS after `mlflow.sklearn.load_model` minus before) "
        f"| {delta:.0f} MB (process {memory['after_mb']:.0f} MB; load {memory['seconds']:.2f} s; "
        f"log + register {log_seconds:.1f} s) | — | — |"
    )
    rows += bento_lines(frame[["text"]], args.calls, args.workdir)
    big = stratified_sample(events, args.train_rows, seed=2)
    params = {"categorical_cols": CATEGORICAL_COLUMNS, "time_col": TIME_COLUMN, "descriptions": duties}
    demo_model, fit_big = timed(lambda: DispatchClassifier(head="auto", **params).fit(big, big["label"]))
    print(f"  10k training {fit_big:.1f} s, head {demo_model.head_}")
    unseen = events.drop(index=big.index).drop(columns="label").head(10_000)
    rows += speed_lines(demo_model, unseen, unseen, args.calls, what="demo-district events")
    rows += [
        f"| training, public data ({len(frame)} messages, head=auto, chose {model.head_}) "
        f"| {fit_public:.1f} s | — | — |",
        f"| training, {len(big):,} demo-district events ({big['label'].nunique()} departments, head=auto, "
        f"chose {demo_model.head_}) | **{fit_big:.1f} s** | < 120 s (10,000) | {_verdict(fit_big < 120)} |",
    ]
    sampled = "" if len(events) >= args.train_rows else " (sampled with replacement: fewer labelled events)"
    return [
        "## Speed and memory",
        "",
        f"One process, {os.cpu_count()} cores. The public-data model (text only) for latency, throughput "
        f"and memory, on TipDM messages (about {batch['text'].str.len().mean():.0f} characters); a "
        f"stratified sample of {len(big):,} demo-district events{sampled} for the 10k training time, and "
        f"that model's latency and throughput on {len(unseen):,} other demo events (hotline-length "
        f"texts, about {unseen['text'].str.len().mean():.0f} characters, with structured columns). "
        "Wall-clock times; the load average is in the header.",
        "",
        "| measure | figure | target | |",
        "|---|---|---|---|",
        *rows,
        "",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeats", type=int, default=5, help="Repeats of 5-fold CV on the public data.")
    parser.add_argument(
        "--demo-repeats", type=int, default=1, help="Repeats of 5-fold CV on the demo district."
    )
    parser.add_argument(
        "--demo-sample", type=int, default=3000, help="Demo-district events to cross-validate."
    )
    parser.add_argument(
        "--train-rows", type=int, default=DEMO_ROWS, help="Demo events for the training time."
    )
    parser.add_argument("--calls", type=int, default=500, help="Single-event calls to time.")
    parser.add_argument("--jobs", type=int, default=2, help="Folds fitted in parallel during CV.")
    parser.add_argument("--report", type=Path, default=REPORT)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-dispatch-") as workdir:
        args.workdir = Path(workdir)
        isolate(args.workdir)
        frame, labels = public_data(args.data / "attach2_sample495.utf8.csv")
        public = public_section(args, frame, labels)
        events, duties, seed_seconds = demo_district(args.workdir)
        print(f"demo district seeded in {seed_seconds:.1f} s: {len(events):,} labelled events")
        demo = demo_section(args, events, duties)
        speed = speed_section(args, frame, labels, events, duties)
    write_report(args, time.perf_counter() - started, [*public, *demo, *speed])


def isolate(workdir: Path) -> None:
    """Point BUTLER_VAR_DIR (MLflow store, jieba cache) at the temporary folder, before anything reads it."""
    from core_app.config import get_settings
    from features.text.tokenize import warm_up

    os.environ["BUTLER_VAR_DIR"] = str(workdir / "var")
    os.environ.pop("MLFLOW_TRACKING_URI", None)
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    get_settings.cache_clear()
    warm_up()
    jieba.initialize()


def write_report(args: argparse.Namespace, seconds: float, sections: list[str]) -> None:
    options = f"--repeats {args.repeats} --demo-repeats {args.demo_repeats} --demo-sample {args.demo_sample}"
    lines = [
        "# Dispatch benchmark (`models/dispatch`)",
        "",
        f"- date: {datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- command: `.venv/bin/python benchmarks/bench_dispatch.py {options}` (`make bench-dispatch`)",
        f"- machine: {os.cpu_count()} cores, {platform.machine()}, Python {platform.python_version()}; "
        f"CV folds {args.jobs} at a time, timings in one process",
        f"- whole run: {seconds / 60:.1f} minutes; load average at the end (1, 5, 15 min): "
        + ", ".join(f"{load:.1f}" for load in os.getloadavg()),
        "- targets (issue 6; quoted, not tuned to): macro-F1 >= LinearSVC + 0.05, top-3 >= 0.95, "
        "ECE <= 0.05, in-process p99 <= 10 ms, batch >= 2,000 events/s, 10,000-event training < 2 min",
        "- baselines: sklearn `TfidfVectorizer` defaults with plain `jieba.lcut` tokens; `LinearSVC()`, "
        "`MultinomialNB()`; majority = `DummyClassifier(strategy='prior')`",
        "",
        *sections,
    ]
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.report}")


if __name__ == "__main__":
    main()
