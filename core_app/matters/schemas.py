"""Read schemas of the matter catalog and one-thing bundles."""

from typing import Any

from pydantic import Field

from core_app.api.schemas import ReadModel, RecordRead
from core_app.matters.models import BundleOrigin, BundleStatus, LimitUnit, MatterStatus, MatterType


class MatterRead(RecordRead):
    code: str
    name: str
    matter_type: MatterType
    is_power_matter: bool
    department_id: int
    legal_limit_days: int | None
    promised_limit_days: int
    limit_unit: LimitUnit
    is_immediate: bool
    max_visits: int
    online_capable: bool
    mobile_capable: bool
    in_hall: bool
    hall_exempt: bool
    resident_only: bool
    handling_levels: str
    commitment_allowed: bool
    gap_tolerant: bool
    status: MatterStatus
    version: int


class MatterBundleItemRead(ReadModel):
    matter_id: int
    seq: int


class MatterBundleRead(RecordRead):
    name: str
    lead_department_id: int | None
    origin: BundleOrigin
    status: BundleStatus
    score: float | None = Field(None, description="A mined bundle's rank score (None for official ones).")
    evidence: dict[str, Any] | None = Field(
        None, description="A mined bundle's evidence: applicants, lifts, density, best handling path."
    )
    items: list[MatterBundleItemRead] = Field(default_factory=list, description="Matters in order of seq.")
