"""Shared parameter types: ids within the database's INTEGER range, so out-of-range ids are a 422."""

from typing import Annotated

from fastapi import Path

# INTEGER columns are 32-bit on PostgreSQL; a larger id cannot exist and must not reach the database.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1

RecordId = Annotated[int, Path(ge=1, le=INT_MAX, description="The record's id.")]
