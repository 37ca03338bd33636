"""Signed, expiring sign-in links: the token names a contact and a random nonce; nothing else is trusted.

The signature (SECRET_KEY, a portal-only salt) makes the token unforgeable; the timestamp makes it expire after
PORTAL_LINK_MINUTES; the nonce makes it single-use (services.sign_in_link_use inserts a UsedSignInLink row for it).
"""

import secrets

from django.conf import settings
from django.core import signing

SALT = "heartdesk.portal.sign-in"


class BadToken(Exception):
    """Tampered with, not one of ours, or for a contact who can no longer sign in: a 400 page."""


class ExpiredToken(Exception):
    """Ours, but older than PORTAL_LINK_MINUTES: a 410 page."""


class UsedToken(Exception):
    """Ours and fresh, but already used once: a 410 page."""


def max_age_seconds() -> int:
    return settings.PORTAL_LINK_MINUTES * 60


def make(contact) -> tuple[str, str]:
    """(token, nonce) for a new link to sign `contact` in."""
    nonce = secrets.token_urlsafe(16)
    return signing.dumps({"c": contact.pk, "n": nonce}, salt=SALT), nonce


def read(token: str) -> tuple[int, str]:
    """(contact id, nonce) from a token that is ours and not expired; the caller checks the contact and the nonce."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age_seconds())
    except signing.SignatureExpired:
        raise ExpiredToken("This sign-in link has expired.")
    except signing.BadSignature:
        raise BadToken("This sign-in link is not valid.")
    if not isinstance(data, dict) or not isinstance(data.get("c"), int) or not isinstance(data.get("n"), str):
        raise BadToken("This sign-in link is not valid.")
    return data["c"], data["n"]
