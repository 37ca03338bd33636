"""The wire format: signatures a receiver can check, and every kind of tampering it must refuse."""

import json

import pytest

from heartdesk.webhooks import signing

SECRET = "whsec_" + "k" * 43
BODY = signing.envelope(
    event_id="5a3c0e0e-1111-4222-8333-444455556666",
    event_type="ticket.created",
    created_at="2025-03-01T09:30:00+00:00",
    data={"ticket": {"id": 7, "subject": "Printer on fire — ünïcode"}},
)
NOW = 1_740_821_400


def test_a_signed_body_verifies_with_the_same_secret():
    header = signing.sign(SECRET, BODY, timestamp=NOW)
    assert header.startswith(f"t={NOW},v1=") and len(header.split("v1=")[1]) == 64
    assert signing.verify(SECRET, header, BODY, now=NOW + 10)
    assert signing.verify(SECRET, header, BODY.encode(), now=NOW + 10)  # raw bytes, as a receiver reads them


def test_the_envelope_is_compact_ascii_json_with_the_four_fields():
    assert BODY.isascii()
    assert json.loads(BODY) == {
        "id": "5a3c0e0e-1111-4222-8333-444455556666",
        "type": "ticket.created",
        "created_at": "2025-03-01T09:30:00+00:00",
        "data": {"ticket": {"id": 7, "subject": "Printer on fire — ünïcode"}},
    }


def test_the_headers_name_the_event_and_the_delivery():
    headers = signing.headers(SECRET, event_type="ticket.created", event_id="abc", body=BODY, timestamp=NOW)
    assert headers["Content-Type"] == "application/json"
    assert headers["Heartdesk-Event"] == "ticket.created" and headers["Heartdesk-Delivery"] == "abc"
    assert signing.verify(SECRET, headers["Heartdesk-Signature"], BODY, now=NOW)


@pytest.mark.parametrize(
    ("secret", "body", "now"),
    [
        ("whsec_someone_else", BODY, NOW),  # another secret
        (SECRET, BODY.replace('"id":7', '"id":8'), NOW),  # body changed
        (SECRET, BODY + " ", NOW),  # even by a byte
        (SECRET, BODY, NOW + 301),  # replayed after the tolerance
        (SECRET, BODY, NOW - 301),  # or signed "in the future"
    ],
)
def test_a_tampered_or_stale_request_does_not_verify(secret, body, now):
    header = signing.sign(SECRET, BODY, timestamp=NOW)
    assert not signing.verify(secret, header, body, now=now)


def test_a_changed_timestamp_breaks_the_signature():
    header = signing.sign(SECRET, BODY, timestamp=NOW)
    forged = header.replace(f"t={NOW}", f"t={NOW + 60}")
    assert not signing.verify(SECRET, forged, BODY, now=NOW + 60)


@pytest.mark.parametrize(
    "header",
    ["", "garbage", f"t={NOW}", "v1=" + "0" * 64, f"t=soon,v1={'0' * 64}", f"t={NOW},v1=", f"t={NOW},v0=abc"],
)
def test_a_malformed_header_does_not_verify(header):
    assert not signing.verify(SECRET, header, BODY, now=NOW)


def test_any_one_valid_signature_among_several_is_enough():
    good = signing.sign(SECRET, BODY, timestamp=NOW).split(",")[1]
    assert signing.verify(SECRET, f"t={NOW},v1={'0' * 64},{good}", BODY, now=NOW)


def test_the_tolerance_can_be_tightened():
    header = signing.sign(SECRET, BODY, timestamp=NOW)
    assert signing.verify(SECRET, header, BODY, tolerance=5, now=NOW + 5)
    assert not signing.verify(SECRET, header, BODY, tolerance=5, now=NOW + 6)
