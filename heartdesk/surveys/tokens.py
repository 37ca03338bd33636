"""Signed, expiring survey links: the token names an invitation and its nonce; nothing else is trusted."""

from django.core import signing

SALT = "heartdesk.surveys.invitation"


class BadToken(Exception):
    """Tampered with, or not one of ours: a 400 page."""


class ExpiredToken(Exception):
    """Ours, but older than the survey's link lifetime: a 410 page."""


def make(invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=SALT, compress=True)


def read(token: str, *, max_age_days: int | None = None) -> tuple[int, str]:
    """(invitation id, nonce) from a token; the caller still checks the nonce against the row."""
    try:
        data = signing.loads(token, salt=SALT, max_age=max_age_days * 86400 if max_age_days is not None else None)
    except signing.SignatureExpired:
        raise ExpiredToken("This survey link has expired.")
    except signing.BadSignature:
        raise BadToken("This survey link is not valid.")
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("n"), str):
        raise BadToken("This survey link is not valid.")
    return data["i"], data["n"]
