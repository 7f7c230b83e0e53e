"""`butler train emotion` end to end: a labelled file is learned, logged, registered and then served."""

import pandas as pd
import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from core_app.cli import app
from serving import emotion as serving_emotion
from tests.emotion.test_estimator import NEGATIVE, NEUTRAL, POSITIVE
from training import tracking

runner = CliRunner()


@pytest.fixture
def labelled(tmp_path):
    path = tmp_path / "labelled.csv"
    rows = [(t, "消极") for t in NEGATIVE] + [(t, "积极") for t in POSITIVE] + [(t, "中性") for t in NEUTRAL]
    pd.DataFrame(rows * 2, columns=["内容", "情感"]).to_csv(path, index=False)
    return path


def _train(*args: str):
    return runner.invoke(app, ["train", "emotion", *args])


def test_a_labelled_file_is_registered_as_champion_and_then_served(mlflow_home, labelled) -> None:
    result = _train("--data", str(labelled), "--text-col", "内容", "--label-col", "情感")
    assert result.exit_code == 0, result.output
    assert "registered emotion v1 as challenger, champion" in result.output
    tracking.configure()
    model = MlflowClient().get_registered_model(tracking.EMOTION_MODEL)
    assert {name: str(v) for name, v in model.aliases.items()} == {"champion": "1", "challenger": "1"}
    serving_emotion.reset()
    try:
        predictor = serving_emotion.emotion_predictor()
        assert (predictor.name, predictor.version) == ("emotion", "1")
        assert predictor.score(["物业推诿扯皮，非常气愤"]).iloc[0]["polarity"] == "negative"
    finally:
        serving_emotion.reset()
    again = _train("--data", str(labelled), "--text-col", "内容", "--label-col", "情感", "--if-no-champion")
    assert again.exit_code == 0 and "champion already; not training" in again.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--text-col", "内容", "--label-col", "情感"], "go with --data"),
        (["--data", "{file}", "--text-col", "内容"], "name the text column"),
        (["--data", "{file}", "--text-col", "正文", "--label-col", "情感"], "unknown text column '正文'"),
        (["--data", "{file}", "--text-col", "内容", "--label-col", "内容"], "unknown labels in '内容'"),
        (["--public-dir", "/nowhere"], "missing smp2020_ewect"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(mlflow_home, labelled, args, message) -> None:
    result = _train(*[a.format(file=labelled) for a in args])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
