"""Bases of the Read schemas of every domain."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ReadModel(BaseModel):
    """Base of every Read schema: built from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class RecordRead(ReadModel):
    """A record with the common id and audit timestamps."""

    id: int
    created_at: datetime
    updated_at: datetime
