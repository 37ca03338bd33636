"""Replaying history (imports) must not mail customers, notify agents or call webhooks: services check here."""

import contextvars
from contextlib import contextmanager

_QUIET = contextvars.ContextVar("heartdesk_quiet", default=False)


@contextmanager
def quietly():
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)


def is_quiet() -> bool:
    return _QUIET.get()
