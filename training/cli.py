"""``butler train dispatch`` and ``butler models promote dispatch``."""

import logging
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from models.dispatch import DispatchError

train_app = typer.Typer(help="Train models and register them in MLflow.", no_args_is_help=True)
models_app = typer.Typer(help="Registered models: promotion.", no_args_is_help=True)
console = Console()
err_console = Console(stderr=True)
log = logging.getLogger(__name__)

SHOWN_METRICS = ("accuracy", "macro_f1", "top3_accuracy", "ece", "coverage_at_95", "coverage_at_97")


@train_app.command("dispatch")
def train_dispatch_command(
    data: Annotated[
        Path | None,
        typer.Option(help="A labelled history (CSV in UTF-8 or GBK, or XLSX); default: the database."),
    ] = None,
    text_col: Annotated[
        list[str] | None, typer.Option(help="Text column(s) of --data; several are joined. Repeatable.")
    ] = None,
    label_col: Annotated[
        str | None, typer.Option(help="Label column of --data (department, category...).")
    ] = None,
    feature_col: Annotated[
        list[str] | None,
        typer.Option(help="Categorical column(s) of --data to use too (channel, street...)."),
    ] = None,
    time_col: Annotated[
        str | None, typer.Option(help="Report-time column of --data (hour and weekday).")
    ] = None,
    min_label_count: Annotated[
        int,
        typer.Option(
            min=1, help="Labels with fewer examples are not learned; such events go to a dispatcher."
        ),
    ] = 2,
    target_precision: Annotated[
        float, typer.Option(min=0.5, max=1.0, help="Precision the auto-dispatch threshold is chosen for.")
    ] = 0.95,
    search_seconds: Annotated[
        float, typer.Option(min=0, help="Time budget of the hyper-parameter search.")
    ] = 60,
    register: Annotated[bool, typer.Option(help="Register the model in the MLflow registry.")] = True,
    if_no_champion: Annotated[
        bool, typer.Option("--if-no-champion", help="Do nothing (exit 0) when a champion is registered.")
    ] = False,
) -> None:
    """Train the dispatch model on a labelled file or the database's dispatched events; log, register."""
    from training import dispatch

    if if_no_champion and dispatch.champion_version() is not None:
        console.print(f"dispatch v{dispatch.champion_version()} is champion already; not training")
        return
    try:
        X, y, options = _training_input(data, text_col or [], label_col, feature_col or [], time_col)
        with console.status("training the dispatch model..."):
            result = dispatch.train_dispatch(
                X,
                y,
                min_label_count=min_label_count,
                target_precision=target_precision,
                search_seconds=search_seconds,
                register=register,
                **options,
            )
    except (DispatchError, pd.errors.ParserError) as exc:
        _fail(str(exc))
    _show(result)


def _training_input(
    data: Path | None,
    text_cols: list[str],
    label_col: str | None,
    feature_cols: list[str],
    time_col: str | None,
) -> tuple[pd.DataFrame, pd.Series, dict]:
    """Return (X, y, train options) from the file, or from the database when no file is given."""
    from training import data as data_io

    if data is None:
        if text_cols or label_col or feature_cols or time_col:
            raise DispatchError("--text-col, --label-col, --feature-col and --time-col go with --data")
        return _database_input()
    if not text_cols or not label_col:
        raise DispatchError(
            "with --data, name the text column(s) (--text-col) and the label column (--label-col)"
        )
    table = data_io.read_table(data)
    extra = [*feature_cols, *([time_col] if time_col else [])]
    X, y = data_io.training_rows(table, text_cols, label_col, extra)
    return X, y, {"source": str(data), "categorical_cols": tuple(feature_cols), "time_col": time_col}


def _database_input() -> tuple[pd.DataFrame, pd.Series, dict]:
    from core_app.db.session import session_scope
    from features import dispatch as event_features

    with session_scope() as session:
        events = event_features.labelled_events(session)
        duties = event_features.department_duties(session)
    if events.empty:
        raise DispatchError(
            "the database has no dispatched events to learn from; run `butler seed` or import events"
        )
    y = events.pop("label")
    options = {
        "source": "database",
        "categorical_cols": event_features.CATEGORICAL_COLUMNS,
        "time_col": event_features.TIME_COLUMN,
        "descriptions": duties,
    }
    return events.drop(columns="event_id"), y, options


