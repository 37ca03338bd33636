"""The one door every inbound message comes through: stored durably first, then processed by the job queue.

`accept` commits the raw message before it returns, so a receiver may answer 250 only after it returned; the
processing job (`tickets.tasks.process_inbound_mail`) is enqueued on that commit and is idempotent.
"""

import hashlib
import re

from django.conf import settings
from django.db import transaction

from heartdesk.core.jobs import enqueue_on_commit
from heartdesk.tickets.models import InboundMail

_MESSAGE_ID = re.compile(rb"^message-id:[ \t]*<?([^>\r\n]{1,250})>?", re.IGNORECASE | re.MULTILINE)


class TooLarge(ValueError):
    pass


def header_message_id(raw: bytes) -> str:
    """A cheap look at the Message-ID header for the log and de-duplication (the full parse comes later)."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    found = _MESSAGE_ID.search(head)
    if found:
        return found.group(1).decode("ascii", "replace").strip()
    return "sha256-" + hashlib.sha256(raw).hexdigest() + "@heartdesk.invalid"


def accept(raw: bytes, *, source: str, envelope_from: str = "", recipients: list[str] | None = None) -> InboundMail:
    """Store `raw` and queue its processing; raise TooLarge over HEARTDESK_MAIL_MAX_BYTES (nothing is stored)."""
    if len(raw) > settings.MAIL_MAX_BYTES:
        raise TooLarge(f"message of {len(raw)} bytes is over the limit of {settings.MAIL_MAX_BYTES} bytes")
    with transaction.atomic():
        mail = InboundMail.objects.create(
            source=source[:100],
            envelope_from=(envelope_from or "")[:320],
            recipients=list(recipients or [])[:100],
            raw=raw,
            size=len(raw),
            message_id=header_message_id(raw)[:255],
        )
        enqueue_on_commit("heartdesk.tickets.tasks.process_inbound_mail", mail.pk)
    return mail
