"""Shapes the API shares across apps."""

from typing import Generic, TypeVar

from ninja import Schema
from pydantic import Field

T = TypeVar("T")


class CursorPage(Schema, Generic[T]):
    results: list[T]
    next: str | None = Field(None, description="Cursor for the next page; absent on the last page.")
    previous: str | None = Field(None, description="Cursor for the previous page.")


class PageParams(Schema):
    cursor: str | None = Field(None, max_length=500)
    page_size: int = Field(50, ge=1, le=500)


class Ref(Schema):
    id: int
    name: str
