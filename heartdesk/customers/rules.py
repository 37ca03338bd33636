"""Field rules for customer records, shared by the services and the CSV import (pure functions, no ORM)."""

import datetime as dt
import re
import zoneinfo
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from heartdesk.customers.choices import Channel, CustomerStatus

MAX_TAGS = 20
_LANGUAGE = re.compile(r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$")


class RuleError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def clean_email(value: str | None, field: str = "email") -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if len(value) > 254:
        raise RuleError(field, "Email addresses are at most 254 characters.")
    try:
        validate_email(value)
    except ValidationError:
        raise RuleError(field, f"{value!r} is not a valid email address.")
    return value.lower()


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def clean_time_zone(value: str | None) -> str:
    value = (value or "").strip()
    if value and value not in _zones():
        raise RuleError("time_zone", f"{value!r} is not a known time zone (for example Europe/Berlin).")
    return value


def clean_language(value: str | None) -> str:
    value = (value or "").strip()
    if value and not _LANGUAGE.match(value):
        raise RuleError("language", f"{value!r} is not a language code (for example en or pt-BR).")
    return value.replace("_", "-")


def clean_channels(values, field: str = "preferred_channels") -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = [v for v in re.split(r"[,;|]", values)]
    cleaned: list[str] = []
    by_label = {label.casefold(): value for value, label in Channel.choices}
    for raw in values:
        item = str(raw).strip()
        if not item:
            continue
        key = item.casefold().replace(" ", "_").replace("-", "_")
        value = key if key in Channel.values else by_label.get(item.casefold())
        if value is None:
            raise RuleError(field, f"{item!r} is not a channel; use one of {', '.join(Channel.values)}.")
        if value not in cleaned:
            cleaned.append(value)
    return cleaned


def clean_tags(values, field: str = "tags") -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(r"[,;|]", values)
    tags: list[str] = []
    for raw in values:
        tag = " ".join(str(raw).split())
        if not tag:
            continue
        if len(tag) > 50:
            raise RuleError(field, f"Tag {tag[:20]!r}… is longer than 50 characters.")
        if tag.casefold() not in {t.casefold() for t in tags}:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise RuleError(field, f"At most {MAX_TAGS} tags.")
    return tags


def clean_status(status: str | None, churned_on: dt.date | None, today: dt.date) -> tuple[str, dt.date | None]:
    """Churned customers carry the date they left (needed for retention); active ones carry none."""
    status = (status or CustomerStatus.ACTIVE).strip().lower()
    if status not in CustomerStatus.values:
        raise RuleError("status", f"{status!r} is not a status; use active or churned.")
    if status == CustomerStatus.ACTIVE:
        return status, None
    return status, churned_on or today


def parse_date(value, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise RuleError(field, f"{text!r} is not a date; write it as YYYY-MM-DD.")
