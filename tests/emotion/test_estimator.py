"""The emotion classifier: fit/predict/proba on a small hand-made set, explanations, and bad input."""

import numpy as np
import pytest

from features.emotion import Lexicon
from models.emotion.estimator import MAX_CHARS, EmotionClassifier, EmotionError

NEGATIVE = [
    "楼下烧烤店油烟太大，投诉多次没人管，非常气愤",
    "物业态度恶劣，推诿扯皮，太让人失望了",
    "噪音扰民到凌晨，根本无法休息，受不了",
    "工资拖欠半年，老板跑了，我们很绝望",
    "路面塌陷很久了没人修，太差了",
    "办事窗口敷衍了事，跑了五趟还没办成，很生气",
]
POSITIVE = [
    "社区工作人员非常热心，问题很快解决了，感谢",
    "窗口服务很周到，办事效率高，非常满意",
    "路灯修好了，晚上出行方便多了，谢谢你们",
    "反映的问题当天就处理了，给你们点赞",
    "工作人员耐心解答，态度很好，满意",
    "小区环境整治后干净整洁，居民都很开心",
]
NEUTRAL = [
    "请问社保卡在哪里办理",
    "咨询一下公积金提取需要什么材料",
    "想了解一下居住证的办理流程",
    "请问营业执照变更要带哪些证件",
    "咨询新生儿落户的手续",
    "请问周末政务大厅开门吗",
]


@pytest.fixture(scope="module")
def model() -> EmotionClassifier:
    texts = (NEGATIVE + POSITIVE + NEUTRAL) * 2
    labels = (["negative"] * 6 + ["positive"] * 6 + ["neutral"] * 6) * 2
    angry = ([1.0, 1.0, 0.0, 0.0, 0.0, 1.0] + [0.0] * 12) * 2
    return EmotionClassifier(C=5.0).fit(texts, labels, angry=angry)


def test_probabilities_are_a_distribution_over_the_three_polarities(model) -> None:
    proba = model.predict_proba(["服务态度很差，非常不满", "工作人员热心周到，问题解决了，非常满意"])
    assert list(model.classes_) == ["negative", "neutral", "positive"]
    assert proba.shape == (2, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert list(model.predict(["服务态度很差，非常不满", "工作人员热心周到，问题解决了，非常满意"])) == [
        "negative",
        "positive",
    ]
    assert model.temperature_ > 0


def test_the_analysis_explains_with_phrases_and_flags(model) -> None:
    row = model.analyse(["小区燃气泄漏，多次投诉没人管，非常愤怒！"]).iloc[0]
    assert row["polarity"] == "negative" and -1 <= row["score"] < 0 < row["intensity"] <= 1
    assert row["urgent"] and row["important"]
    assert row["root_words"].split(";")[0] == "非常愤怒".removeprefix("非常") + ":-10"
    assert {"text": "非常愤怒", "root": "愤怒", "weight": -10.0} in row["phrases"]
    assert row["urgent_words"] == ["燃气泄漏"] and "多次投诉" in row["important_words"]
    assert row["note"] == ""


def test_an_edited_lexicon_changes_flags_without_retraining(model) -> None:
    text = "电动车在楼道里充电"
    assert not model.analyse([text]).iloc[0]["urgent"]
    edited = Lexicon.from_rows(
        [
            *Lexicon.packaged().to_rows(),
            {"kind": "root", "word": "楼道里充电", "polarity": -1, "score": 2, "attrs": "urgent,fire"},
        ]
    )
    row = model.analyse([text], lexicon=edited).iloc[0]
    assert row["urgent"] and row["risk_tags"] == ["fire"]


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("", "empty text"),
        ("   ", "empty text"),
        (None, "empty text"),
        ("1234567", "no words to read"),
        ("。。。!!", "no words to read"),
    ],
)
def test_texts_with_nothing_to_read_are_neutral_with_a_reason(model, text, note) -> None:
    row = model.analyse([text]).iloc[0]
    assert (row["polarity"], row["score"], row["intensity"], row["note"]) == ("neutral", 0.0, 0.0, note)


def test_emoji_alone_are_read_through_the_lexicon(model) -> None:
    row = model.analyse(["😡😡😡"]).iloc[0]
    assert row["note"] == "" and row["root_words"].startswith("😡")


def test_a_very_long_text_is_truncated_with_a_note(model) -> None:
    row = model.analyse(["太差了" * 4000]).iloc[0]
    assert row["note"] == f"truncated to {MAX_CHARS} characters" and row["polarity"] == "negative"


def test_mixed_languages_are_read(model) -> None:
    row = model.analyse(["The service is terrible，态度很差"]).iloc[0]
    assert row["polarity"] == "negative" and "terrible" in row["root_words"]


def test_an_empty_batch_gives_an_empty_table(model) -> None:
    assert model.analyse([]).empty


def test_labels_outside_the_three_polarities_are_refused() -> None:
    with pytest.raises(EmotionError, match="unknown polarity labels"):
        EmotionClassifier().fit(["好", "坏"], ["good", "bad"])
    with pytest.raises(EmotionError, match="at least two polarity classes"):
        EmotionClassifier().fit(["好", "很好"], ["positive", "positive"])


def test_the_lexicon_prior_moves_only_the_positive_negative_split(model) -> None:
    from sklearn.base import clone

    from features.emotion import match

    text = "这家店服务太差了"
    lexicon_score = match(text, Lexicon.packaged()).score
    plain = clone(model).set_params(lexicon_prior=0.0)
    plain.__dict__.update({k: v for k, v in model.__dict__.items() if k.endswith("_")})
    base = plain.predict_proba([text])[0]
    for prior in (0.35, 1.0):
        plain.lexicon_prior = prior
        blended = plain.predict_proba([text])[0]
        mass = base[0] + base[2]  # negative, neutral, positive
        share = (1 - prior) * base[2] / mass + prior * (1 + lexicon_score) / 2
        assert blended[1] == pytest.approx(base[1])  # neutral keeps its probability
        assert blended[2] == pytest.approx(mass * share) and blended[0] == pytest.approx(mass * (1 - share))
