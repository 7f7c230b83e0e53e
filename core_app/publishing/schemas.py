"""Schemas of publications: targets and channels are validated lists, stored comma-separated."""

import enum
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, Field, computed_field, field_validator

from core_app.admin.common import local_time
from core_app.admin.org_schemas import WriteModel
from core_app.api.schemas import RecordRead
from core_app.publishing.models import PublicationKind, PublicationStatus


class PublicationTarget(enum.StrEnum):
    COCKPIT = "cockpit"
    LED = "led"
    HALL_SCREEN = "hall_screen"
    PERSONAL_SPACE = "personal_space"


class PublicationChannel(enum.StrEnum):
    IN_APP = "in_app"
    SMS = "sms"
    APP_PUSH = "app_push"


# Which workflow actions each status allows (edit = PATCH; the others are POST .../{action}).
ACTIONS: dict[PublicationStatus, tuple[str, ...]] = {
    PublicationStatus.DRAFT: ("edit", "submit"),
    PublicationStatus.PENDING_REVIEW: ("publish", "reject"),
    PublicationStatus.SCHEDULED: ("withdraw",),
    PublicationStatus.PUBLISHED: ("withdraw",),
    PublicationStatus.WITHDRAWN: (),
    PublicationStatus.EXPIRED: (),
}

LocalDatetime = Annotated[datetime, AfterValidator(local_time)]


def _split(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part for part in value.split(",") if part]
    return list(value)


class PublicationCreate(WriteModel):
    kind: PublicationKind
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=20_000)
    targets: list[PublicationTarget] = Field(min_length=1, description="Where it is shown.")
    channels: list[PublicationChannel] = Field(default_factory=list, description="How readers are told.")
    hall_id: int | None = None
    publish_at: LocalDatetime | None = Field(default=None, description="Publish later (scheduled).")
    expire_at: LocalDatetime | None = Field(default=None, description="Taken down after this instant.")


class PublicationUpdate(WriteModel):
    """Fields to change on a draft; ``version`` (optional) must be the version the client read."""

    version: int | None = Field(default=None, ge=1)
    kind: PublicationKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=20_000)
    targets: list[PublicationTarget] | None = Field(default=None, min_length=1)
    channels: list[PublicationChannel] | None = None
    hall_id: int | None = None
    publish_at: LocalDatetime | None = None
    expire_at: LocalDatetime | None = None


class PublishRequest(WriteModel):
    publish_at: LocalDatetime | None = Field(
        default=None, description="Future instant: scheduled; absent or past: published now."
    )
    version: int | None = Field(default=None, ge=1)


class TransitionRequest(WriteModel):
    version: int | None = Field(default=None, ge=1)


class PublicationRead(RecordRead):
    kind: PublicationKind
    title: str
    body: str
    targets: list[PublicationTarget]
    channels: list[PublicationChannel]
    hall_id: int | None
    status: PublicationStatus
    publish_at: datetime | None
    expire_at: datetime | None
    published_at: datetime | None

    @field_validator("targets", "channels", mode="before")
    @classmethod
    def _stored_lists(cls, value: Any) -> list[str]:
        return _split(value)


class PublicationAdminRead(PublicationRead):
    """A publication as its editors and reviewers see it, with the actions its status allows."""

    withdrawn_at: datetime | None
    author_id: int | None
    reviewer_id: int | None
    version: int

    @computed_field
    @property
    def actions(self) -> list[str]:
        return list(ACTIONS[self.status])
