"""butler portraits build | show | export: output, the API's CSV, exit codes."""

import json

from typer.testing import CliRunner

from core_app.cli import app as cli
from tests.portraits.test_lifecycle import read_csv


def test_build_show_and_export(engine, district, tmp_path):
    result = CliRunner().invoke(cli, ["portraits", "build", "--full"])
    assert result.exit_code == 0, result.output
    assert "portraits (full rebuild): enterprise 1, citizen 1, staff 2, window 1 in" in result.output
    again = CliRunner().invoke(cli, ["portraits", "build"])
    assert again.exit_code == 0 and "nothing changed" in again.output
    shown = CliRunner().invoke(cli, ["portraits", "show", "citizen", str(district.citizen.id)])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["tags"] == [
        "prefers_web",
        "has_pending",
        "dissatisfied",
        "elderly",
        "repeat_visitor",
    ]
    out = tmp_path / "staff.csv"
    exported = CliRunner().invoke(cli, ["portraits", "export", "staff", "--out", str(out)])
    assert exported.exit_code == 0 and "wrote 2 staff portraits" in exported.output
    header, rows = read_csv(out.read_text(encoding="utf-8"))
    assert header[:2] == ["画像类型 subject_type", "对象ID subject_id"]
    assert sorted(int(row[1]) for row in rows) == sorted([district.s1.id, district.s2.id])
    assert not (tmp_path / "staff.csv.part").exists()


def test_bad_input_exits_2_and_a_missing_portrait_1(engine, tmp_path):
    bad_kind = CliRunner().invoke(cli, ["portraits", "build", "--kind", "person"])
    assert bad_kind.exit_code == 2 and "kind: 'person' is not one of" in bad_kind.output
    assert CliRunner().invoke(cli, ["portraits", "show", "person", "1"]).exit_code == 2
    missing = CliRunner().invoke(cli, ["portraits", "show", "citizen", "999"])
    assert missing.exit_code == 1 and "there is no citizen portrait 999" in missing.output
    not_csv = CliRunner().invoke(cli, ["portraits", "export", "staff", "--out", str(tmp_path / "x.xlsx")])
    assert not_csv.exit_code == 2 and "out: write a .csv file" in not_csv.output
    bad_tag = CliRunner().invoke(
        cli, ["portraits", "export", "staff", "--tag", "hot", "--out", str(tmp_path / "x.csv")]
    )
    assert bad_tag.exit_code == 2 and "tag:" in bad_tag.output
