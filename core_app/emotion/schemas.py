"""Schemas of emotion scoring (POST /emotion) and of an event's priority (DOMAIN §7.2)."""

from pydantic import BaseModel, ConfigDict, Field

from core_app.api.schemas import ReadModel
from core_app.events.models import Polarity, Priority

MAX_TEXTS = 500


class EmotionRequest(BaseModel):
    """One text (``text``) or a batch (``texts``, 1-500); a text over 10,000 characters is cut (noted)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(default=None, description="One text to score.")
    texts: list[str] | None = Field(
        default=None, min_length=1, max_length=MAX_TEXTS, description="Up to 500 texts to score."
    )


class Reason(BaseModel):
    """Why a priority is what it is: a code (urgent_words, repeat_contact, ...) and a readable detail."""

    code: str
    detail: str


class WeightedWord(BaseModel):
    word: str
    weight: float


class Phrase(BaseModel):
    """A matched phrase (modifiers and root), its root word and its signed weight."""

    text: str
    root: str
    weight: float


class EmotionResult(BaseModel):
    """The emotion of one text and the priority the text alone gives (no repeat contact, no category)."""

    polarity: Polarity
    score: float = Field(description="Emotion score in [-1, 1]; negative is unhappy.")
    intensity: float = Field(description="How strong the emotion is, in [0, 1].")
    urgent: bool
    important: bool
    priority: Priority
    priority_reasons: list[Reason]
    root_words: list[WeightedWord] = Field(
        description="The root words that drove the score, strongest first."
    )
    phrases: list[Phrase]
    risk_tags: list[str]
    note: str = Field(description='Empty, or why the answer is what it is ("empty text", truncation).')


class ModelInfo(BaseModel):
    name: str
    version: str


class EmotionResponse(BaseModel):
    """One result per text, in the order given, and the model that scored them."""

    model: ModelInfo
    results: list[EmotionResult]


class PriorityRead(ReadModel):
    """An event's priority with its reasons and the emotion inputs it was decided from."""

    event_id: int
    event_no: str
    priority: Priority
    priority_reasons: list[Reason] = Field(description="Why; empty for p4 and for an event never assessed.")
    assessed: bool = Field(description="False for an event stored before priorities were assessed.")
    emotion_polarity: Polarity | None
    emotion_score: float | None
    urgency: bool
    importance: bool
    risk_tags: list[str]
