"""The priority rule: urgent and important p1, urgent p2, important p3, else p4, with every reason kept."""

import pytest

from models.emotion.priority import PriorityInput, decide_priority


@pytest.mark.parametrize(
    ("inp", "priority", "codes"),
    [
        (PriorityInput(), "p4", []),
        (PriorityInput(urgent=True, urgent_words=["燃气泄漏"]), "p2", ["urgent_words"]),
        (PriorityInput(important=True, important_words=["媒体"]), "p3", ["important_words"]),
        (PriorityInput(urgent=True, repeat_count=2), "p1", ["urgent_words", "repeat_contact"]),
        (PriorityInput(repeat_count=1), "p4", []),
        (PriorityInput(severity="critical"), "p2", ["category_critical"]),
        (PriorityInput(severity="high"), "p3", ["category_severity"]),
        (
            PriorityInput(severity="critical", emotion_score=-0.8, intensity=0.7),
            "p1",
            ["category_critical", "strong_emotion"],
        ),
        (PriorityInput(emotion_score=-0.8, intensity=0.5), "p4", []),
        (PriorityInput(emotion_score=-0.6, intensity=0.6), "p3", ["strong_emotion"]),
    ],
)
def test_priority_and_reasons(inp, priority, codes) -> None:
    decided, reasons = decide_priority(inp)
    assert decided == priority and [r["code"] for r in reasons] == codes


def test_reasons_name_the_words_and_counts() -> None:
    _, reasons = decide_priority(
        PriorityInput(urgent=True, urgent_words=["燃气泄漏", "老人摔倒"], repeat_count=3)
    )
    assert reasons == [
        {"code": "urgent_words", "detail": "燃气泄漏、老人摔倒"},
        {"code": "repeat_contact", "detail": "3 earlier reports within 30 days"},
    ]
