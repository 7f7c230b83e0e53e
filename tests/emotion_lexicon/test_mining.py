"""Mining candidate roots by weighted log-odds (Monroe, Colaresi & Quinn 2008), on hand-built texts."""

import math

import pytest

from features.emotion.mining import mine_candidates, weighted_log_odds

# Six negative texts "噪音 扰民 严重", two others "噪音 路灯", ten others "路灯 坏了" (split on spaces):
# n_neg = 18 words, n_other = 2*2 + 10*2 = 24, n = 42, and the prior is the pooled counts (α0 = n).
TEXTS = ["噪音 扰民 严重"] * 6 + ["噪音 路灯"] * 2 + ["路灯 坏了"] * 10
NEGATIVE = [True] * 6 + [False] * 12


def test_log_odds_and_z_score_match_the_hand_computation():
    table = mine_candidates(TEXTS, NEGATIVE, set(), min_count=2, tokenizer=str.split)
    # 严重: y_neg = 6, y_other = 0, α = 6 -> log(12 / (18 + 42 - 12)) - log(6 / (24 + 42 - 6)) = log(2.5),
    # variance 1/12 + 1/6 = 1/4 -> z = 2 log(2.5).
    first = table.iloc[0]
    assert first["word"] == "严重"
    assert first["log_odds"] == pytest.approx(math.log(2.5))
    assert first["z_score"] == pytest.approx(2 * math.log(2.5))
    assert (first["negative_count"], first["other_count"]) == (6, 0)
    # 噪音: y_neg = 6, y_other = 2, α = 8 -> log(14 / 46) - log(10 / 56); variance 1/14 + 1/10.
    noise = table.set_index("word").loc["噪音"]
    expected = math.log(14 / 46) - math.log(10 / 56)
    assert noise["log_odds"] == pytest.approx(expected)
    assert noise["z_score"] == pytest.approx(expected / math.sqrt(1 / 14 + 1 / 10))
    # 路灯 and 坏了 lean to the other texts: not candidates.
    assert list(table["word"]) == ["严重", "扰民", "噪音"]
    assert list(table.columns) == ["word", "log_odds", "z_score", "negative_count", "other_count"]


def test_known_words_placeholders_numbers_and_rare_words_are_left_out():
    texts = ["甩锅 PHONE 123 严重 偶尔"] * 4 + ["甩锅"] + ["路灯 坏了"] * 5
    negative = [True] * 5 + [False] * 5
    table = mine_candidates(texts, negative, {"严重"}, min_count=5, tokenizer=str.split)
    # 严重 is known, PHONE a placeholder, 123 a number, 偶尔 in only 4 negative texts.
    assert list(table["word"]) == ["甩锅"]
    assert (table.iloc[0]["negative_count"], table.iloc[0]["other_count"]) == (5, 0)
    assert list(mine_candidates(texts, negative, set(), min_count=4, tokenizer=str.split)["word"]) == [
        "甩锅",
        "严重",
        "偶尔",
    ]


def test_a_text_counts_a_word_once_and_top_limits_the_table():
    texts = ["吵 吵 吵 吵 脏"] + ["好"] * 3
    negative = [True, False, False, False]
    table = mine_candidates(texts, negative, set(), min_count=1, top=1, tokenizer=str.split)
    assert len(table) == 1
    assert table.iloc[0]["negative_count"] == 1


def test_chinese_texts_through_the_shared_tokenizer():
    negative_texts = [
        "街道办一直甩锅，问题拖了三个月",
        "物业甩锅给社区，电话13612345678打不通",
        "部门之间甩锅",
    ]
    other_texts = ["小区门口路灯坏了，请修理", "路灯不亮，晚上看不清", "井盖松动，请尽快处理"]
    texts = negative_texts * 2 + other_texts * 2
    negative = [True] * 6 + [False] * 6
    table = mine_candidates(texts, negative, set(), min_count=5)
    assert table.iloc[0]["word"] == "甩锅"
    assert table.iloc[0]["negative_count"] == 6
    assert "PHONE" not in set(table["word"])


def test_empty_input_gives_an_empty_table_with_the_columns():
    table = mine_candidates([], [], set())
    assert table.empty
    assert list(table.columns) == ["word", "log_odds", "z_score", "negative_count", "other_count"]


def test_mismatched_lengths_are_refused():
    with pytest.raises(ValueError, match="differ in length"):
        mine_candidates(["a"], [True, False], set())


def test_weighted_log_odds_with_an_explicit_prior_size():
    import pandas as pd

    # α0 = 10 over n = 4 words: α_a = 10 * 2 / 4 = 5 -> log(7 / (2 + 10 - 7)) - log(5 / (2 + 10 - 5)).
    scored = weighted_log_odds(pd.Series({"a": 2, "b": 0}), pd.Series({"a": 0, "b": 2}), prior_size=10)
    assert scored.loc["a", "log_odds"] == pytest.approx(math.log(7 / 5) - math.log(5 / 7))
