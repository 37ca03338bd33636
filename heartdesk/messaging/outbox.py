"""Mail we send, for every app: each email an OutboundEmail row with a unique key.

The row is written inside the caller's transaction and sent by the job queue after commit. Sending claims the row
(queued -> sending) with a conditional UPDATE, so a job run twice, or by two workers, sends once. Replayed history
(`quiet.quietly()`) writes no mail at all.
"""

import logging
import secrets

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from heartdesk.core import jobs
from heartdesk.messaging import quiet
from heartdesk.messaging.choices import OutboundState
from heartdesk.messaging.models import OutboundEmail

log = logging.getLogger("heartdesk.mail")
LOOP_HEADER = "X-Heartdesk-Loop"
MAX_ATTEMPTS = 5
SEND_TASK = "heartdesk.messaging.tasks.send_outbound_email"


def mail_domain() -> str:
    """The domain of our Message-IDs (and of the loop header): the help desk address's."""
    return settings.SUPPORT_ADDRESS.rsplit("@", 1)[-1] or "heartdesk.localhost"


def new_message_id(what: str) -> str:
    return f"{what}-{secrets.token_hex(10)}@{mail_domain()}"


def queue_email(
    *,
    key: str,
    to: list[str],
    subject: str,
    template: str,
    context: dict,
    what: str,
    about=None,
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    headers: dict[str, str] | None = None,
    automatic: bool = True,
) -> OutboundEmail | None:
    """Write one email we owe (once per `key`) and send it after commit.

    `template` is a template path without .txt/.html; `about` the record the mail belongs to; `automatic` mail
    (anything but a person's reply) says so in Auto-Submitted, so auto-responders leave it alone."""
    to = [a for a in to if a]
    if not to or quiet.is_quiet():
        return None
    existing = OutboundEmail.objects.filter(key=key).first()
    if existing is not None:
        return existing
    context = {**context, "support_address": settings.SUPPORT_ADDRESS}
    headers = dict(headers or {})
    if automatic:
        headers.setdefault("Auto-Submitted", "auto-generated")
    email = OutboundEmail.objects.create(
        key=key,
        about_type=ContentType.objects.get_for_model(about) if about is not None else None,
        about_id=about.pk if about is not None else None,
        to=to,
        subject=subject[:400],
        body_text=render_to_string(f"{template}.txt", context),
        body_html=render_to_string(f"{template}.html", context),
        headers=headers,
        message_id=message_id or new_message_id(what),
        in_reply_to=in_reply_to,
        references=references,
    )
    jobs.enqueue_on_commit(SEND_TASK, email.pk)
    return email


def claim(email_id: int) -> OutboundEmail | None:
    with transaction.atomic():
        claimed = OutboundEmail.objects.filter(pk=email_id, state=OutboundState.QUEUED).update(
            state=OutboundState.SENDING, attempts=F("attempts") + 1
        )
    return OutboundEmail.objects.get(pk=email_id) if claimed else None


def build(email: OutboundEmail) -> EmailMultiAlternatives:
    headers = {
        "Message-ID": f"<{email.message_id}>",
        LOOP_HEADER: mail_domain(),
        "Reply-To": settings.SUPPORT_ADDRESS,
    }
    if email.in_reply_to:
        headers["In-Reply-To"] = email.in_reply_to
    if email.references:
        headers["References"] = email.references
    headers.update(email.headers or {})
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        headers=headers,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def send(email_id: int) -> str:
    """Send once. A failure goes back to the queue with its attempt count; after MAX_ATTEMPTS it is failed."""
    email = claim(email_id)
    if email is None:
        return "skipped"
    try:
        build(email).send(fail_silently=False)
    except Exception as exc:
        final = email.attempts >= MAX_ATTEMPTS
        OutboundEmail.objects.filter(pk=email.pk).update(
            state=OutboundState.FAILED if final else OutboundState.QUEUED, error=f"{type(exc).__name__}: {exc}"[:500]
        )
        log.warning("sending mail %s failed (attempt %s): %s", email.pk, email.attempts, exc)
        return "failed" if final else "retry"
    OutboundEmail.objects.filter(pk=email.pk).update(state=OutboundState.SENT, sent_at=timezone.now(), error="")
    return "sent"
