"""Writes of the survey domain: invitations (scheduled, sent, cancelled), responses, follow-ups.

The post-interaction survey: a ticket solved schedules an invitation `delay_minutes` later (at most 24 hours);
reopening the ticket before it is sent cancels it; the sweep sends what is due, each once (claimed by state).
"""

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.core import facts
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.messaging import notify, outbox
from heartdesk.messaging.choices import NotificationKind
from heartdesk.surveys import scales, tokens
from heartdesk.surveys.choices import (
    FollowUpReason,
    FollowUpState,
    InvitationState,
    QuestionKind,
    QuestionRole,
    SurveyKind,
)
from heartdesk.surveys.models import Answer, FollowUp, Invitation, Question, Response, Survey, Unsubscribe
from heartdesk.tickets import selectors as tickets

MAX_DELAY = dt.timedelta(hours=24)
NEGATIVE_TEXT_SCORE = -0.5  # "strongly negative" comments open a follow-up


# --- Invitations ----------------------------------------------------------------------------------------------


def survey_for(kind: str, language: str) -> Survey | None:
    """The default survey of a kind in the contact's language, else in English, else any default of the kind."""
    defaults = Survey.objects.filter(kind=kind, is_default=True, active=True)
    for lang in (language or "", (language or "").split("-")[0], "en"):
        found = defaults.filter(language=lang).first() if lang else None
        if found:
            return found
    return defaults.order_by("id").first()


def suppression(contact, kind: str, fatigue_days: int, now: dt.datetime) -> str:
    """Why this contact must not get this kind of survey now ("" when they may)."""
    if not contact.email:
        return "the contact has no email address"
    if contact.erased_at or contact.deleted_at:
        return "the contact was removed"
    if Unsubscribe.objects.filter(contact=contact).filter(Q(kind="") | Q(kind=kind)).exists():
        return "the contact unsubscribed"
    since = now - dt.timedelta(days=fatigue_days)
    recent = Invitation.objects.filter(contact=contact, kind=kind).filter(
        Q(sent_at__gte=since) | Q(state=InvitationState.SCHEDULED)
    )
    if fatigue_days and recent.exists():
        return f"surveyed in the last {fatigue_days} days"
    return ""


def invitation_make(*, survey: Survey, contact, now, send_after, ticket=None, campaign=None) -> Invitation:
    """A scheduled invitation (or a suppressed one, with the reason: fatigue, unsubscribed, no address); the
    caller holds the transaction. Post-interaction surveys and campaigns both make theirs here."""
    reason = suppression(contact, survey.kind, survey.fatigue_days, now)
    return Invitation.objects.create(
        survey=survey,
        version=survey.current_version,
        contact=contact,
        ticket=ticket,
        campaign=campaign,
        kind=survey.kind,
        nonce=secrets.token_hex(8),
        send_after=send_after,
        state=InvitationState.SUPPRESSED if reason else InvitationState.SCHEDULED,
        detail=reason,
        created_at=now,
    )


def invitation_for_solved_ticket(*, ticket, now: dt.datetime) -> Invitation | None:
    """Call inside the ticket service's transaction; one invitation per ticket, ever (reopen + solve again keeps it)."""
    contact = ticket.requester
    if contact is None:
        return None
    survey = survey_for(SurveyKind.POST_INTERACTION, contact.language)
    if survey is None or survey.current_version is None:
        return None
    existing = Invitation.objects.filter(survey=survey, ticket=ticket).first()
    if existing is not None:
        if existing.state == InvitationState.CANCELLED:  # solved again after a reopen: schedule it anew
            existing.state = InvitationState.SCHEDULED
            existing.send_after = now + min(dt.timedelta(minutes=survey.delay_minutes), MAX_DELAY)
            existing.save(update_fields=["state", "send_after"])
        return existing
    delay = min(dt.timedelta(minutes=survey.delay_minutes), MAX_DELAY)
    return invitation_make(survey=survey, contact=contact, ticket=ticket, now=now, send_after=now + delay)


def invitations_cancel_for_ticket(*, ticket, now: dt.datetime) -> int:
    return Invitation.objects.filter(ticket=ticket, state=InvitationState.SCHEDULED).update(
        state=InvitationState.CANCELLED, detail=f"ticket reopened {now:%Y-%m-%d %H:%M}"
    )


def links(invitation: Invitation) -> dict:
    token = tokens.make(invitation)
    base = settings.PUBLIC_URL.rstrip("/")
    return {
        "token": token,
        "page": base + reverse("surveys:answer", args=[token]),
        "rate": {n: base + reverse("surveys:rate", args=[token, n]) for n in range(1, 6)},
        "unsubscribe": base + reverse("surveys:unsubscribe", args=[token]),
    }


