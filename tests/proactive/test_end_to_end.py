"""The real recommender, trained on a tiny district, behind generation: what it recommends gets pushed."""

from datetime import datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import select

from core_app.cases.history import applicant_histories
from core_app.cases.models import Case
from core_app.config import LOCAL_TZ, get_settings
from core_app.people.profiles import applicant_profiles
from core_app.proactive.models import Push
from core_app.proactive.service import generate_pushes
from models.recommend import NextMatterRecommender
from serving.recommend import RecommenderService
from tests.api import builders as b

NOW = datetime(2026, 10, 12, 10, 0, tzinfo=LOCAL_TZ)


@pytest.fixture
def journeys(session):
    """Every 38 hours since 1 April a citizen registers a business (设立登记) and a week later its taxes
    (税务登记); every third one also moves their household (户口迁移) two days after registering."""
    register, tax, hukou = (b.matter(session, name=n) for n in ("设立登记", "税务登记", "户口迁移"))
    start, people = datetime(2026, 4, 1, 9, tzinfo=LOCAL_TZ), []
    for i in range(120):
        registered_at = start + timedelta(hours=38 * i)
        person = b.citizen(session, id_card_hash=f"journey-{i}", phone=None)
        b.case(session, matter_id=register.id, citizen_id=person.id, submitted_at=registered_at)
        if registered_at + timedelta(days=7) < NOW:
            b.case(
                session,
                matter_id=tax.id,
                citizen_id=person.id,
                submitted_at=registered_at + timedelta(days=7),
            )
        if i % 3 == 0:
            b.case(
                session,
                matter_id=hukou.id,
                citizen_id=person.id,
                submitted_at=registered_at + timedelta(days=2),
            )
        people.append(person)
    session.commit()
    return register, tax, hukou, people


def test_pushes_follow_the_trained_recommenders_answer(session, journeys, monkeypatch):
    register, tax, _hukou, people = journeys
    histories, profiles = applicant_histories(session, until=NOW), applicant_profiles(session)
    model = NextMatterRecommender(
        horizon_days=30,
        training_cutoffs=2,
        cutoff_step_days=30,
        min_pair_subjects=2,
        n_estimators=30,
        min_child_samples=2,
        early_stopping_rounds=10,
    ).fit(histories, profiles, now=NOW)
    recommender = RecommenderService(model, "1")
    # A threshold of 0 lets every recommendation through (scores are probabilities), so that the frequency
    # cap alone picks: the two best per subject.
    monkeypatch.setenv("BUTLER_PUSH_SCORE_THRESHOLD", "0")
    get_settings.cache_clear()
    report = generate_pushes(session, now=NOW, recommender=recommender)
    session.commit()
    # Asked about: the subjects with a case in the last 180 days (since 15 April; the first few are not).
    active = histories.loc[histories["submitted_at"] >= pd.Timestamp(2026, 4, 15, 10), "subject"].unique()
    answer = recommender.recommend(histories, profiles, now=NOW, k=5)
    expected = answer[answer["subject"].isin(active)].groupby("subject").head(2)
    assert report.subjects == len(active) < len(people)
    pushed = session.scalars(select(Push)).all()
    assert report.model_version == "recommender/1" and report.counts["send"] == len(pushed) == len(expected)
    assert {(f"citizen:{p.citizen_id}", p.matter_id) for p in pushed} == set(
        zip(expected["subject"], expected["matter_id"], strict=True)
    )
    assert all(p.model_version == "recommender/1" and p.reasons for p in pushed)
    # The last citizen registered on 6 October and has not done the taxes yet: that is what they are offered.
    last = people[-1]
    registered_at = session.scalar(select(Case.submitted_at).where(Case.citizen_id == last.id))
    assert registered_at.date() == datetime(2026, 10, 6).date()
    offered = [p for p in pushed if p.citizen_id == last.id]
    assert offered and offered[0].matter_id == tax.id
    assert any("税务登记" in reason for reason in offered[0].reasons)
    assert register.id not in {p.matter_id for p in offered}
