"""Field rules for webhooks, used by the services (pure functions, no ORM)."""

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from heartdesk.webhooks.choices import ALL_EVENTS, EventType

MAX_URL_LENGTH = 2000
MAX_NAME_LENGTH = 100
_URL = URLValidator(schemes=["http", "https"])


class RuleError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def clean_name(value) -> str:
    name = " ".join(str(value or "").split())
    if not name:
        raise RuleError("name", "A webhook needs a name.")
    if len(name) > MAX_NAME_LENGTH:
        raise RuleError("name", f"Names are at most {MAX_NAME_LENGTH} characters.")
    return name


def clean_url(value) -> str:
    url = str(value or "").strip()
    if not url:
        raise RuleError("url", "A webhook needs the URL to send events to.")
    if len(url) > MAX_URL_LENGTH:
        raise RuleError("url", f"URLs are at most {MAX_URL_LENGTH} characters.")
    try:
        _URL(url)
    except ValidationError:
        raise RuleError("url", f"{url!r} is not an http:// or https:// URL.")
    return url


def clean_events(value) -> list[str]:
    """A sorted list of known event types without repeats, or ["*"] for every event (now and later)."""
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise RuleError("events", 'Send a list of event types, or ["*"] for all events.')
    events = sorted({str(e).strip() for e in value})
    if not events:
        raise RuleError("events", "Choose at least one event type.")
    if ALL_EVENTS in events:
        return [ALL_EVENTS]
    unknown = [e for e in events if e not in EventType.values]
    if unknown:
        known = ", ".join(EventType.values)
        raise RuleError("events", f"Unknown event type(s): {', '.join(unknown)}. Known: {known}, or *.")
    return events


def subscribes(events: list[str], event_type: str) -> bool:
    return ALL_EVENTS in events or event_type in events


def clean_active(value) -> bool:
    if not isinstance(value, bool):
        raise RuleError("active", "Say true or false.")
    return value
