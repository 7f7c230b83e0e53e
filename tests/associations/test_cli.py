"""``butler associations``: build, show and bundles, their CSV files, and one-line refusals."""

import csv

import pytest
from typer.testing import CliRunner

from core_app.cli import app as cli
from tests.associations.district import build_district


@pytest.fixture
def built(engine, session):
    d = build_district(session)
    result = CliRunner().invoke(cli, ["associations", "build", "--window-days", "60", "--min-lift", "2"])
    assert result.exit_code == 0, result.output
    return d, result.output


def test_build_reports_rules_candidates_and_recovery(built):
    _, output = built
    # now = the present: the noise case dated after 2026-11-24 counts too (94 applicants)
    assert "18 rules over 94 applicants" in output
    assert "2 communities, 1 candidate bundles (1 new, 0 updated, 0 removed)" in output
    assert "already a bundle: 参保一件事 (official, active)" in output
    assert "official bundles recovered (Jaccard >= 0.5): 1/2" in output
    assert "另一件事: Jaccard 0.40" in output


def test_show_and_bundles_print_and_write_csv(built, tmp_path):
    d, _ = built
    shown = CliRunner().invoke(cli, ["associations", "show", "--matter", str(d.x[0].id), "--top", "2"])
    assert shown.exit_code == 0, shown.output
    assert "开办第1步" in shown.output and "2 of 6 rules" in shown.output
    out = tmp_path / "rules.csv"
    written = CliRunner().invoke(
        cli, ["associations", "show", "--order", "-pair_subjects", "--top", "3", "--out", str(out)]
    )
    assert written.exit_code == 0 and "wrote 3 of 18 rules" in written.output
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [(r["antecedent_name"], r["consequent_name"], r["pair_subjects"]) for r in rows[:2]] == [
        ("开办第1步", "开办第2步", "8"),
        ("开办第2步", "开办第1步", "8"),
    ]
    assert rows[0]["window_days"] == "60"
    listed = CliRunner().invoke(cli, ["associations", "bundles"])
    assert "「开办第1步」等4项（挖掘候选）" in listed.output and "1 mined bundles" in listed.output
    bundles_csv = tmp_path / "bundles.csv"
    assert CliRunner().invoke(cli, ["associations", "bundles", "--out", str(bundles_csv)]).exit_code == 0
    (row,) = csv.DictReader(bundles_csv.open(encoding="utf-8-sig"))
    assert (
        row["matter_names"] == "开办第1步 → 开办第2步 → 开办第3步 → 开办第4步"
        and row["status"] == "candidate"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["build", "--window-days", "400"], "error: window-days: must be between 7 and 365 days"),
        (["build", "--window-days", "ninety"], "error: window-days: 'ninety' is not a whole number"),
        (["build", "--min-lift", "1"], "error: min-lift: must be greater than 1 (lift 1 means independent)"),
        (["show", "--top", "0"], "error: top: must be at least 1"),
        (["show", "--order", "lift"], "error: order: one of -lift, -confidence, -support, -pair_subjects"),
        (["show", "--out", "rules.xlsx"], "error: out: write a .csv file"),
        (["bundles", "--status", "open"], "error: status: one of candidate, approved, active, retired"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(engine, args, message):
    result = CliRunner().invoke(cli, ["associations", *args])
    assert result.exit_code == 2
    assert result.output.strip() == message
