"""The lexicon versions in the database: seeding the shipped lexicon, the active lexicon and its cache."""

import csv
import io
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core_app.admin.common import Audit
from core_app.api.problems import ProblemError
from core_app.audit.models import AuditLog
from core_app.emotion import lexicon as service
from core_app.emotion.models import EntryKind, LexiconEntry, LexiconStatus, LexiconVersion
from features.emotion.lexicon import Lexicon, Root
from features.emotion.matcher import match


def test_active_lexicon_falls_back_to_the_shipped_one_without_writing(session):
    assert service.active_lexicon(session) == Lexicon.packaged()
    assert session.scalar(select(func.count()).select_from(LexiconVersion)) == 0


def test_ensure_lexicon_seeds_version_1_once(session):
    first = service.ensure_lexicon(session)
    session.commit()
    again = service.ensure_lexicon(session)
    session.commit()
    assert again.id == first.id
    assert (first.version, first.status, first.note) == (1, LexiconStatus.ACTIVE, "shipped lexicon")
    shipped = Lexicon.packaged()
    expected = len(shipped.roots) + len(shipped.negations) + len(shipped.degrees)
    assert session.scalar(select(func.count()).select_from(LexiconEntry)) == expected
    assert session.scalar(select(func.count()).select_from(LexiconVersion)) == 1
    assert service.active_lexicon(session) == shipped


def _audit(session):
    return Audit(session, None, None)


def _draft_with(session, rows, note="add 甩锅"):
    audit = _audit(session)
    draft = service.create_draft(audit=audit, based_on=None, note=note)
    service.upsert_entries(audit=audit, number=draft.version, rows=rows)
    session.commit()
    return draft


SHUAIGUO = {"kind": "root", "word": "甩锅", "polarity": -1, "score": 4, "attrs": "important"}
TEXT = "街道办一直甩锅，问题拖了三个月"


def test_a_draft_edit_reaches_the_scorer_only_once_activated(session):
    assert "甩锅" not in match(TEXT, service.active_lexicon(session)).root_words
    draft = _draft_with(session, [SHUAIGUO])
    assert (draft.version, draft.based_on, draft.status) == (2, 1, LexiconStatus.DRAFT)
    assert "甩锅" not in service.active_lexicon(session).roots  # a draft is not scored

    service.activate(audit=_audit(session), number=2)
    session.commit()

    lexicon = service.active_lexicon(session)
    assert lexicon.roots["甩锅"] == Root("甩锅", -1, 4.0, frozenset({"important"}))
    result = match(TEXT, lexicon)
    assert "甩锅" in result.root_words
    assert result.important and result.score < 0
    statuses = dict(session.execute(select(LexiconVersion.version, LexiconVersion.status)).all())
    assert statuses == {1: LexiconStatus.RETIRED, 2: LexiconStatus.ACTIVE}


def test_rollback_reactivates_a_retired_version(session):
    _draft_with(session, [SHUAIGUO])
    service.activate(audit=_audit(session), number=2)
    session.commit()
    service.activate(audit=_audit(session), number=1)
    session.commit()
    assert "甩锅" not in service.active_lexicon(session).roots
    assert service.active_lexicon(session) == Lexicon.packaged()
    statuses = dict(session.execute(select(LexiconVersion.version, LexiconVersion.status)).all())
    assert statuses == {1: LexiconStatus.ACTIVE, 2: LexiconStatus.RETIRED}


def test_the_cache_is_reused_within_one_activation(session):
    _draft_with(session, [SHUAIGUO])
    service.activate(audit=_audit(session), number=2)
    session.commit()
    assert service.active_lexicon(session) is service.active_lexicon(session)


