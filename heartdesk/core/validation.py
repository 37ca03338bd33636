"""The field checks every service shares: text within a length, a value among choices, a position, a unique name.

Each raises `Invalid` (or `Conflict`) naming the field, so the API answers a problem that points at it and a form
shows the message beside it.
"""

from django.db import IntegrityError, transaction

from heartdesk.core.errors import Conflict, Invalid


def _label(field: str) -> str:
    return field.rsplit(".", 1)[-1].replace("_", " ")


def text(value, field: str, *, max_length: int, required: bool = False, one_line: bool = False) -> str:
    """`value` as stripped text; `one_line` also folds runs of whitespace (subjects, names, reasons)."""
    raw = str(value or "")
    cleaned = " ".join(raw.split()) if one_line else raw.strip()
    if required and not cleaned:
        raise Invalid(f"The {_label(field)} must not be empty.", field=field)
    if len(cleaned) > max_length:
        raise Invalid(f"The {_label(field)} is {len(cleaned)} characters; at most {max_length}.", field=field)
    return cleaned


def choice(value, choices, field: str) -> str:
    """`value` when it is one of the TextChoices `choices`."""
    if value not in choices.values:
        raise Invalid(f"Unknown {_label(field)} {value!r}; choose one of {', '.join(choices.values)}.", field=field)
    return value


def position(value, field: str = "position") -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
        raise Invalid(f"The {_label(field)} must be a whole number from 0 to 100000.", field=field)
    return value


def unique(save, *, field: str, value: str):
    """Run `save` in a savepoint; a clash on the unique `field` becomes a 409 naming it."""
    try:
        with transaction.atomic():
            return save()
    except IntegrityError:
        raise Conflict(f"Another record is already called {value!r}.", field=field)
