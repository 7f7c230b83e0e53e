"""`butler train recommend` on a seeded test district, and its bad-input answers."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from typer.testing import CliRunner

from core_app.cli import app
from core_app.seed import seed_district
from training import recommend

SEED_NOW = datetime(2026, 11, 24, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
runner = CliRunner()


@pytest.fixture
def quick(monkeypatch):
    """One grid point and a few trees: the command's path, not the model's quality, is under test."""
    monkeypatch.setattr(recommend, "GRID", ({"num_leaves": 7, "min_child_samples": 10},))
    monkeypatch.setattr(recommend, "BASE_PARAMS", {"n_estimators": 20, "training_cutoffs": 2})


def train(*args: str):
    return runner.invoke(app, ["train", "recommend", *args])


def test_train_on_a_seeded_district_prints_the_three_methods(engine, mlflow_home, quick) -> None:
    seed_district(engine, scale="test", seed=7, now=SEED_NOW)
    result = train("--no-register")
    assert result.exit_code == 0, result.output
    # The last case is on 11-23 or 11-24: the test cutoff is 60 days before the day after it.
    assert "next-matter recommendation at 2026-09-2" in result.output
    for method in ("popularity", "association rules", "model"):
        assert method in result.output
    assert "not registered" in result.output
    late = train("--cutoff", "2026-11-01", "--no-register")
    assert late.exit_code == 2 and "leaves less than 60 days" in late.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--cutoff", "2026-02-30"], "--cutoff: '2026-02-30' is not a date"),
        (["--horizon-days", "3"], "at least 7"),
    ],
)
def test_bad_input_is_one_clear_line_and_exit_2(engine, empty_var, args, message) -> None:
    seed_district(engine, scale="test", seed=7, now=SEED_NOW) if args[0] == "--horizon-days" else None
    result = train(*args, "--no-register")
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_an_empty_database_says_so(engine, empty_var) -> None:
    result = train("--no-register")
    assert result.exit_code == 2
    assert "no cases to learn from" in result.output and "Traceback" not in result.output
