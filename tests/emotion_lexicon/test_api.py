"""The emotion lexicon over HTTP: reading, drafts, activation and rollback, diff, export, mined candidates."""

import math
from datetime import timedelta

import pytest
from sqlalchemy import select

from core_app.emotion import lexicon as service
from core_app.emotion.models import CandidateStatus, RootCandidate
from core_app.events.models import Polarity, Satisfaction
from features.emotion.lexicon import Lexicon
from features.emotion.matcher import match
from tests.api import builders as b

API = "/api/v1/emotion-lexicon"
PROBLEM = "application/problem+json"
SHUAIGUO = {"kind": "root", "word": "甩锅", "polarity": -1, "score": 4, "attrs": ["important"]}


@pytest.fixture
def scientist(auth_headers):
    return auth_headers("data_scientist")


def _ok(response, status=200):
    assert response.status_code == status, response.text
    return response.json() if response.content and status != 204 else None


def _problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    return response.json()


def test_reading_before_any_version_shows_the_shipped_lexicon_without_writing(client, session, auth_headers):
    body = _ok(client.get(API, params={"attr": "fire", "page_size": 200}, headers=auth_headers("dispatcher")))
    shipped = Lexicon.packaged()
    assert body["source"] == "shipped" and body["version"] is None
    assert body["counts"] == {
        "root": len(shipped.roots),
        "negation": len(shipped.negations),
        "degree": len(shipped.degrees),
    }
    fire = sorted(w for w, r in shipped.roots.items() if "fire" in r.attrs)
    assert [e["word"] for e in body["entries"]["items"]] == fire
    assert body["entries"]["total"] == len(fire)
    assert _ok(client.get(f"{API}/versions", headers=auth_headers("dispatcher"))) == []


def test_draft_edit_activate_and_rollback(client, session, scientist):
    draft = _ok(client.post(f"{API}/versions", json={"note": "甩锅"}, headers=scientist), 201)
    assert (draft["version"], draft["status"], draft["based_on"]) == (2, "draft", 1)
    assert draft["counts"]["root"] == len(Lexicon.packaged().roots)

    changes = _ok(client.put(f"{API}/versions/2/entries", json=[SHUAIGUO], headers=scientist))
    assert changes == {"version": 2, "added": ["甩锅"], "updated": [], "unchanged": []}
    entry = _ok(
        client.post(
            f"{API}/versions/2/entries", json={"kind": "degree", "word": "忒", "score": 2}, headers=scientist
        ),
        201,
    )
    assert entry == {"kind": "degree", "word": "忒", "polarity": None, "score": 2.0, "attrs": []}
    _ok(client.delete(f"{API}/versions/2/entries/root/扯皮", headers=scientist), 204)

    diff = _ok(client.get(f"{API}/versions/2/diff", params={"against": 1}, headers=scientist))
    assert [e["word"] for e in diff["added"]] == ["忒", "甩锅"]
    assert [e["word"] for e in diff["removed"]] == ["扯皮"]

    activated = _ok(client.post(f"{API}/versions/2/activate", headers=scientist))
    assert activated["status"] == "active" and activated["activated_at"] is not None
    text = "街道办一直甩锅，问题拖了三个月"
    assert "甩锅" in match(text, service.active_lexicon(session)).root_words
    active = _ok(client.get(API, params={"word": "甩锅", "kind": "root"}, headers=scientist))
    assert active["source"] == "database" and active["version"]["version"] == 2
    assert active["entries"]["items"] == [{**SHUAIGUO, "score": 4.0}]

    _ok(client.post(f"{API}/versions/1/activate", headers=scientist))
    assert "甩锅" not in match(text, service.active_lexicon(session)).root_words
    versions = _ok(client.get(f"{API}/versions", headers=scientist))
    assert [(v["version"], v["status"]) for v in versions] == [(2, "retired"), (1, "active")]


def test_export_csv(client, session, scientist):
    _ok(client.post(f"{API}/versions", json={}, headers=scientist), 201)
    response = client.get(f"{API}/versions/1/export.csv", headers=scientist)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert 'filename="emotion-lexicon-v1.csv"' in response.headers["content-disposition"]
    assert response.text.splitlines()[0] == "kind,word,polarity,score,attrs"
    assert response.text == service.export_csv(session, 1)


