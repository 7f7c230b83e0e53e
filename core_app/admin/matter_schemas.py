"""Write schemas of the matter configuration: matters, one-thing bundles, and the import report."""

from pydantic import BaseModel, Field

from core_app.admin.org_schemas import WriteModel
from core_app.matters.models import BundleOrigin, BundleStatus, LimitUnit, MatterStatus, MatterType


class MatterCreate(WriteModel):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=100)
    matter_type: MatterType
    is_power_matter: bool = True
    department_id: int
    legal_limit_days: int | None = Field(default=None, ge=0, le=3650)
    promised_limit_days: int = Field(default=0, ge=0, le=3650)
    limit_unit: LimitUnit = LimitUnit.WORKING_DAY
    is_immediate: bool = False
    max_visits: int = Field(default=1, ge=0, le=10)
    online_capable: bool = False
    mobile_capable: bool = False
    in_hall: bool = True
    hall_exempt: bool = False
    resident_only: bool = False
    handling_levels: str = Field(default="county", max_length=32)
    commitment_allowed: bool = False
    gap_tolerant: bool = False
    status: MatterStatus = MatterStatus.ACTIVE


class MatterUpdate(WriteModel):
    """Fields to change; ``version`` (optional) must be the version the client read."""

    version: int | None = Field(default=None, ge=1)
    code: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=100)
    matter_type: MatterType | None = None
    is_power_matter: bool | None = None
    department_id: int | None = None
    legal_limit_days: int | None = Field(default=None, ge=0, le=3650)
    promised_limit_days: int | None = Field(default=None, ge=0, le=3650)
    limit_unit: LimitUnit | None = None
    is_immediate: bool | None = None
    max_visits: int | None = Field(default=None, ge=0, le=10)
    online_capable: bool | None = None
    mobile_capable: bool | None = None
    in_hall: bool | None = None
    hall_exempt: bool | None = None
    resident_only: bool | None = None
    handling_levels: str | None = Field(default=None, max_length=32)
    commitment_allowed: bool | None = None
    gap_tolerant: bool | None = None
    status: MatterStatus | None = None


class BundleCreate(WriteModel):
    name: str = Field(min_length=1, max_length=100)
    lead_department_id: int | None = None
    origin: BundleOrigin = BundleOrigin.OFFICIAL
    status: BundleStatus = BundleStatus.ACTIVE
    matter_ids: list[int] = Field(min_length=2, max_length=50, description="The matters, in order.")


class BundleUpdate(WriteModel):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    lead_department_id: int | None = None
    origin: BundleOrigin | None = None
    status: BundleStatus | None = None
    matter_ids: list[int] | None = Field(default=None, min_length=2, max_length=50)


class RejectedRowRead(BaseModel):
    row: int
    field: str
    column: str
    value: str
    reason: str
    code: str


class ImportReportRead(BaseModel):
    """What a matter import did; nothing is written when ``written`` is false."""

    kind: str
    filename: str
    rows_read: int
    valid: int
    rejected: int
    inserted: int
    updated: int
    unchanged: int
    written: bool
    partial: bool
    rejects: list[RejectedRowRead]
    ignored_columns: list[str]
    duplicates_in_file: int
    duplicates_in_database: int
