"""The shipped lexicon and the matcher: phrases, negation, degree, flags, and rows round-tripping."""

import re

import pytest

from features.emotion import Lexicon, match
from features.emotion.lexicon import LexiconError


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return Lexicon.packaged()


def test_the_shipped_lexicon_has_roots_negations_degrees_and_every_risk_family(lexicon) -> None:
    assert len(lexicon.roots) > 500 and "不" in lexicon.negations and lexicon.degrees["非常"] == 2.0
    tags = set().union(*(root.risk_tags for root in lexicon.roots.values()))
    assert {"fire", "gas", "flood", "violence", "self_harm", "vulnerable", "group", "media", "repeat"} <= tags


def test_rows_round_trip_and_equal_lexicons_share_a_fingerprint(lexicon) -> None:
    again = Lexicon.from_rows(lexicon.to_rows())
    assert again == lexicon and again.fingerprint == lexicon.fingerprint
    added = {"kind": "root", "word": "糟心", "polarity": -1, "score": 3}
    edited = Lexicon.from_rows([*lexicon.to_rows(), added])
    assert edited.fingerprint != lexicon.fingerprint and edited.roots["糟心"].score == 3


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"kind": "root", "word": "坏", "polarity": 2, "score": 3}, "polarity must be -1, 0 or 1"),
        ({"kind": "root", "word": "坏", "polarity": -1, "score": 9}, "score must be between 0 and 5"),
        ({"kind": "root", "word": "坏", "polarity": "x", "score": 1}, "must be numbers"),
        ({"kind": "degree", "word": "超", "score": 0}, "multiplier must be in (0, 5]"),
        ({"kind": "word", "word": "超"}, "kind must be root, negation or degree"),
        ({"kind": "root", "word": "  "}, "empty word"),
    ],
)
def test_a_bad_row_names_the_word_and_the_field(row, message) -> None:
    with pytest.raises(LexiconError, match=re.escape(message)):
        Lexicon.from_rows([row])


def test_degree_multiplies_and_the_phrase_keeps_its_modifier(lexicon) -> None:
    found = match("我非常愤怒", lexicon)
    assert [(p.text, p.root, p.weight) for p in found.phrases] == [("非常愤怒", "愤怒", -10.0)]
    assert found.score < -0.9


def test_negation_turns_a_positive_root_negative_and_a_negative_one_mildly_positive(lexicon) -> None:
    assert match("我对结果不满意", lexicon).phrases[0].weight < 0
    not_bad = match("这家店不差", lexicon).phrases[0]
    assert (not_bad.root, not_bad.weight) == ("差", 1.5)  # -1 × score 3 × -0.5


def test_negation_reaches_only_three_tokens_and_stops_at_a_clause_end(lexicon) -> None:
    assert match("没有，满意", lexicon).phrases[0].weight > 0


def test_urgency_and_importance_words_raise_flags_and_tags(lexicon) -> None:
    found = match("楼道里有燃气泄漏的味道，多次投诉，家里有老人", lexicon)
    assert found.urgent and found.important
    assert {"gas", "repeat", "vulnerable"} <= set(found.risk_tags)
    assert found.root_words[0] == "燃气泄漏"


def test_a_negated_risk_word_raises_no_flag(lexicon) -> None:
    found = match("现场没有火灾", lexicon)
    assert not found.urgent and found.risk_tags == [] and found.phrases == []


def test_emoji_and_english_words_count(lexicon) -> None:
    assert match("😡😡", lexicon).score < 0
    assert match("terrible service", lexicon).score < 0 < match("great, thanks", lexicon).score


@pytest.mark.parametrize("text", ["", "   ", "12345", "!!!", None])
def test_nothing_to_match_is_a_zero_score(lexicon, text) -> None:
    found = match(text, lexicon)
    assert found.score == 0 and found.phrases == [] and not found.urgent


def test_hao_as_an_adverb_of_quantity_is_not_praise(lexicon) -> None:
    assert [p.root for p in match("燃气泄漏好几天了", lexicon).phrases] == ["燃气泄漏"]
    assert match("服务好", lexicon).score > 0
