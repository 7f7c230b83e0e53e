"""Rebuilding the stored rules and mined bundles: persistence, idempotence, bundles a manager kept."""

import pytest
from sqlalchemy import select

from core_app.associations.models import MatterAssociation
from core_app.associations.service import (
    AssociationInputError,
    rebuild_associations,
    rules_from,
    run_associations,
)
from core_app.matters.models import BundleOrigin, BundleStatus, MatterBundle
from core_app.proactive.models import Push, PushChannel
from tests.api import builders as b
from tests.associations.district import NOW, build_district


def stored_rules(session):
    rows = session.scalars(select(MatterAssociation)).all()
    return {
        (r.antecedent_matter_id, r.consequent_matter_id): (
            r.pair_subjects,
            round(r.support, 9),
            round(r.confidence, 9),
            round(r.lift, 9),
            r.a_before_b_share,
            r.median_gap_days,
            r.result_use_share,
        )
        for r in rows
    }


def mined(session):
    session.expire_all()
    return session.scalars(select(MatterBundle).where(MatterBundle.origin == BundleOrigin.MINED)).all()


def test_rebuild_stores_rules_and_one_mined_candidate(session):
    d = build_district(session)
    report = rebuild_associations(session, now=NOW)
    session.commit()
    one, two, three, four = (m.id for m in d.x)
    eleven, twelve, thirteen = (m.id for m in d.y)
    # N = 93 applicants (the returned application and the case after NOW do not count)
    assert (report.cases, report.subjects) == (6 * 4 + 2 * 2 + 5 * 3 + 10 + 30 * 4 + 20 * 2 + 20 * 2, 93)
    rules = stored_rules(session)
    assert report.rules == len(rules) == 12 + 6  # X: 4 x 3 ordered pairs, Y: 3 x 2; noise never pairs
    # 1 -> 2: 8 pairs of 8 and 8 applicants: support 8/93, confidence 1, lift 8 * 93 / (8 * 8) = 11.625;
    # always first, 8 days later, after 1 was granted (2 days)
    assert rules[(one, two)] == (8, round(8 / 93, 9), 1.0, 11.625, 1.0, 8.0, 1.0)
    # 3 -> 1: 6 pairs, confidence 6/6; 3 never first, so no gap and no result use
    assert rules[(three, one)] == (6, round(6 / 93, 9), 1.0, 11.625, 0.0, 0.0, 0.0)
    assert rules[(one, four)][5] == 24.0  # three steps of 8 days
    # 11 -> 12: lift 5 * 93 / (5 * 5) = 18.6; 3 days later, before 11's 5-day completion: no result use
    assert rules[(eleven, twelve)][3:] == (18.6, 1.0, 3.0, 0.0)
    assert rules[(eleven, thirteen)][6] == 1.0  # 6 days later: after the completion
    assert {r.window_days for r in session.scalars(select(MatterAssociation))} == {90}

    assert (report.graph_matters, report.graph_edges, report.communities) == (7, 9, 2)
    # Y's community equals the official 参保一件事: not proposed again, counted as recovered
    assert [m["bundle_id"] for m in report.matching_existing] == [d.official_y.id]
    recovery = {r["name"]: r["jaccard"] for r in report.official_recovery}
    assert recovery == {"参保一件事": 1.0, "另一件事": 0.4}  # {1,2,n} against {1,2,3,4}: 2 / 5
    assert report.recovered_official == 1

    (candidate,) = mined(session)
    assert candidate.name == "「开办第1步」等4项（挖掘候选）"
    assert candidate.status == BundleStatus.CANDIDATE
    assert candidate.lead_department_id == d.x[0].department_id
    assert [(i.matter_id, i.seq) for i in candidate.items] == [(one, 1), (two, 2), (three, 3), (four, 4)]
    evidence = candidate.evidence
    assert evidence["path"] == [one, two, three, four] and evidence["path_subjects"] == 6
    assert evidence["subjects"] == 8 and evidence["density"] == 1.0
    assert evidence["path_gap_days"] == 24.0  # 8 + 8 + 8
    assert candidate.score == pytest.approx(report_score(evidence), rel=1e-4)