def test_refusals(client, session, scientist, auth_headers):
    _ok(client.post(f"{API}/versions", json={}, headers=scientist), 201)
    # active and retired versions are not edited
    conflict = _problem(client.put(f"{API}/versions/1/entries", json=[SHUAIGUO], headers=scientist), 409)
    assert "only a draft" in conflict["detail"]
    _problem(client.post(f"{API}/versions/1/activate", headers=scientist), 409)
    # unknown versions
    _problem(client.get(f"{API}/versions/9", headers=scientist), 404)
    _problem(client.put(f"{API}/versions/9/entries", json=[SHUAIGUO], headers=scientist), 404)
    _problem(client.delete(f"{API}/versions/2/entries/root/没有这个词", headers=scientist), 404)
    against = _problem(client.get(f"{API}/versions/2/diff", params={"against": 9}, headers=scientist), 422)
    assert against["errors"][0]["field"] == "query.against"
    based = _problem(client.post(f"{API}/versions", json={"based_on": 9}, headers=scientist), 422)
    assert based["errors"][0]["field"] == "body.based_on"
    # bad entries name the field
    bad_score = _problem(
        client.put(f"{API}/versions/2/entries", json=[SHUAIGUO, {**SHUAIGUO, "score": 9}], headers=scientist),
        422,
    )
    assert bad_score["errors"][0]["field"] == "body.1.score"
    bad_degree = _problem(
        client.put(
            f"{API}/versions/2/entries",
            json=[{"kind": "degree", "word": "忒", "score": 0}],
            headers=scientist,
        ),
        422,
    )
    assert bad_degree["errors"][0]["field"] == "body.0.score" and "忒" in bad_degree["errors"][0]["reason"]
    kind = _problem(
        client.put(f"{API}/versions/2/entries", json=[{"kind": "emoji", "word": "x"}], headers=scientist), 422
    )
    assert kind["errors"][0]["field"] == "body.0.kind"
    blank = _problem(client.put(f"{API}/versions/2/entries", json=[{"word": "  "}], headers=scientist), 422)
    assert blank["errors"][0]["field"] == "body.0.word"
    _problem(client.put(f"{API}/versions/2/entries", json=[], headers=scientist), 422)
    _problem(
        client.post(f"{API}/versions/2/entries", json={**SHUAIGUO, "word": "扯皮"}, headers=scientist), 409
    )
    # permissions: a dispatcher reads but does not write; window staff do not read; a system admin writes
    dispatcher = auth_headers("dispatcher")
    _ok(client.get(f"{API}/versions/2", headers=dispatcher))
    _problem(client.post(f"{API}/versions", json={}, headers=dispatcher), 403)
    _problem(client.post(f"{API}/versions/2/activate", headers=dispatcher), 403)
    _problem(client.get(f"{API}/candidates", headers=dispatcher), 403)  # words out of others' complaints
    _problem(client.get(API), 401)
    window_staff = auth_headers("window_staff")  # neither events:read nor lexicon:manage
    _problem(client.get(API, headers=window_staff), 403)
    _problem(client.get(f"{API}/candidates", headers=window_staff), 403)
    admin = auth_headers("system_admin")
    _ok(client.put(f"{API}/versions/2/entries", json=[SHUAIGUO], headers=admin))


NEGATIVE_TEXTS = (
    "街道办一直甩锅，问题拖了三个月",
    "物业甩锅给社区",
    "部门之间甩锅",
    "社区和物业互相甩锅",
    "城管说不归他们管，甩锅给街道",
    "打了几次电话，部门还是甩锅",
)


def _mining_events(session):
    """Six dissatisfied or negative events blaming 甩锅 (buck-passing), six satisfied ones on street lights,
    and one more 甩锅 outside the period."""
    day = b.local(2025, 3, 3, 9)
    for n, text in enumerate(NEGATIVE_TEXTS):
        negative = (
            {"satisfaction": Satisfaction.DISSATISFIED} if n % 2 else {"emotion_polarity": Polarity.NEGATIVE}
        )
        b.event(session, title="反映问题", description=text, reported_at=day, **negative)
        b.event(
            session,
            title="反映问题",
            description="小区门口路灯坏了，请修理",
            reported_at=day,
            satisfaction=Satisfaction.SATISFIED,
        )
    b.event(
        session, description="街道办甩锅", reported_at=day + timedelta(days=30), satisfaction="dissatisfied"
    )
    session.commit()


