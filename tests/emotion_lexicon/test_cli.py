"""``butler lexicon``: init, versions, activate, export, mine; bad input is one line on stderr and exit 2."""

from typer.testing import CliRunner

from core_app.emotion import lexicon as service
from core_app.emotion.lexicon_cli import app
from features.emotion.lexicon import Lexicon

runner = CliRunner()


def test_init_versions_export_and_refusals(engine, session, tmp_path):
    empty = runner.invoke(app, ["versions"])
    assert empty.exit_code == 0 and "shipped lexicon is used" in empty.output

    assert runner.invoke(app, ["init"]).output.strip() == "lexicon version 1 (active)"
    assert runner.invoke(app, ["init"]).output.strip() == "lexicon version 1 (active)"
    listed = runner.invoke(app, ["versions"])
    assert listed.exit_code == 0 and str(len(Lexicon.packaged().roots)) in listed.output

    out = tmp_path / "v1.csv"
    exported = runner.invoke(app, ["export", "1", "--out", str(out)])
    assert exported.exit_code == 0
    assert out.read_text(encoding="utf-8") == service.export_csv(session, 1)

    again = runner.invoke(app, ["activate", "1"])
    assert again.exit_code == 2
    assert again.output.strip() == "error: version: lexicon version 1 is already active"
    missing = runner.invoke(app, ["export", "5", "--out", str(out)])
    assert (missing.exit_code, missing.output.strip()) == (2, "error: lexicon version 5 does not exist")
    backwards = runner.invoke(app, ["mine", "--from", "2025-03-10", "--to", "2025-03-01"])
    assert (backwards.exit_code, backwards.output.strip()) == (2, "error: --to must be after --from")
    bad = runner.invoke(app, ["mine", "--from", "March", "--to", "2025-03-01"])
    assert bad.exit_code == 2 and "--from 'March' is not a date" in bad.output


def test_mine_prints_the_candidates(engine, session):
    from tests.emotion_lexicon.test_api import _mining_events

    _mining_events(session)
    result = runner.invoke(app, ["mine", "--from", "2025-03-01", "--to", "2025-03-10", "--min-count", "2"])
    assert result.exit_code == 0, result.output
    assert "4 candidates from 6/12 events" in result.output
    assert "甩锅" in result.output
