"""Priority P1-P4 from emotion, urgency and importance words, repeat contact and category severity.

DOMAIN §7.2: urgent and important -> p1, urgent -> p2, important -> p3, else p4. The issue adds three more
inputs, each of which can make an event urgent or important, and every contribution is kept as a reason:
- urgent: an urgency root word (fire, gas, flood, violence, self-harm...) or a category of critical severity;
- important: an importance root word (group complaints, media, repeat wording), two or more earlier reports
  by the same reporter or at the same place within 30 days, a category of high severity, or a strongly
  negative emotion (score <= -0.6 with intensity >= 0.6).
A category's severity alone never makes p1: a routine gas-meter question is urgent (p2), not p1; it takes a
second, independent signal.
"""

from collections.abc import Sequence
from dataclasses import dataclass

STRONG_NEGATIVE_SCORE = -0.6
STRONG_INTENSITY = 0.6
REPEAT_IMPORTANT = 2


@dataclass(frozen=True)
class PriorityInput:
    urgent: bool = False
    important: bool = False
    emotion_score: float = 0.0
    intensity: float = 0.0
    repeat_count: int = 0
    severity: str = "normal"
    urgent_words: Sequence[str] = ()
    important_words: Sequence[str] = ()


def _reason(code: str, detail: str) -> dict[str, str]:
    return {"code": code, "detail": detail}


def urgency_reasons(inp: PriorityInput) -> list[dict[str, str]]:
    """Return why the event is urgent (empty when it is not)."""
    reasons = []
    if inp.urgent:
        reasons.append(_reason("urgent_words", "、".join(inp.urgent_words) or "urgency word"))
    if inp.severity == "critical":
        reasons.append(_reason("category_critical", "category of critical severity"))
    return reasons


def importance_reasons(inp: PriorityInput) -> list[dict[str, str]]:
    """Return why the event is important (empty when it is not)."""
    reasons = []
    if inp.important:
        reasons.append(_reason("important_words", "、".join(inp.important_words) or "importance word"))
    if inp.repeat_count >= REPEAT_IMPORTANT:
        reasons.append(_reason("repeat_contact", f"{inp.repeat_count} earlier reports within 30 days"))
    if inp.severity == "high":
        reasons.append(_reason("category_severity", "category of high severity"))
    if inp.emotion_score <= STRONG_NEGATIVE_SCORE and inp.intensity >= STRONG_INTENSITY:
        detail = f"strongly negative emotion (score {inp.emotion_score:.2f}, intensity {inp.intensity:.2f})"
        reasons.append(_reason("strong_emotion", detail))
    return reasons


def decide_priority(inp: PriorityInput) -> tuple[str, list[dict[str, str]]]:
    """Return ("p1".."p4", reasons): urgent and important p1, urgent p2, important p3, else p4."""
    urgent, important = urgency_reasons(inp), importance_reasons(inp)
    if urgent and important:
        return "p1", urgent + important
    if urgent:
        return "p2", urgent
    if important:
        return "p3", important
    return "p4", []


def priority_flags(priority: str) -> tuple[bool, bool]:
    """Return (urgent, important) as the priority decided them: p1 both, p2 urgent, p3 important."""
    return priority in ("p1", "p2"), priority in ("p1", "p3")
