"""`butler dispatch predict`: the output columns, blank texts, Excel, and errors without tracebacks."""

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from core_app.cli import app
from tests.serving.fixtures import TEXTS

RANK_COLUMNS = ["top1", "top1_prob", "top2", "top2_prob", "top3", "top3_prob", "abstain", "model_version"]
runner = CliRunner()


def _input(tmp_path: Path, name: str = "in.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    table = pd.DataFrame(
        {
            "编号": ["1", "2", "3", "4"],
            "主题": ["停水", "路灯", "", "占道"],
            "详情": [TEXTS["WATER"], TEXTS["ROAD"], "   ", TEXTS["CITY"]],
        }
    )
    if path.suffix == ".xlsx":
        table.to_excel(path, index=False)
    else:
        table.to_csv(path, index=False, encoding=encoding)
    return path


def _predict(*args: str):
    return runner.invoke(app, ["dispatch", "predict", *args])


def test_writes_input_columns_plus_the_rank_columns(dispatch_store, tmp_path) -> None:
    out = tmp_path / "out.csv"
    result = _predict(
        "--data", str(_input(tmp_path)), "--text-col", "主题", "--text-col", "详情", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert f"4 rows scored with dispatch model version {dispatch_store.version}" in result.output
    assert "(1 with empty text)" in result.output
    assert not out.read_bytes().startswith(b"\xef\xbb\xbf")  # no BOM: scripts read the first header as is
    written = pd.read_csv(out, encoding="utf-8", dtype={"编号": str})
    assert list(written.columns) == ["编号", "主题", "详情", *RANK_COLUMNS]
    assert written["top1"].tolist()[:2] == ["WATER", "ROAD"] and written.loc[3, "top1"] == "CITY"
    assert written.loc[2, "abstain"] and pd.isna(written.loc[2, "top1"])
    assert (written["model_version"].astype(str) == dispatch_store.version).all()


def test_gbk_input_and_excel_output(dispatch_store, tmp_path) -> None:
    out = tmp_path / "out.xlsx"
    data = _input(tmp_path, "gbk.csv", encoding="gbk")
    result = _predict(
        "--data", str(data), "--text-col", "详情", "--out", str(out), "--model", dispatch_store.version
    )
    assert result.exit_code == 0, result.output
    written = pd.read_excel(out)
    assert written.columns.tolist()[-len(RANK_COLUMNS) :] == RANK_COLUMNS and len(written) == 4


def test_excel_input(dispatch_store, tmp_path) -> None:
    out = tmp_path / "out.csv"
    result = _predict("--data", str(_input(tmp_path, "in.xlsx")), "--text-col", "详情", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert pd.read_csv(out, encoding="utf-8")["top1"].iloc[0] == "WATER"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--data", "{tmp}/missing.csv", "--text-col", "详情"], "no such file"),
        (["--data", "{input}", "--text-col", "正文"], "unknown text column"),
        (["--data", "{input}", "--text-col", "详情", "--model", "v99"], "version 99"),
        (["--data", "{input}", "--text-col", "详情", "--model", "nosuch"], "butler train dispatch"),
    ],
)
def test_bad_input_is_a_message_and_exit_2_with_no_output(dispatch_store, tmp_path, args, message) -> None:
    out = tmp_path / "out.csv"
    filled = [a.format(tmp=tmp_path, input=_input(tmp_path)) for a in args]
    result = _predict(*filled, "--out", str(out))
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists() and list(tmp_path.glob(".out.csv*")) == []


def test_no_registered_model_is_exit_2(empty_store, tmp_path) -> None:
    out = tmp_path / "out.csv"
    result = _predict("--data", str(_input(tmp_path)), "--text-col", "详情", "--out", str(out))
    assert result.exit_code == 2 and "butler train dispatch" in result.output
    assert not out.exists()


def test_an_empty_file_and_a_missing_output_folder(dispatch_store, tmp_path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("编号,详情\n", encoding="utf-8")
    result = _predict("--data", str(empty), "--text-col", "详情", "--out", str(tmp_path / "o.csv"))
    assert result.exit_code == 2 and "no data rows" in result.output
    result = _predict(
        "--data", str(_input(tmp_path)), "--text-col", "详情", "--out", str(tmp_path / "no/o.csv")
    )
    assert result.exit_code == 2 and "no such folder" in result.output
