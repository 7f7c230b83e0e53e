"""`butler emotion score`: emotion, urgency and priority for one text or every row of a file."""

import json
import logging
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from core_app.dispatch.cli import EXIT_BAD_INPUT, write_table

log = logging.getLogger(__name__)
SCORE_COLUMNS = ("polarity", "score", "intensity", "urgent", "important", "priority", "root_words")

app = typer.Typer(help="Emotion: polarity, intensity, urgency and priority of texts.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg="red")
    return typer.Exit(EXIT_BAD_INPUT)


def cli_lexicon():
    """Return the database's active lexicon when a migrated database is there, else the shipped one.

    A fresh install has no database: scoring must not create one, so a missing SQLite file is not opened.
    """
    from features.emotion.lexicon import Lexicon

    try:
        from sqlalchemy import inspect

        from core_app.config import get_settings
        from core_app.db.session import session_scope
        from core_app.emotion.lexicon import active_lexicon

        url = get_settings().resolved_database_url
        if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
            return Lexicon.packaged()
        with session_scope() as session:
            if not inspect(session.get_bind()).has_table("emotion_lexicon_versions"):
                return Lexicon.packaged()
            return active_lexicon(session)
    except Exception as exc:  # noqa: BLE001 - any database trouble means the shipped lexicon, said once
        log.info("emotion lexicon: using the shipped one (%s)", exc)
        return Lexicon.packaged()


def with_priority(analysis: pd.DataFrame) -> pd.DataFrame:
    """Add `priority` (p1-p4) and `priority_reasons` from the text alone (no repeat or category input).

    `urgent` and `important` become the priority's own flags (a strong emotion makes a text important too),
    so the columns never contradict `priority`.
    """
    from core_app.emotion.priority import priority_input
    from models.emotion.priority import decide_priority, priority_flags

    decided = [decide_priority(priority_input(row)) for row in analysis.itertuples(index=False)]
    out = analysis.copy()
    out["priority"] = [priority for priority, _ in decided]
    out["priority_reasons"] = [reasons for _, reasons in decided]
    flags = [priority_flags(priority) for priority, _ in decided]
    out["urgent"] = [urgent for urgent, _ in flags]
    out["important"] = [important for _, important in flags]
    return out


def score_texts(texts: list[str]) -> tuple[pd.DataFrame, str]:
    """Return the analysis with priority for TEXTS, and the model version that scored them."""
    from serving.emotion import emotion_predictor

    predictor = emotion_predictor()
    return with_priority(predictor.score(texts, lexicon=cli_lexicon())), predictor.version


@app.command("score")
def score(
    text: Annotated[str | None, typer.Option("--text", help="One text to score; prints JSON.")] = None,
    data: Annotated[Path | None, typer.Option("--data", help="CSV (UTF-8 or GBK) or Excel file.")] = None,
    text_col: Annotated[
        list[str] | None, typer.Option("--text-col", help="Text column of --data; repeat to join several.")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Output .csv (UTF-8) or .xlsx for --data.")
    ] = None,
) -> None:
    """Score --text, or every row of --data into --out: the input columns plus polarity, score, intensity,
    urgent, important, priority and root_words."""
    from models.dispatch import DispatchError
    from serving.emotion import EmotionModelUnavailable
    from training.data import read_table, text_frame

    if (text is None) == (data is None):
        raise _fail("give either --text or --data (with --text-col and --out)")
    try:
        if text is not None:
            analysis, version = score_texts([text])
            row = analysis.iloc[0].to_dict()
            typer.echo(json.dumps({**row, "model_version": version}, ensure_ascii=False, default=str))
            return
        if out is None or not text_col:
            raise _fail("--data needs --text-col and --out")
        if not out.parent.is_dir():
            raise _fail(f"{out.parent}: no such folder for the output file")
        table = read_table(data)
        texts = text_frame(table, text_col)["text"].tolist()
        analysis, version = score_texts(texts)
    except (DispatchError, EmotionModelUnavailable) as exc:
        raise _fail(str(exc)) from None
    result = table.drop(columns=[c for c in SCORE_COLUMNS if c in table.columns]).reset_index(drop=True)
    for column in SCORE_COLUMNS:
        result[column] = analysis[column].to_numpy()
    try:
        write_table(result, out)
    except OSError as exc:
        raise _fail(f"{out}: cannot write ({exc.strerror or exc})") from None
    counts = result["polarity"].value_counts().to_dict()
    typer.echo(f"{len(result)} rows scored with emotion model {version}: {counts} -> {out}")
