"""Schemas of dispatch recommendations."""

from datetime import datetime

from pydantic import BaseModel, Field

from core_app.api.schemas import ReadModel
from core_app.events.models import Complexity, EventSource, Polarity, Priority
from core_app.privacy.masking import MaskedText


class TableEntry(BaseModel):
    """One department of the table: the model's label (a department code) and its probability."""

    department_code: str | None
    department_id: int | None
    department_name: str | None
    probability: float
    ruling_id: int | None = None  # set when an arbitration ruling named this department


class RecommendationRead(ReadModel):
    """A stored recommendation: the full table, most probable first, and whether to auto-dispatch."""

    id: int
    event_id: int
    model_name: str
    model_version: str
    table: list[TableEntry]
    top1_department_id: int | None
    top1_probability: float
    abstain: bool
    threshold: float
    created_by: int | None
    created_at: datetime


class QueueItem(ReadModel):
    """An event waiting for a dispatcher, with the model's first choice where it gave one."""

    id: int
    event_no: str
    source: EventSource
    title: MaskedText
    priority: Priority
    priority_reasons: list[dict[str, str]] | None = None  # [{"code", "detail"}]; None: never assessed
    emotion_polarity: Polarity | None = None
    emotion_score: float | None = None
    urgency: bool = False
    importance: bool = False
    risk_tags: str = ""
    reported_at: datetime
    accepted_at: datetime | None
    return_count: int
    is_difficult: bool
    version: int
    category_id: int | None = None
    complexity: Complexity = Complexity.SIMPLE
    due_at: datetime | None = Field(
        default=None,
        description="End-to-end target: accepted (else reported) + the handling limit of its category and "
        "complexity (153024: simple 30 min, complex 24 h); the dispatcher's countdown.",
    )
    top1_department_id: int | None = None
    top1_department_name: str | None = None
    top1_probability: float | None = None
