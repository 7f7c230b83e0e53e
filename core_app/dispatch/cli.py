"""`butler dispatch predict`: rank departments (or any labels) for every row of a CSV or Excel file."""

import os
import tempfile
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

EXIT_BAD_INPUT = 2
RANK_COLUMNS = ("top1", "top1_prob", "top2", "top2_prob", "top3", "top3_prob", "abstain", "model_version")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")

app = typer.Typer(help="Dispatch model: rank departments for events.", no_args_is_help=True)


def _fail(message: str) -> typer.Exit:
    typer.secho(f"error: {message}", err=True, fg="red")
    return typer.Exit(EXIT_BAD_INPUT)


def predictions(table: pd.DataFrame, text_cols: list[str], model: str) -> tuple[pd.DataFrame, str]:
    """Return TABLE plus the rank columns, and the model version used."""
    from serving.predictor import DispatchPredictor
    from training.data import text_frame

    frame = text_frame(table, text_cols)
    predictor = DispatchPredictor(model)
    ranked = predictor.rank(predictor.with_structured(frame, table), k=3)
    out = table.drop(columns=[c for c in RANK_COLUMNS if c in table.columns]).reset_index(drop=True)
    for column in RANK_COLUMNS[:-2]:
        out[column] = ranked[column].to_numpy() if column in ranked.columns else None
    out["abstain"] = ranked["abstain"].to_numpy()
    out["model_version"] = predictor.version
    return out, predictor.version


def write_table(table: pd.DataFrame, out: Path) -> None:
    """Write plain UTF-8 CSV (what other tools read) or .xlsx; all or nothing (temp file, then rename)."""
    excel = out.suffix.lower() in EXCEL_SUFFIXES
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=out.suffix)
    os.close(handle)
    try:
        if excel:
            table.to_excel(temporary, index=False)
        else:
            table.to_csv(temporary, index=False, encoding="utf-8")
        os.replace(temporary, out)
    finally:
        Path(temporary).unlink(missing_ok=True)


@app.command("predict")
def predict(
    data: Annotated[Path, typer.Option("--data", help="CSV (UTF-8 or GBK) or Excel file to score.")],
    text_col: Annotated[
        list[str],
        typer.Option("--text-col", help="Text column; repeat to join several (e.g. title, details)."),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output file: .csv (UTF-8) or .xlsx (for Excel).")],
    model: Annotated[
        str, typer.Option("--model", help="Registered model alias (champion, challenger) or version (3, v3).")
    ] = "champion",
) -> None:
    """Write the input columns plus top1..top3 with probabilities, abstain and model_version.

    Rows with an empty text are kept, with abstain=True and no labels: a dispatcher decides them.
    """
    from models.dispatch import DispatchError
    from serving.predictor import DispatchModelUnavailable
    from training.data import read_table

    if not out.parent.is_dir():
        raise _fail(f"{out.parent}: no such folder for the output file")
    try:
        table = read_table(data)
        result, version = predictions(table, text_col, model)
    except (DispatchError, DispatchModelUnavailable) as exc:
        raise _fail(str(exc)) from None
    try:
        write_table(result, out)
    except OSError as exc:
        raise _fail(f"{out}: cannot write ({exc.strerror or exc})") from None
    abstained = int(result["abstain"].sum())
    empty = int(result["top1"].isna().sum())
    typer.echo(
        f"{len(result)} rows scored with dispatch model version {version}: "
        f"{abstained} abstained ({empty} with empty text) -> {out}"
    )
