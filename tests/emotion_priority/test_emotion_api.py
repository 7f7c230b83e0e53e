"""POST /api/v1/emotion: one text or up to 500, scored with the priority the text alone gives."""

import pytest
from fastapi.testclient import TestClient

from core_app.api.app import create_app

URL = "/api/v1/emotion"
PROBLEM = "application/problem+json"
GAS = "楼道里有很浓的燃气味，怀疑燃气泄漏，请马上派人来处理"


@pytest.fixture
def app(engine):
    return create_app()


@pytest.fixture
def reader(app, auth_headers) -> TestClient:
    return TestClient(app, headers=auth_headers("dept_handler"))  # holds events:read


def test_one_text_is_scored_with_its_priority_and_the_words_that_drove_it(reader) -> None:
    response = reader.post(URL, json={"text": GAS})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body["model"]) == {"name", "version"} and body["model"]["name"]
    [result] = body["results"]
    assert result["polarity"] == "negative" and -1 <= result["score"] < 0
    assert 0 <= result["intensity"] <= 1
    assert result["urgent"] is True and result["risk_tags"] == ["gas"]
    # text alone: urgent, and important only if the emotion is strong enough; never p3/p4
    assert result["priority"] in ("p1", "p2")
    assert result["priority_reasons"][0]["code"] == "urgent_words"
    roots = [w["word"] for w in result["root_words"]]
    assert "燃气泄漏" in roots and "燃气味" in roots
    assert {p["root"] for p in result["phrases"]} >= {"燃气泄漏", "燃气味"}
    assert result["note"] == ""


def test_a_batch_answers_in_order_and_an_empty_text_is_neutral_with_a_note(reader) -> None:
    response = reader.post(URL, json={"texts": ["", GAS, "服务很好，非常满意，谢谢"]})
    assert response.status_code == 200, response.text
    empty, gas, happy = response.json()["results"]
    assert (empty["polarity"], empty["score"], empty["priority"], empty["note"]) == (
        "neutral",
        0.0,
        "p4",
        "empty text",
    )
    assert empty["root_words"] == [] and empty["priority_reasons"] == []
    assert gas["urgent"] and happy["polarity"] == "positive" and happy["priority"] == "p4"


def test_a_text_over_10000_characters_is_cut_with_a_note(reader) -> None:
    long_text = GAS + "啊" * (10_001 - len(GAS))
    assert len(long_text) == 10_001
    [result] = reader.post(URL, json={"text": long_text}).json()["results"]
    assert result["note"] == "truncated to 10000 characters"
    assert result["urgent"]  # the first 10,000 characters are still scored
    [exact] = reader.post(URL, json={"text": long_text[:10_000]}).json()["results"]
    assert exact["note"] == ""


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"texts": []}, "body.texts"),
        ({"texts": ["好"] * 501}, "body.texts"),
        ({"texts": ["好", 3]}, "body.texts.1"),
        ({"text": ["好"]}, "body.text"),
        ({}, "body.text"),
        ({"text": "好", "texts": ["好"]}, "body.text"),
        ({"text": "好", "lang": "zh"}, "body.lang"),
    ],
)
def test_bad_bodies_are_422_naming_the_field(reader, body, field) -> None:
    response = reader.post(URL, json=body)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    assert field in [error["field"] for error in response.json()["errors"]]


def test_it_needs_credentials_and_events_read(app, auth_headers) -> None:
    anonymous = TestClient(app).post(URL, json={"text": GAS})
    assert anonymous.status_code == 401
    window_staff = TestClient(app, headers=auth_headers("window_staff"))  # no events:read
    assert window_staff.post(URL, json={"text": GAS}).status_code == 403
