"""Request and response bodies of the emotion lexicon endpoints."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field, field_validator

from core_app.admin.org_schemas import WriteModel
from core_app.api.pagination import Page
from core_app.emotion.models import CandidateStatus, EntryKind, LexiconStatus

POLARITY_HELP = "Roots: -1 negative, 0 none (an urgency or risk word only), 1 positive; ignored otherwise."
SCORE_HELP = "Roots: strength 1-5 (0 for a pure risk word); degree adverbs: the multiplier in (0, 5]."
ATTRS_HELP = (
    "Roots: urgent, important and risk tags (fire, gas, flood, violence ...), a list or comma-separated."
)


def _attrs_text(value: Any) -> Any:
    """Accept attributes as a list or as comma-separated text; store them comma-separated."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return value


AttrsText = Annotated[str, BeforeValidator(_attrs_text), Field(max_length=120, description=ATTRS_HELP)]


class EntryWrite(WriteModel):
    kind: EntryKind = EntryKind.ROOT
    word: str = Field(min_length=1, max_length=32)
    polarity: int | None = Field(default=None, ge=-1, le=1, description=POLARITY_HELP)
    score: float | None = Field(default=None, ge=0, le=5, description=SCORE_HELP)
    attrs: AttrsText = ""


class EntryRead(BaseModel):
    kind: EntryKind
    word: str
    polarity: int | None
    score: float | None
    attrs: list[str]

    @field_validator("attrs", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return [a for a in value.split(",") if a] if isinstance(value, str) else value


class EntryChangesRead(BaseModel):
    version: int
    added: list[str] = Field(description="Words new to the draft.")
    updated: list[str] = Field(description="Words whose polarity, score or attributes changed.")
    unchanged: list[str] = Field(description="Words already in the draft as given.")


class VersionCreate(WriteModel):
    based_on: int | None = Field(
        default=None, ge=1, description="Version to copy; the active one by default."
    )
    note: str = Field(default="", max_length=2000)


class VersionRead(BaseModel):
    version: int
    status: LexiconStatus
    note: str
    based_on: int | None
    created_by: int | None
    created_at: datetime
    activated_at: datetime | None
    counts: dict[str, int] = Field(description="Entries per kind: root, negation, degree.")


class LexiconRead(BaseModel):
    """A version with one page of its entries."""

    source: str = Field(description="database, or shipped while no version is in the database yet.")
    version: VersionRead | None
    counts: dict[str, int]
    entries: Page[EntryRead]


class DiffChange(BaseModel):
    kind: EntryKind
    word: str
    before: EntryRead
    after: EntryRead


class DiffRead(BaseModel):
    version: int
    against: int
    added: list[EntryRead] = Field(description="In version, not in against.")
    removed: list[EntryRead] = Field(description="In against, not in version.")
    changed: list[DiffChange]


class MineRequest(WriteModel):
    start: datetime = Field(alias="from", description="Events reported at or after (local time if naive).")
    end: datetime = Field(alias="to", description="Events reported before.")
    min_count: int = Field(default=5, ge=1, le=100_000, description="Negative events a word must be in.")
    top: int = Field(default=100, ge=1, le=1000, description="Candidates kept, highest z-score first.")


class CandidateRead(BaseModel):
    id: int
    word: str
    log_odds: float
    z_score: float
    negative_count: int = Field(description="Negative events containing the word.")
    other_count: int = Field(description="Other events containing the word.")
    status: CandidateStatus
    mined_at: datetime
    decided_by: int | None
    decided_at: datetime | None
    version: int | None = Field(description="The lexicon version the accepted word went into.")


class MineResult(BaseModel):
    events: int = Field(description="Events reported in the period.")
    negative_events: int = Field(description="Of which dissatisfied or negative.")
    candidates: list[CandidateRead] = Field(description="Words proposed or refreshed by this run.")


class CandidateAccept(WriteModel):
    polarity: int = Field(default=-1, ge=-1, le=1, description=POLARITY_HELP)
    score: float = Field(ge=0, le=5, description="Strength 1-5 (0 for a pure risk word).")
    attrs: AttrsText = ""
    version: int | None = Field(
        default=None,
        ge=1,
        description="Draft to add the word to; the newest draft, or a new one, by default.",
    )