def _show(result) -> None:
    table = Table(title="dispatch model: held-out evaluation")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name in SHOWN_METRICS:
        table.add_row(name, f"{result.metrics[name]:.4f}")
    console.print(table)
    model = result.model
    console.print(
        f"labels {len(model.classes_)}, head {model.head_}, C {model.C}, "
        f"abstain below {model.threshold_:.3f} (auto-dispatch {model.validation_coverage_:.0%} "
        f"at {model.target_precision:.0%} precision in validation)"
    )
    if model.rare_labels_:
        console.print(
            f"not learned (fewer than {model.min_label_count} examples): {', '.join(model.rare_labels_)}"
        )
    if result.version:
        console.print(
            f"registered dispatch v{result.version} as {', '.join(result.aliases)} (run {result.run_id})"
        )
        if "champion" not in result.aliases:
            console.print(
                "the champion is unchanged: `butler models promote dispatch` moves it if this model is as "
                f"good, or score with this one by `--model v{result.version}`"
            )
    else:
        console.print(f"logged run {result.run_id} (not registered)")


@models_app.command("promote")
def promote_command(
    name: Annotated[str, typer.Argument(help="Registered model name (only `dispatch` so far).")],
) -> None:
    """Make the challenger champion if it is at least as good on the challenger's evaluation set."""
    from training import dispatch, tracking

    if name != tracking.DISPATCH_MODEL:
        _fail(f"unknown model {name!r}; known: {tracking.DISPATCH_MODEL}")
    try:
        outcome = dispatch.promote()
    except DispatchError as exc:
        _fail(str(exc))
    console.print(outcome.message())
    if not outcome.promoted:
        raise typer.Exit(1)


def _fail(message: str) -> None:
    err_console.print(f"[red]error:[/red] {message}")
    raise typer.Exit(2)


DEFAULT_PUBLIC_DIR = Path("../shared/data")
EMOTION_SHOWN = ("accuracy", "macro_f1", "binary_macro_f1", "binary_roc_auc", "anger_recall")


@train_app.command("emotion")
def train_emotion_command(
    data: Annotated[
        Path | None,
        typer.Option(help="A labelled file (CSV UTF-8/GBK or XLSX); default: the public corpora."),
    ] = None,
    text_col: Annotated[str | None, typer.Option(help="Text column of --data.")] = None,
    label_col: Annotated[
        str | None,
        typer.Option(help="Polarity column of --data (negative/neutral/positive, 0/1, 消极/积极)."),
    ] = None,
    public_dir: Annotated[
        Path, typer.Option(help="Folder with smp2020_ewect/ and chnsenticorp_htl/ (when no --data).")
    ] = DEFAULT_PUBLIC_DIR,
    C: Annotated[
        float, typer.Option("--c", min=0.001, help="Inverse regularisation of the classifier.")
    ] = 2.0,
    register: Annotated[bool, typer.Option(help="Register the model in the MLflow registry.")] = True,
    write_default: Annotated[
        bool, typer.Option("--write-default", help="Also write it as the package's shipped default model.")
    ] = False,
    if_no_champion: Annotated[
        bool, typer.Option("--if-no-champion", help="Do nothing (exit 0) when a champion is registered.")
    ] = False,
) -> None:
    """Train the emotion model on a labelled file or the public corpora; log, register (and ship)."""
    from models.emotion.estimator import EmotionError
    from serving.emotion import packaged_model_path
    from training import emotion
    from training.data import read_table

    if if_no_champion and emotion.champion_version() is not None:
        console.print(f"emotion v{emotion.champion_version()} is champion already; not training")
        return
    try:
        if data is None:
            if text_col or label_col:
                raise EmotionError("--text-col and --label-col go with --data")
            frame, source = emotion.public_corpus(public_dir), f"public corpora in {public_dir}"
        else:
            if not text_col or not label_col:
                raise EmotionError(
                    "with --data, name the text column (--text-col) and the label (--label-col)"
                )
            frame, source = emotion.labelled_file(read_table(data), text_col, label_col), str(data)
        frame = frame[frame["polarity"].notna()].reset_index(drop=True)
        with console.status(f"training the emotion model on {len(frame)} texts..."):
            result = emotion.train_emotion(frame, source=source, C=C, register=register)
    except (EmotionError, DispatchError, pd.errors.ParserError) as exc:
        _fail(str(exc))
    _show_emotion(result)
    if write_default:
        size = emotion.write_default(result.model, packaged_model_path())
        console.print(f"wrote the shipped default model {packaged_model_path()} ({size / 1e6:.1f} MB)")


