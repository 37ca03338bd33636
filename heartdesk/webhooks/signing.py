"""The wire format of a webhook request and its signature (pure: no Django, usable by receivers as it is).

A request body is the JSON envelope {"id", "type", "created_at", "data"}. It is signed with the webhook's secret:

    Heartdesk-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>

The timestamp inside the signed text stops replays of an old request; receivers should also drop repeats of
the Heartdesk-Delivery id (a retry carries the same id). More than one v1= may appear while a secret rotates.
"""

import hashlib
import hmac
import json
import time

SIGNATURE_HEADER = "Heartdesk-Signature"
EVENT_HEADER = "Heartdesk-Event"
DELIVERY_HEADER = "Heartdesk-Delivery"
DEFAULT_TOLERANCE = 300  # seconds a signature stays acceptable


def envelope(*, event_id: str, event_type: str, created_at: str, data: dict) -> str:
    """The request body. ASCII-only JSON, so the signed text and the bytes sent are the same thing."""
    return json.dumps(
        {"id": event_id, "type": event_type, "created_at": created_at, "data": data},
        separators=(",", ":"),
        ensure_ascii=True,
    )


def _as_bytes(body: str | bytes) -> bytes:
    return body if isinstance(body, bytes) else body.encode("utf-8")


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: str | bytes, *, timestamp: int | None = None) -> str:
    """The Heartdesk-Signature header value for `body` at `timestamp` (now when absent)."""
    t = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={t},v1={_digest(secret, t, _as_bytes(body))}"


def headers(secret: str, *, event_type: str, event_id: str, body: str | bytes, timestamp: int | None = None) -> dict:
    return {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(secret, body, timestamp=timestamp),
        EVENT_HEADER: event_type,
        DELIVERY_HEADER: event_id,
    }


def _parse(header: str) -> tuple[int | None, list[str]]:
    timestamp, signatures = None, []
    for part in (header or "").split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value)
    return timestamp, signatures


def verify(
    secret: str, header: str, body: str | bytes, tolerance: int = DEFAULT_TOLERANCE, *, now: float | None = None
) -> bool:
    """True when `header` signs exactly `body` with `secret` and its timestamp is within `tolerance` seconds."""
    timestamp, signatures = _parse(header)
    if timestamp is None or not signatures:
        return False
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        return False
    expected = _digest(secret, timestamp, _as_bytes(body))
    return any(hmac.compare_digest(expected, candidate) for candidate in signatures)
