"""The page envelope every list endpoint returns."""

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

ItemT = TypeVar("ItemT")


class Page(BaseModel, Generic[ItemT]):
    """One page of a list, with the total count of matching records."""

    items: list[ItemT]
    total: int = Field(description="Records matching the filters, over all pages.")
    page: int = Field(description="1-based page number.")
    page_size: int