def _show_emotion(result) -> None:
    table = Table(title="emotion model: held-out evaluation")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for name in EMOTION_SHOWN:
        if name in result.metrics:
            table.add_row(name, f"{result.metrics[name]:.4f}")
    console.print(table)
    if result.version:
        console.print(
            f"registered emotion v{result.version} as {', '.join(result.aliases)} (run {result.run_id})"
        )
    else:
        console.print(f"logged run {result.run_id} (not registered)")


RECOMMEND_SHOWN = {"recall_at_5": "recall@5", "mrr": "MRR@10", "coverage": "coverage@5"}


@train_app.command("recommend")
def train_recommend_command(
    horizon_days: Annotated[
        int, typer.Option(help="Days after a cutoff whose started matters are the ones to recommend.")
    ] = 60,
    cutoff: Annotated[
        str | None,
        typer.Option(help="Test cutoff YYYY-MM-DD (default: the last case's day + 1 - horizon)."),
    ] = None,
    register: Annotated[bool, typer.Option(help="Register the model in the MLflow registry.")] = True,
    if_no_champion: Annotated[
        bool, typer.Option("--if-no-champion", help="Do nothing (exit 0) when a champion is registered.")
    ] = False,
) -> None:
    """Train the next-matter recommender on the database's cases; compare with the baselines; register."""
    from datetime import date

    from models.recommend import RecommendError
    from training import recommend

    if if_no_champion and recommend.champion_version() is not None:
        console.print(f"recommender v{recommend.champion_version()} is champion already; not training")
        return
    try:
        day = date.fromisoformat(cutoff) if cutoff else None
    except ValueError:
        _fail(f"--cutoff: {cutoff!r} is not a date (YYYY-MM-DD)")
    try:
        histories, profiles, matters = _recommend_input()
        with console.status("training the recommender...") as status:
            result = recommend.train_recommender(
                histories,
                profiles,
                matters,
                source="database",
                horizon_days=horizon_days,
                cutoff=day,
                register=register,
                on_step=lambda message: status.update(f"recommender: {message}..."),
            )
    except RecommendError as exc:
        _fail(str(exc))
    _show_recommend(result)


def _recommend_input():
    from core_app.db.session import session_scope
    from models.recommend import RecommendError
    from training import recommend

    with session_scope() as session:
        histories, profiles, matters = recommend.database_input(session)
    if histories.empty:
        raise RecommendError("the database has no cases to learn from; run `butler seed` or import cases")
    return histories, profiles, matters


def _show_recommend(result) -> None:
    evaluation = result.evaluation
    dates = evaluation.dates
    table = Table(
        title=f"next-matter recommendation at {dates.test:%Y-%m-%d} "
        f"({int(evaluation.sizes['evaluated_subjects']):,} applicants, {dates.horizon_days}-day horizon)"
    )
    table.add_column("method")
    table.add_column("hit@5 [95% CI]", justify="right")
    for label in RECOMMEND_SHOWN.values():
        table.add_column(label, justify="right")
    for _, row in evaluation.overall.iterrows():
        table.add_row(
            row["method"],
            f"{row['hit_at_5']:.3f} [{row['hit_at_5_low']:.3f}, {row['hit_at_5_high']:.3f}]",
            *[f"{row[name]:.3f}" for name in RECOMMEND_SHOWN],
        )
    console.print(table)
    if result.version:
        console.print(
            f"registered recommender v{result.version} as {', '.join(result.aliases)} (run {result.run_id})"
        )
    else:
        console.print(f"logged run {result.run_id} (not registered)")
