"""The lexicon versions in the database: seeding the shipped lexicon, the active lexicon and its cache."""

from sqlalchemy import func, select

from core_app.emotion import lexicon as service
from core_app.emotion.models import LexiconEntry, LexiconStatus, LexiconVersion
from features.emotion.lexicon import Lexicon


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