def report_score(evidence):
    import math

    return math.log1p(evidence["subjects"]) * evidence["density"] * math.log(evidence["mean_lift"])


def test_rebuild_twice_gives_the_same_rows_and_keeps_the_candidate_id(session):
    build_district(session)
    rebuild_associations(session, now=NOW)
    session.commit()
    first_rules, (first,) = stored_rules(session), mined(session)
    first_items = [(i.matter_id, i.seq) for i in first.items]
    report = rebuild_associations(session, now=NOW)
    session.commit()
    (again,) = mined(session)
    assert stored_rules(session) == first_rules
    assert (again.id, again.name, again.score) == (first.id, first.name, first.score)
    assert [(i.matter_id, i.seq) for i in again.items] == first_items
    assert (report.created, report.updated, report.removed) == (0, 1, 0)


def test_approved_bundles_survive_and_stale_candidates_go(session):
    d = build_district(session)
    rebuild_associations(session, now=NOW)
    session.commit()
    (candidate,) = mined(session)
    candidate.status = BundleStatus.APPROVED
    candidate.name = "开办一件事（已批准）"
    stale = b.bundle(session, matters=d.noise[:2], origin=BundleOrigin.MINED, status=BundleStatus.CANDIDATE)
    used = b.bundle(session, matters=d.noise[2:], origin=BundleOrigin.MINED, status=BundleStatus.CANDIDATE)
    session.add(
        Push(
            citizen_id=b.citizen(session, id_card_no=b.valid_id_card("33020319900101900")).id,
            matter_id=d.noise[2].id,
            bundle_id=used.id,
            score=0.5,
            reasons=["试一试"],
            model_version="test",
            channel=PushChannel.SMS,
            generated_at=NOW,
        )
    )
    session.commit()
    stale_id, used_id, approved_id = stale.id, used.id, candidate.id
    report = rebuild_associations(session, now=NOW)
    session.commit()
    bundles = {bundle.id: bundle for bundle in mined(session)}
    assert stale_id not in bundles  # deleted with its items
    assert bundles[used_id].status == BundleStatus.RETIRED  # a push points at it: retired, not deleted
    assert bundles[approved_id].status == BundleStatus.APPROVED
    assert bundles[approved_id].name == "开办一件事（已批准）"
    assert len(bundles) == 2 and report.candidates == 0 and report.removed == 2
    assert {m["bundle_id"] for m in report.matching_existing} == {d.official_y.id, approved_id}


def test_rules_from_returns_the_most_confident_rules_per_matter(session):
    d = build_district(session)
    run_associations(session, now=NOW)  # commits
    one, two, three = (m.id for m in d.x[:3])
    eleven = d.y[0].id
    table = rules_from(session, [one, eleven], limit=2)
    # from 1: 1 -> 2 (confidence 8/8), then 1 -> 3 and 1 -> 4 (6/8, same lift): the smaller id;
    # from 11: 12 and 13
    pairs = list(zip(table["antecedent_matter_id"], table["consequent_matter_id"], strict=True))
    assert pairs == [(one, two), (one, three), (eleven, d.y[1].id), (eleven, d.y[2].id)]
    assert table.loc[0, "confidence"] == 1.0 and table.loc[1, "confidence"] == 0.75
    assert rules_from(session, [one], limit=5, min_lift=12).empty  # the lifts from 1 are 11.625
    assert rules_from(session, []).empty


def test_rebuild_refuses_bad_parameters_and_writes_nothing(session):
    build_district(session)
    for kwargs, field in (({"window_days": 6}, "window_days"), ({"min_lift": 1.0}, "min_lift")):
        with pytest.raises(AssociationInputError) as error:
            rebuild_associations(session, now=NOW, **kwargs)
        assert error.value.field == field
    assert stored_rules(session) == {}
