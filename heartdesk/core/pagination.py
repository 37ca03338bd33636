"""Keyset ("cursor") pagination shared by pages and the API: steady cost at any depth, no COUNT(*) over millions."""

import base64
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from heartdesk.core.errors import Invalid


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None
    previous_cursor: str | None


def _exact(value: Any) -> str:
    """Times go into cursors whole (microseconds kept), so the next page starts exactly after the last row."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot put {type(value).__name__} in a cursor")


def _encode(values: list[Any], backwards: bool) -> str:
    return base64.urlsafe_b64encode(json.dumps([backwards, values], default=_exact).encode()).decode().rstrip("=")


def _decode(cursor: str, width: int) -> tuple[bool, list[Any]]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        backwards, values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(backwards, bool) or not isinstance(values, list) or len(values) != width:
            raise ValueError
        return backwards, values
    except (ValueError, TypeError, UnicodeDecodeError):
        raise Invalid("The cursor is not one this list gave out; start again from the first page.", field="cursor")


def _after(order: tuple[str, ...], values: list[Any], reverse: bool) -> Q:
    """Rows strictly after `values` in ascending `order` (before them when `reverse`).

    `a > x OR (a = x AND b > y)` with the implied `a >= x` beside it: PostgreSQL makes no index condition of the
    OR and would read the index from its start (50,001 entries for a cursor 50,000 deep in a queue); with the bound
    both databases start the range at the cursor, and the OR only drops the rows that share its first value."""
    op = "lt" if reverse else "gt"
    condition = Q()
    for i, field in enumerate(order):
        step = Q(**{f"{f}": values[j] for j, f in enumerate(order[:i])}) & Q(**{f"{field}__{op}": values[i]})
        condition |= step
    if len(order) > 1:
        condition &= Q(**{f"{order[0]}__{op}e": values[0]})
    return condition


def keyset_page(
    queryset: QuerySet, *, order: tuple[str, ...], cursor: str | None, size: int, descending: bool = False
) -> Page:
    """One page of `queryset` in ascending `order` (descending when asked; the last field must be unique)."""
    backwards = False
    qs = queryset
    if cursor:
        backwards, values = _decode(cursor, len(order))
        qs = qs.filter(_after(order, values, reverse=backwards != descending))
    walk_down = backwards != descending
    ordering = [f"-{f}" for f in order] if walk_down else list(order)
    rows = list(qs.order_by(*ordering)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    def key(row) -> list[Any]:
        return [getattr(row, f) for f in order]

    has_next = True if backwards else more
    has_previous = more if backwards else cursor is not None
    return Page(
        items=rows,
        next_cursor=_encode(key(rows[-1]), False) if rows and has_next else None,
        previous_cursor=_encode(key(rows[0]), True) if rows and has_previous else None,
    )
