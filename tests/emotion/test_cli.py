"""`butler emotion score` on a fresh install: the shipped model, the exact output columns, bad input."""

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from core_app.cli import app
from core_app.config import get_settings
from serving import emotion as serving_emotion

SCORE_COLUMNS = ["polarity", "score", "intensity", "urgent", "important", "priority", "root_words"]
runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_install(tmp_path, monkeypatch):
    """No database, no MLflow store: what a fresh install has."""
    monkeypatch.setenv("BUTLER_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    monkeypatch.delenv("BUTLER_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    serving_emotion.reset()
    yield
    serving_emotion.reset()
    get_settings.cache_clear()


def _score(*args: str):
    return runner.invoke(app, ["emotion", "score", *args])


def test_one_text_prints_its_analysis_as_json_with_the_shipped_model(tmp_path) -> None:
    result = _score("--text", "小区燃气泄漏好几天了，多次投诉没人管，非常愤怒！")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer["polarity"] == "negative" and answer["score"] < -0.5
    assert answer["urgent"] and answer["important"] and answer["priority"] == "p1"
    assert answer["model_version"] == serving_emotion.PACKAGED
    assert not (tmp_path / "var" / "butler.db").exists()  # scoring created no database
    assert not (tmp_path / "var" / "mlflow" / "mlflow.db").exists()


def test_a_file_gets_exactly_the_input_columns_plus_the_score_columns(tmp_path) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame(
        {
            "id": ["a1", "a2", "a3", "a4"],
            "content": ["服务很周到，非常满意，谢谢", "态度恶劣，推诿扯皮，太让人失望了", "", "😂😂"],
        }
    ).to_csv(source, index=False)
    out = tmp_path / "out.csv"
    result = _score("--data", str(source), "--text-col", "content", "--out", str(out))
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, keep_default_na=False)
    assert list(written.columns) == ["id", "content", *SCORE_COLUMNS]
    assert written["polarity"].tolist()[:3] == ["positive", "negative", "neutral"]
    assert written["score"].between(-1, 1).all() and written["intensity"].between(0, 1).all()
    assert written.loc[2, "score"] == 0 and set(written["priority"]) <= {"p1", "p2", "p3", "p4"}
    assert "推诿" in written.loc[1, "root_words"] or "恶劣" in written.loc[1, "root_words"]


def test_a_gbk_file_and_an_excel_output_work(tmp_path) -> None:
    source = tmp_path / "gbk.csv"
    pd.DataFrame({"text": ["噪音扰民，无法休息"]}).to_csv(source, index=False, encoding="gbk")
    out = tmp_path / "out.xlsx"
    result = _score("--data", str(source), "--text-col", "text", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert pd.read_excel(out)["polarity"].tolist() == ["negative"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give either --text or --data"),
        (["--text", "好", "--data", "x.csv"], "give either --text or --data"),
        (["--data", "missing.csv", "--text-col", "t", "--out", "o.csv"], "no such file"),
        (["--data", "{src}", "--out", "{out}"], "--data needs --text-col and --out"),
        (["--data", "{src}", "--text-col", "nope", "--out", "{out}"], "unknown text column"),
        (["--data", "{src}", "--text-col", "text", "--out", "/no/such/dir/o.csv"], "no such folder"),
    ],
)
def test_bad_input_is_one_line_and_exit_2_with_nothing_written(tmp_path, args, message) -> None:
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["好"]}).to_csv(source, index=False)
    out = tmp_path / "o.csv"
    result = _score(*[a.format(src=source, out=out) for a in args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_the_shipped_model_is_small_and_loads(tmp_path) -> None:
    path = serving_emotion.packaged_model_path()
    assert path.is_file() and path.stat().st_size < 8_000_000
    assert list(serving_emotion.load_packaged().classes_) == ["negative", "neutral", "positive"]


def test_urgent_and_important_never_contradict_the_priority(tmp_path) -> None:
    source = tmp_path / "in.csv"
    texts = [
        "楼道里燃气泄漏，非常着急，气死了！",
        "态度恶劣，推诿扯皮，非常愤怒",
        "请问社保卡在哪里办",
        "多次投诉，媒体曝光",
    ]
    pd.DataFrame({"text": texts}).to_csv(source, index=False)
    out = tmp_path / "out.csv"
    assert _score("--data", str(source), "--text-col", "text", "--out", str(out)).exit_code == 0
    written = pd.read_csv(out)
    expected = {"p1": (True, True), "p2": (True, False), "p3": (False, True), "p4": (False, False)}
    for row in written.itertuples():
        assert (row.urgent, row.important) == expected[row.priority]
    assert set(written["priority"]) >= {"p1", "p3", "p4"}
