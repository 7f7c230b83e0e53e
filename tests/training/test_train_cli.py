"""`butler train dispatch` and `butler models promote dispatch` end to end, with bad input."""

from datetime import datetime
from zoneinfo import ZoneInfo

import mlflow
import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from core_app.cli import app
from core_app.seed import seed_district
from training import tracking

FILE_ARGS = [
    "--text-col",
    "留言主题",
    "--text-col",
    "留言详情",
    "--label-col",
    "一级分类",
    "--search-seconds",
    "0",
]


def train(path, *extra: str):
    return CliRunner().invoke(app, ["train", "dispatch", "--data", str(path), *FILE_ARGS, *extra])


def aliases() -> dict[str, str]:
    tracking.configure()
    return {
        name: str(v)
        for name, v in MlflowClient().get_registered_model(tracking.DISPATCH_MODEL).aliases.items()
    }


def test_first_model_is_champion_then_challengers_are_promoted_only_when_as_good(
    mlflow_home, tipdm_sample, tmp_path
):
    history = tmp_path / "history.csv"
    tipdm_sample.to_csv(history, index=False)
    first = train(history)
    assert first.exit_code == 0, first.output
    assert "macro_f1" in first.output and "registered dispatch v1" in first.output
    assert aliases() == {"champion": "1", "challenger": "1"}
    run = mlflow.get_run(MlflowClient().get_model_version("dispatch", "1").run_id)
    assert run.data.metrics["eval_top3_accuracy"] > 0.8
    assert {"eval_macro_f1", "eval_ece", "eval_coverage_at_95", "eval_coverage_at_97"} <= set(
        run.data.metrics
    )
    artifacts = {a.path for a in MlflowClient().list_artifacts(run.info.run_id)}
    assert {"per_class.csv", "confusion.csv", "evaluation_set.csv", "rare_labels.csv"} <= artifacts

    assert train(history).exit_code == 0
    assert aliases() == {"champion": "1", "challenger": "2"}
    promoted = CliRunner().invoke(app, ["models", "promote", "dispatch"])
    # Same data and seed: the challenger scores what the champion scores on its set, and "as good" wins.
    assert promoted.exit_code == 0, promoted.output
    assert "promoted to champion" in " ".join(promoted.output.split())
    assert aliases()["champion"] == "2"
    loaded = mlflow.sklearn.load_model("models:/dispatch@champion")
    assert set(loaded.classes_) == set(tipdm_sample["一级分类"])

    # Other data, other held-out rows: the champion is scored on the challenger's rows before deciding.
    smaller = tmp_path / "smaller.csv"
    tipdm_sample.groupby("一级分类").head(12).to_csv(smaller, index=False)
    assert train(smaller).exit_code == 0
    compared = CliRunner().invoke(app, ["models", "promote", "dispatch"])
    verdict = " ".join(compared.output.split())
    assert "challenger v3" in verdict and "vs champion v2" in verdict
    assert aliases()["champion"] == ("3" if compared.exit_code == 0 else "2")


def test_gbk_export_is_read(mlflow_home, tipdm_sample, tmp_path):
    history = tmp_path / "gbk.csv"
    tipdm_sample.to_csv(history, index=False, encoding="gb18030")
    result = train(history, "--no-register")
    assert result.exit_code == 0, result.output
    assert "not registered" in result.output


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ("留言主题,一级分类\n", ["--text-col", "留言主题", "--label-col", "一级分类"], "no data rows"),
        ("标题,类别\n停水,供水\n", ["--text-col", "正文", "--label-col", "类别"], "unknown text column"),
        ("标题,类别\n停水,供水\n", ["--text-col", "标题", "--label-col", "部门"], "unknown label column"),
        ("标题,类别\n ,供水\n  ,供水\n", ["--text-col", "标题", "--label-col", "类别"], "no row has both"),
        ("标题,类别\n停水,供水\n路灯,路灯\n", ["--text-col", "标题"], "--label-col"),
    ],
)
def test_bad_files_end_with_a_message_and_exit_2(mlflow_home, tmp_path, content, args, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    result = CliRunner().invoke(app, ["train", "dispatch", "--data", str(path), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_undecodable_file_says_how_to_convert(mlflow_home, tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes(b"title,label\n\xff\xfe\xfa\xfb,x\n")
    result = CliRunner().invoke(
        app, ["train", "dispatch", "--data", str(path), "--text-col", "title", "--label-col", "label"]
    )
    assert result.exit_code == 2
    assert "iconv" in result.output


def test_promote_without_a_challenger_is_refused(mlflow_home):
    result = CliRunner().invoke(app, ["models", "promote", "dispatch"])
    assert result.exit_code == 2
    assert "butler train dispatch" in result.output


def test_trains_on_the_database_events_with_duty_texts(mlflow_home, engine):
    seed_district(
        engine, scale="test", seed=7, now=datetime(2026, 6, 30, 18, tzinfo=ZoneInfo("Asia/Shanghai"))
    )
    result = CliRunner().invoke(app, ["train", "dispatch", "--search-seconds", "0"])
    assert result.exit_code == 0, result.output
    model = mlflow.sklearn.load_model("models:/dispatch@champion")
    assert model.categorical_cols and model.time_col == "reported_at"
    assert model.described_.any()
    again = CliRunner().invoke(app, ["train", "dispatch", "--if-no-champion"])
    assert again.exit_code == 0 and "champion already" in again.output