def test_mine_accept_and_reject_candidates(client, session, scientist):
    _mining_events(session)
    period = {"from": "2025-03-01T00:00:00", "to": "2025-03-10T00:00:00", "min_count": 2}
    run = _ok(client.post(f"{API}/candidates:mine", json=period, headers=scientist))
    assert (run["events"], run["negative_events"]) == (12, 6)
    # words in two or more negative events; 物业, 社区 and 部门 tie and come in word order
    words = [c["word"] for c in run["candidates"]]
    assert words == ["甩锅", "物业", "社区", "部门"]
    top = run["candidates"][0]
    assert (top["negative_count"], top["other_count"], top["status"]) == (6, 0, "pending")
    # 24 words in the negative events, 36 in the others, prior α = 6: log(12/72) - log(6/90) = log 2.5
    assert top["log_odds"] == pytest.approx(math.log(2.5))
    assert top["z_score"] == pytest.approx(2 * math.log(2.5))

    pending = _ok(client.get(f"{API}/candidates", params={"status": "pending"}, headers=scientist))
    assert pending["total"] == len(words) and pending["items"][0]["word"] == "甩锅"

    accepted = _ok(
        client.post(
            f"{API}/candidates/{top['id']}/accept",
            json={"polarity": -1, "score": 4, "attrs": "important"},
            headers=scientist,
        )
    )
    assert (
        accepted["status"] == "accepted" and accepted["version"] == 2 and accepted["decided_by"] is not None
    )
    draft = _ok(client.get(f"{API}/versions/2", params={"word": "甩锅"}, headers=scientist))
    assert draft["version"]["status"] == "draft"
    assert draft["entries"]["items"] == [{**SHUAIGUO, "score": 4.0}]
    _problem(client.post(f"{API}/candidates/{top['id']}/reject", headers=scientist), 409)

    property_id = run["candidates"][1]["id"]
    rejected = _ok(client.post(f"{API}/candidates/{property_id}/reject", headers=scientist))
    assert rejected["status"] == "rejected" and rejected["decided_at"] is not None

    # a second run does not propose decided words again, and refreshes the pending ones
    again = _ok(client.post(f"{API}/candidates:mine", json=period, headers=scientist))
    assert [c["word"] for c in again["candidates"]] == ["社区", "部门"]
    assert again["candidates"][0]["mined_at"] > run["candidates"][2]["mined_at"]
    statuses = dict(session.execute(select(RootCandidate.word, RootCandidate.status)).all())
    assert statuses["甩锅"] == CandidateStatus.ACCEPTED


def test_accepting_into_a_closed_version_or_twice_is_refused(client, session, scientist):
    _mining_events(session)
    period = {"from": "2025-03-01T00:00:00", "to": "2025-03-10T00:00:00", "min_count": 2}
    top = _ok(client.post(f"{API}/candidates:mine", json=period, headers=scientist))["candidates"][0]
    _ok(client.post(f"{API}/versions", json={}, headers=scientist), 201)
    body = {"polarity": -1, "score": 4, "version": 1}
    closed = _problem(client.post(f"{API}/candidates/{top['id']}/accept", json=body, headers=scientist), 409)
    assert "only a draft" in closed["detail"]
    unknown = _problem(
        client.post(f"{API}/candidates/{top['id']}/accept", json=body | {"version": 9}, headers=scientist),
        422,
    )
    assert unknown["errors"][0]["field"] == "body.version"
    accepted = _ok(
        client.post(f"{API}/candidates/{top['id']}/accept", json=body | {"version": 2}, headers=scientist)
    )
    assert accepted["version"] == 2
    _problem(
        client.post(f"{API}/candidates/{top['id']}/accept", json=body | {"version": 2}, headers=scientist),
        409,
    )
    bad = _problem(
        client.post(f"{API}/candidates/{top['id']}/accept", json={"score": 7}, headers=scientist), 422
    )
    assert bad["errors"][0]["field"] == "body.score"
    _problem(client.post(f"{API}/candidates/999/accept", json={"score": 3}, headers=scientist), 404)
    backwards = _problem(
        client.post(
            f"{API}/candidates:mine", json={"from": "2025-03-10", "to": "2025-03-01"}, headers=scientist
        ),
        422,
    )
    assert backwards["errors"][0]["field"] == "body.to"