def invitation_mail(invitation: Invitation, *, reminder: bool = False) -> None:
    """Queue the invitation's (or reminder's) mail through the send-once outbox."""
    urls = links(invitation)
    version = invitation.version
    rating = version.questions.filter(role=QuestionRole.CSAT).first()
    subject = (
        f"How did we do on [{invitation.ticket.reference}] {invitation.ticket.subject}?"
        if invitation.ticket_id
        else invitation.survey.name
    )
    outbox.queue_email(
        key=f"survey:{invitation.pk}:{'reminder-' + str(invitation.reminders_sent) if reminder else 'invite'}",
        about=invitation.ticket,
        **(tickets.mail_thread(invitation.ticket, "survey") if invitation.ticket_id else {}),
        to=[invitation.contact.email],
        subject=("Reminder: " if reminder else "") + subject,
        template="surveys/email/invitation",
        context={"invitation": invitation, "urls": urls, "rating": rating, "contact": invitation.contact},
        what="survey",
        headers={"List-Unsubscribe": f"<{urls['unsubscribe']}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )


def send_due(now: dt.datetime | None = None, limit: int = 500) -> int:
    """Send every scheduled invitation whose time has come; each is claimed (scheduled -> sent) before its mail."""
    now = now or timezone.now()
    sent = 0
    due = Invitation.objects.filter(state=InvitationState.SCHEDULED, send_after__lte=now).values_list("id", flat=True)
    for pk in list(due[:limit]):
        with transaction.atomic():
            invitation = Invitation.objects.select_related("contact", "survey", "ticket", "version").get(pk=pk)
            reason = suppression_at_send(invitation, now)
            if reason:
                Invitation.objects.filter(pk=pk, state=InvitationState.SCHEDULED).update(
                    state=InvitationState.SUPPRESSED, detail=reason
                )
                continue
            if not Invitation.objects.filter(pk=pk, state=InvitationState.SCHEDULED).update(
                state=InvitationState.SENT, sent_at=now
            ):
                continue  # another worker has it
            facts.touched(moments=[now])  # a bulk update
            invitation_mail(invitation)
            sent += 1
    return sent


def suppression_at_send(invitation: Invitation, now) -> str:
    """Unsubscribed since it was scheduled, or another survey of the kind went out meanwhile."""
    contact = invitation.contact
    if Unsubscribe.objects.filter(contact=contact).filter(Q(kind="") | Q(kind=invitation.kind)).exists():
        return "the contact unsubscribed"
    days = invitation.survey.fatigue_days
    if (
        days
        and Invitation.objects.filter(contact=contact, kind=invitation.kind, sent_at__gte=now - dt.timedelta(days=days))
        .exclude(pk=invitation.pk)
        .exists()
    ):
        return f"surveyed in the last {days} days"
    return ""


def unsubscribe(*, invitation: Invitation, kind: str = "", source: str = "link", now=None) -> Unsubscribe:
    now = now or timezone.now()
    found, _ = Unsubscribe.objects.get_or_create(
        contact=invitation.contact, kind=kind, defaults={"created_at": now, "source": source[:100]}
    )
    return found


def invitation_open(invitation_id: int, now=None) -> None:
    """The first visit to the page or a rating link: counts as opened."""
    Invitation.objects.filter(pk=invitation_id, opened_at__isnull=True).update(opened_at=now or timezone.now())
    Invitation.objects.filter(pk=invitation_id, state=InvitationState.SENT).update(state=InvitationState.OPENED)


def access_invitation(token: str) -> Invitation:
    """The invitation a public link names; raises tokens.BadToken / ExpiredToken (and BadToken for a stale nonce)."""
    invitation_id, nonce = tokens.read(token)
    invitation = (
        Invitation.objects.select_related("survey", "version", "contact", "ticket").filter(pk=invitation_id).first()
    )
    if invitation is None:
        raise Invitation.DoesNotExist("We have no survey for this link any more.")
    if not secrets.compare_digest(invitation.nonce, nonce):
        raise tokens.BadToken("This survey link is not valid.")
    tokens.read(token, max_age_days=invitation.survey.link_days)
    if invitation.state in (InvitationState.CANCELLED, InvitationState.SUPPRESSED, InvitationState.SCHEDULED):
        raise tokens.BadToken("This survey is not open.")
    return invitation


# --- Responses ------------------------------------------------------------------------------------------------


def _check_value(question: Question, raw):
    """The answer in its stored form, or Invalid naming the question."""
    field = f"q{question.position}"
    if raw in (None, "", []):
        if question.required:
            raise Invalid(f"“{question.text}” needs an answer.", field=field)
        return None
    kind = question.kind
    try:
        if kind == QuestionKind.RATING_5 or kind == QuestionKind.NPS:
            value = int(raw)
            low, high = (1, 5) if kind == QuestionKind.RATING_5 else (0, 10)
            if not low <= value <= high:
                raise ValueError
            return value
        if kind == QuestionKind.YES_NO:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("yes", "true", "1", "y"):
                return True
            if text in ("no", "false", "0", "n"):
                return False
            raise ValueError
        if kind == QuestionKind.SINGLE:
            if str(raw) not in question.choices:
                raise ValueError
            return str(raw)
        if kind == QuestionKind.MULTIPLE:
            values = [str(v) for v in (raw if isinstance(raw, list) else [raw])]
            if any(v not in question.choices for v in values):
                raise ValueError
            return values
        text = str(raw).strip()
        if len(text) > 5000:
            raise Invalid(f"“{question.text}”: at most 5,000 characters.", field=field)
        return text
    except (TypeError, ValueError):
        expected = {
            QuestionKind.RATING_5: "a whole number from 1 to 5",
            QuestionKind.NPS: "a whole number from 0 to 10",
            QuestionKind.YES_NO: "yes or no",
        }.get(kind, "one of: " + ", ".join(question.choices))
        raise Invalid(f"“{question.text}” takes {expected}.", field=field)


@transaction.atomic
def response_record(
    *, invitation: Invitation, answers: dict[int, object], source: str, partial: bool = False, now=None
) -> Response:
    """Save (or update: answering twice changes the one response) and close the loop if the answer is poor.

    `partial` keeps earlier answers for questions not sent (the one-click rating), and skips `required` checks."""
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("ticket", "contact", "survey")
        .get(pk=invitation.pk)
    )
    questions = {q.position: q for q in invitation.version.questions.all()}
    unknown = [p for p in answers if p not in questions]
    if unknown:
        raise Invalid(f"No question number {unknown[0]} in this survey.", field=f"q{unknown[0]}")
    response = Response.objects.filter(invitation=invitation).first()
    stored = {a.question.position: a for a in response.answers.select_related("question")} if response else {}
    clean: dict[int, object] = {}
    for position, question in questions.items():
        if position in answers:
            clean[position] = _check_value(question, answers[position])
        elif partial or position in stored:
            continue
        elif question.required:
            raise Invalid(f"“{question.text}” needs an answer.", field=f"q{position}")
    ticket = invitation.ticket
    contact = invitation.contact
    if response is None:
        response = Response(
            invitation=invitation,
            survey=invitation.survey,
            version=invitation.version,
            contact=contact,
            ticket=ticket,
            agent=ticket.assignee if ticket else None,
            team=ticket.team if ticket else None,
            channel=ticket.channel if ticket else "",
            organization=(ticket.organization if ticket else None) or contact.organization,
            segment=contact.segment or (contact.organization.segment if contact.organization_id else None),
            tier=(contact.organization.tier if contact.organization_id else None) or contact.tier,
            source=source,
            submitted_at=now,
        )
    response.updated_at = now
    response.save()
    for position, value in clean.items():
        question = questions[position]
        if value is None:
            Answer.objects.filter(response=response, question=question).delete()
        else:
            Answer.objects.update_or_create(response=response, question=question, defaults={"value": value})
    response_copy_answers(response)
    Invitation.objects.filter(pk=invitation.pk).update(
        state=InvitationState.ANSWERED, answered_at=now, opened_at=invitation.opened_at or now
    )
    reasons = follow_up_reasons(response)
    if reasons and not FollowUp.objects.filter(response=response).exists():
        _open_follow_up(response, reasons, now)
    elif reasons:
        FollowUp.objects.filter(response=response, state=FollowUpState.OPEN).update(reasons=reasons)
    from heartdesk.webhooks.dispatch import emit

    emit("survey.response", response_payload(response), ref=f"response {response.pk}")
    return response


def response_copy_answers(response: Response) -> None:
    """The KPI answers into their columns, the text answers into `comment` with its sentiment and themes."""
    from heartdesk.insights import sentiment as sentiment_analysis
    from heartdesk.surveys import themes as survey_themes

    response.csat = response.resolved = response.response_time_ok = response.nps = None
    texts = []
    for answer in response.answers.select_related("question").order_by("question__position"):
        role = answer.question.role
        if role == QuestionRole.CSAT:
            response.csat = answer.value
        elif role == QuestionRole.RESOLVED:
            response.resolved = answer.value
        elif role == QuestionRole.RESPONSE_TIME:
            response.response_time_ok = answer.value
        elif role == QuestionRole.NPS:
            response.nps = answer.value
        if answer.question.kind == QuestionKind.TEXT and answer.value:
            texts.append(str(answer.value))
    response.comment = "\n\n".join(texts)
    if response.comment:
        result = sentiment_analysis.analyze([response.comment])[0]
        response.sentiment, response.sentiment_score = result.label, round(result.score, 4)
        response.themes = survey_themes.themes_for(response.comment)
    else:
        response.sentiment, response.sentiment_score, response.themes = "", None, []
    response.save()


def follow_up_reasons(response: Response) -> list[str]:
    reasons = []
    if scales.poor_rating(response.csat):
        reasons.append(FollowUpReason.LOW_RATING)
    if scales.detractor(response.nps):
        reasons.append(FollowUpReason.DETRACTOR)
    if response.resolved is False:
        reasons.append(FollowUpReason.NOT_RESOLVED)
    if response.sentiment_score is not None and response.sentiment_score <= NEGATIVE_TEXT_SCORE:
        reasons.append(FollowUpReason.NEGATIVE_TEXT)
    return [str(r) for r in reasons]


def follow_up_owner(response: Response):
    """The ticket's agent's manager; else the customer's account manager."""
    if response.ticket_id:
        manager = tickets.ticket_manager(response.ticket)
        if manager:
            return manager
    contact = response.contact
    if contact is not None:
        return contact.account_manager or (contact.organization.account_manager if contact.organization_id else None)
    return None


def _open_follow_up(response: Response, reasons: list[str], now) -> FollowUp:
    owner = follow_up_owner(response)
    follow_up = FollowUp.objects.create(
        response=response,
        ticket=response.ticket,
        contact=response.contact,
        owner=owner,
        reasons=reasons,
        due_at=now + dt.timedelta(hours=settings.FOLLOW_UP_HOURS),
        created_at=now,
    )
    if owner:
        labels = ", ".join(FollowUpReason(r).label.lower() for r in reasons)
        notice = notify.Notice(
            recipients=[owner],
            kind=NotificationKind.FOLLOW_UP,
            text=f"Follow up with {response.contact}: {labels}",
            about=follow_up,
            url=reverse("surveys_staff:follow_up", args=[follow_up.pk]),
            calendar=tickets.business_hours_of(response.ticket),
        )
        notify.send([notice], now=now)
    return follow_up


@transaction.atomic
def follow_up_close(
    *,
    follow_up: FollowUp,
    contacted_at: dt.datetime,
    channel: str,
    outcome: str,
    reopen_ticket: bool = False,
    actor,
    now=None,
) -> FollowUp:
    """Record the call back and its outcome; reopening the ticket goes through the ticket service."""
    policy.require(actor, policy.FOLLOW_UPS_WORK)
    now = now or timezone.now()
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.state == FollowUpState.CLOSED:
        raise Conflict("This follow-up is already closed.", field="state")
    outcome = str(outcome or "").strip()
    if not outcome:
        raise Invalid("Say what came of the contact.", field="outcome")
    if len(outcome) > 5000:
        raise Invalid("The outcome is over 5,000 characters.", field="outcome")
    channel = " ".join(str(channel or "").split())[:20]
    if not channel:
        raise Invalid("Say how you reached the customer (phone, email, meeting…).", field="contact_channel")
    if timezone.is_naive(contacted_at):
        raise Invalid("The contact time needs a time zone.", field="contacted_at")
    if contacted_at > now + dt.timedelta(minutes=5):
        raise Invalid("The contact time is in the future.", field="contacted_at")
    if reopen_ticket:
        if follow_up.ticket is None:
            raise Invalid("This answer is not about a ticket; there is nothing to reopen.", field="reopen_ticket")
        from heartdesk.tickets import services as tickets
        from heartdesk.tickets.choices import Status

        if follow_up.ticket.status == Status.SOLVED:
            tickets.ticket_update(ticket=follow_up.ticket, status=Status.OPEN, actor=actor, now=now)
        elif follow_up.ticket.status == Status.CLOSED:
            raise Conflict(
                f"{follow_up.ticket.reference} is closed; open a new ticket for the customer instead.",
                field="reopen_ticket",
            )
    follow_up.state = FollowUpState.CLOSED
    follow_up.contacted_at = contacted_at
    follow_up.contact_channel = channel
    follow_up.outcome = outcome
    follow_up.ticket_reopened = reopen_ticket
    follow_up.closed_at = now
    follow_up.closed_by = actor
    follow_up.save()
    return follow_up


def response_payload(response: Response) -> dict:
    return {
        "id": response.pk,
        "survey_id": response.survey_id,
        "version": response.version.number,
        "ticket_id": response.ticket_id,
        "contact_id": response.contact_id,
        "csat": response.csat,
        "resolved": response.resolved,
        "response_time_ok": response.response_time_ok,
        "nps": response.nps,
        "comment": response.comment,
        "sentiment": response.sentiment,
        "themes": response.themes,
        "submitted_at": response.submitted_at,
    }