def test_edits_update_remove_and_report_what_changed(session):
    draft = _draft_with(session, [SHUAIGUO])
    audit = _audit(session)
    changes = service.upsert_entries(
        audit=audit,
        number=draft.version,
        rows=[
            SHUAIGUO | {"score": 5},
            {"kind": "root", "word": "扯皮", "polarity": -1, "score": 4, "attrs": ""},
            {"kind": "degree", "word": "忒", "score": 2.5},
        ],
    )
    assert (changes.added, changes.updated, changes.unchanged) == (["忒"], ["甩锅"], ["扯皮"])
    service.delete_entry(audit=audit, number=draft.version, kind=EntryKind.ROOT, word="扯皮")
    session.commit()

    result = service.diff(session, draft.version, 1)
    assert [(r["kind"], r["word"]) for r in result.added] == [("degree", "忒"), ("root", "甩锅")]
    assert [(r["kind"], r["word"]) for r in result.removed] == [("root", "扯皮")]
    assert result.changed == []
    back = service.diff(session, 1, draft.version)
    assert [r["word"] for r in back.removed] == ["忒", "甩锅"]
    actions = session.scalars(
        select(AuditLog.action).where(AuditLog.entity == "emotion_lexicon_entries").order_by(AuditLog.id)
    ).all()
    assert actions == ["create", "update", "create", "delete"]


def test_diff_lists_changed_entries_with_before_and_after(session):
    draft = _draft_with(session, [{"kind": "root", "word": "扯皮", "polarity": -1, "score": 2, "attrs": ""}])
    result = service.diff(session, draft.version, 1)
    assert result.added == result.removed == []
    (change,) = result.changed
    assert (change["word"], change["before"]["score"], change["after"]["score"]) == ("扯皮", 4.0, 2.0)


def test_export_is_the_version_as_csv(session):
    draft = _draft_with(session, [SHUAIGUO])
    lines = service.export_csv(session, draft.version).splitlines()
    assert lines[0] == "kind,word,polarity,score,attrs"
    assert "root,甩锅,-1,4.0,important" in lines
    shipped = Lexicon.packaged()
    assert len(lines) == 1 + len(shipped.roots) + len(shipped.negations) + len(shipped.degrees) + 1
    rows = list(csv.DictReader(io.StringIO(service.export_csv(session, 1))))
    assert Lexicon.from_rows(rows) == shipped


def test_invalid_rows_are_refused_naming_the_field(session):
    draft = _draft_with(session, [SHUAIGUO])
    audit = _audit(session)
    with pytest.raises(ProblemError) as refused:
        service.upsert_entries(
            audit=audit, number=draft.version, rows=[SHUAIGUO, {"kind": "degree", "word": "忒", "score": 9}]
        )
    assert refused.value.status == 422
    assert refused.value.errors[0].field == "body.1.score"
    assert "忒" in refused.value.errors[0].reason
    with pytest.raises(ProblemError) as twice:
        service.upsert_entries(
            audit=audit, number=draft.version, rows=[SHUAIGUO, SHUAIGUO | {"word": "甩锅 "}]
        )
    assert (twice.value.status, twice.value.errors[0].field) == (422, "body.1.word")


def test_only_drafts_are_edited_and_only_inactive_versions_activated(session):
    service.ensure_lexicon(session)
    session.commit()
    audit = _audit(session)
    with pytest.raises(ProblemError) as refused:
        service.upsert_entries(audit=audit, number=1, rows=[SHUAIGUO])
    assert refused.value.status == 409
    with pytest.raises(ProblemError) as again:
        service.activate(audit=audit, number=1)
    assert again.value.status == 409
    with pytest.raises(ProblemError) as missing:
        service.activate(audit=audit, number=7)
    assert missing.value.status == 404


def test_concurrent_activations_leave_exactly_one_active_version(engine, session):
    _draft_with(session, [SHUAIGUO])
    _draft_with(session, [SHUAIGUO | {"score": 2}])
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def activate(number: int) -> None:
        with Session(engine) as own:
            barrier.wait()
            try:
                service.activate(audit=Audit(own, None, None), number=number)
                own.commit()
            except BaseException as exc:  # noqa: BLE001  (collected and checked below)
                errors.append(exc)

    threads = [threading.Thread(target=activate, args=(n,)) for n in (2, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    statuses = session.scalars(select(LexiconVersion.status).execution_options(populate_existing=True)).all()
    assert sorted(statuses) == sorted([LexiconStatus.ACTIVE, LexiconStatus.RETIRED, LexiconStatus.RETIRED])
