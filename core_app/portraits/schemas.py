"""Response and request bodies of the portrait and lifecycle endpoints. Free text is masked on output."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from core_app.privacy.masking import MaskedName, MaskedText, MaskedUscc


class PortraitRead(BaseModel):
    """One subject's portrait: features (no personal data), rule tags and the 0-100 score."""

    subject_type: str
    subject_id: int
    label: str | None = Field(
        None, description="enterprise name, staff number, hall and window number; none for citizens"
    )
    uscc: MaskedUscc | None = None
    score: float | None
    tags: list[str]
    features: dict[str, Any]
    as_of: datetime
    computed_at: datetime


class PortraitPage(BaseModel):
    items: list[PortraitRead]
    total: int
    page: int
    page_size: int


class FieldLabel(BaseModel):
    name: str
    label: str


class TagCount(BaseModel):
    tag: str
    count: int


class TagCounts(BaseModel):
    subject_type: str
    total: int = Field(description="portraits of this type the caller may see")
    tags: list[TagCount]


class RebuildReport(BaseModel):
    full: bool
    skipped: bool = Field(description="nothing had changed since the last run, so nothing was rewritten")
    as_of: datetime
    seconds: float
    rows: dict[str, int]


class CitizenLookup(BaseModel):
    """Find a citizen by resident ID number, in the body so that the number never appears in a URL."""

    id_card_no: str = Field(max_length=64, description="18-character resident ID number")


class LifecycleItem(BaseModel):
    at: datetime
    kind: str
    channel: str | None = None
    case_no: str | None = None
    matter_id: int | None = None
    matter_name: str | None = None
    department_id: int | None = None
    department_name: str | None = None
    reference: str | None = Field(None, description="ticket or event number")
    status: str | None = None
    outcome: str | None = None
    level: int | None = None
    topic: MaskedText | None = Field(None, description="consultation question or event title (masked)")


class Lifecycle(BaseModel):
    """全生命周期 of one applicant, oldest first."""

    subject_type: str
    subject_id: int
    uscc: MaskedUscc | None = None
    enterprise_name: str | None = None
    citizen_name: MaskedName | None = None
    period_from: datetime | None = None
    period_to: datetime | None = Field(None, description="exclusive")
    total: int
    items: list[LifecycleItem]
