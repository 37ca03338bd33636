"""Relationship and annual survey campaigns: who is asked, when, the reminders, and what came of it.

Contract:
- Targeting: each filter (segments, tiers, organizations, account managers) matches any of its values; the
  filters that are set must all match. A contact's segment is its own, else its organization's; its tier is its
  organization's, else its own; its account manager is its own, else its organization's (the same reading
  `services.response_record` and `services.follow_up_owner` use). No filter at all means every contact. Only
  contacts with an email address, not removed and not erased, are asked.
- `campaign_send_due(now)` turns each scheduled campaign whose `send_at` has come into invitations (through
  `services.invitation_make`, so fatigue and unsubscribes are applied and recorded as suppressed) in one transaction
  with the claim of the campaign (scheduled -> running), then sends them one by one, each claimed with a
  conditional UPDATE (scheduled -> sent) before its mail is queued: two workers never send one twice.
- `campaign_remind_due(now)` sends reminder n to invitations still not answered once `reminder_days[n-1]` days
  have passed since they were sent; the claim is `reminders_sent` moving from below n to n, and the mail key holds
  n, so each reminder goes at most once. A sweep that runs late sends only the latest reminder due, never two in
  a row. Unsubscribed contacts get no reminder. A campaign is done when no reminder is left to send.
- "Delivered" is not tracked: outgoing SMTP accepts or fails the mail, there is no delivery receipt; a failed
  send is visible on the mail log.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import CharField, Count, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.accounts.models import User
from heartdesk.core import facts
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.customers.models import Contact, Organization, Segment, Tier
from heartdesk.messaging.choices import OutboundState
from heartdesk.messaging.models import OutboundEmail
from heartdesk.surveys import services
from heartdesk.surveys.choices import CampaignState, InvitationState, SurveyKind
from heartdesk.surveys.models import Campaign, Invitation, Survey, Unsubscribe

MAX_REMINDERS = 5
EDITABLE = (CampaignState.DRAFT, CampaignState.SCHEDULED)
WAITING = (InvitationState.SENT, InvitationState.OPENED)


def _ids(model, ids, field: str, errors: dict) -> list:
    ids = [i for i in (ids or [])]
    if any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        errors.setdefault(field, []).append("Give ids as whole numbers.")
        return []
    found = list(model.objects.filter(pk__in=ids))
    missing = sorted(set(ids) - {o.pk for o in found})
    if missing:
        errors.setdefault(field, []).append(f"No such id: {', '.join(map(str, missing))}.")
    return found


def _reminder_days(raw, errors: dict) -> list[int]:
    if isinstance(raw, str):
        raw = [p for p in raw.replace(";", ",").split(",") if p.strip()]
    days = []
    for value in raw or []:
        try:
            day = int(str(value).strip())
        except ValueError:
            errors.setdefault("reminder_days", []).append(f"{value!r} is not a whole number of days.")
            continue
        if not 1 <= day <= 365:
            errors.setdefault("reminder_days", []).append(f"Reminder days run from 1 to 365, not {day}.")
        days.append(day)
    days = sorted(set(days))
    if len(days) > MAX_REMINDERS:
        errors.setdefault("reminder_days", []).append(f"At most {MAX_REMINDERS} reminders.")
    return days


def _check(
    *, name, survey_id, segment_ids, tier_ids, organization_ids, account_manager_ids, send_at, reminder_days
) -> dict:
    errors: dict[str, list[str]] = {}
    name = " ".join(str(name or "").split())
    if not name:
        errors.setdefault("name", []).append("A campaign needs a name.")
    elif len(name) > 150:
        errors.setdefault("name", []).append("At most 150 characters.")
    survey = Survey.objects.filter(pk=survey_id).first() if isinstance(survey_id, int) else None
    if survey is None:
        errors.setdefault("survey_id", []).append("Choose a survey.")
    elif survey.kind == SurveyKind.POST_INTERACTION:
        errors.setdefault("survey_id", []).append("Post-interaction surveys go out per ticket, not by campaign.")
    elif not survey.active or survey.current_version is None:
        errors.setdefault("survey_id", []).append("That survey is switched off or has no questions.")
    if send_at is not None and (not isinstance(send_at, dt.datetime) or timezone.is_naive(send_at)):
        errors.setdefault("send_at", []).append("Give the send time with its time zone.")
    data = {
        "name": name,
        "survey": survey,
        "segments": _ids(Segment, segment_ids, "segment_ids", errors),
        "tiers": _ids(Tier, tier_ids, "tier_ids", errors),
        "organizations": _ids(Organization, organization_ids, "organization_ids", errors),
        "account_managers": _ids(User, account_manager_ids, "account_manager_ids", errors),
        "send_at": send_at,
        "reminder_days": _reminder_days(reminder_days, errors),
    }
    if errors:
        first = next(iter(errors))
        raise Invalid("; ".join(f"{f}: {' '.join(m)}" for f, m in errors.items()), field=first, errors=errors)
    return data


def _write(campaign: Campaign, data: dict) -> Campaign:
    campaign.name = data["name"]
    campaign.survey = data["survey"]
    campaign.send_at = data["send_at"]
    campaign.reminder_days = data["reminder_days"]
    try:
        with transaction.atomic():
            campaign.save()
    except IntegrityError:
        raise Conflict(f"Another campaign is already called {data['name']!r}.", field="name")
    for field in ("segments", "tiers", "organizations", "account_managers"):
        getattr(campaign, field).set(data[field])
    return campaign


@transaction.atomic
def campaign_create(
    *,
    name: str,
    survey_id: int,
    segment_ids=(),
    tier_ids=(),
    organization_ids=(),
    account_manager_ids=(),
    send_at: dt.datetime | None = None,
    reminder_days=(),
    actor,
    now: dt.datetime | None = None,
) -> Campaign:
    """A draft campaign; `campaign_schedule` arms it."""
    if actor is not None:
        policy.require(actor, policy.SURVEYS_MANAGE)
    data = _check(
        name=name,
        survey_id=survey_id,
        segment_ids=segment_ids,
        tier_ids=tier_ids,
        organization_ids=organization_ids,
        account_manager_ids=account_manager_ids,
        send_at=send_at,
        reminder_days=reminder_days,
    )
    campaign = Campaign(created_by=actor, created_at=now or timezone.now())
    return _write(campaign, data)


@transaction.atomic
def campaign_update(
    *,
    campaign: Campaign,
    name: str,
    survey_id: int,
    segment_ids=(),
    tier_ids=(),
    organization_ids=(),
    account_manager_ids=(),
    send_at: dt.datetime | None = None,
    reminder_days=(),
    actor,
) -> Campaign:
    """Replace every field of a draft or scheduled campaign (a running one has already chosen its contacts)."""
    if actor is not None:
        policy.require(actor, policy.SURVEYS_MANAGE)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state not in EDITABLE:
        raise Conflict(
            f"The campaign is {campaign.get_state_display().lower()}; it can no longer change.", field="state"
        )
    data = _check(
        name=name,
        survey_id=survey_id,
        segment_ids=segment_ids,
        tier_ids=tier_ids,
        organization_ids=organization_ids,
        account_manager_ids=account_manager_ids,
        send_at=send_at,
        reminder_days=reminder_days,
    )
    return _write(campaign, data)


@transaction.atomic
def campaign_schedule(
    *, campaign: Campaign, send_at: dt.datetime | None = None, actor, now: dt.datetime | None = None
) -> Campaign:
    """Draft -> scheduled; `send_at` (or the campaign's) may be in the past: the next sweep sends it."""
    if actor is not None:
        policy.require(actor, policy.SURVEYS_MANAGE)
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state not in EDITABLE:
        raise Conflict(f"The campaign is {campaign.get_state_display().lower()}.", field="state")
    send_at = send_at or campaign.send_at
    if send_at is None or timezone.is_naive(send_at):
        raise Invalid("Say when to send the campaign (with a time zone).", field="send_at")
    survey = campaign.survey
    if not survey.active or survey.current_version is None:
        raise Invalid("The survey is switched off or has no questions.", field="survey_id")
    campaign.send_at = send_at
    campaign.state = CampaignState.SCHEDULED
    campaign.save(update_fields=["send_at", "state"])
    return campaign


@transaction.atomic
def campaign_cancel(*, campaign: Campaign, actor, now: dt.datetime | None = None) -> Campaign:
    """Stop a campaign: invitations not yet sent are cancelled; links already sent keep working."""
    if actor is not None:
        policy.require(actor, policy.SURVEYS_MANAGE)
    now = now or timezone.now()
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.state in (CampaignState.DONE, CampaignState.CANCELLED):
        raise Conflict(f"The campaign is already {campaign.get_state_display().lower()}.", field="state")
    campaign.state = CampaignState.CANCELLED
    campaign.save(update_fields=["state"])
    campaign.invitations.filter(state=InvitationState.SCHEDULED).update(
        state=InvitationState.CANCELLED, detail=f"campaign cancelled {now:%Y-%m-%d %H:%M}"
    )
    return campaign


# --- Targeting and sending ------------------------------------------------------------------------------------


def campaign_targets(campaign: Campaign):
    """The contacts the campaign asks (see the module docstring for how filters combine)."""
    contacts = Contact.objects.filter(email__isnull=False, erased_at__isnull=True, deleted_at__isnull=True).exclude(
        email=""
    )
    segments = list(campaign.segments.values_list("pk", flat=True))
    if segments:
        contacts = contacts.filter(
            Q(segment__in=segments) | Q(segment__isnull=True, organization__segment__in=segments)
        )
    tiers = list(campaign.tiers.values_list("pk", flat=True))
    if tiers:
        contacts = contacts.filter(
            Q(organization__tier__in=tiers)
            | (Q(tier__in=tiers) & (Q(organization__isnull=True) | Q(organization__tier__isnull=True)))
        )
    organizations = list(campaign.organizations.values_list("pk", flat=True))
    if organizations:
        contacts = contacts.filter(organization__in=organizations)
    managers = list(campaign.account_managers.values_list("pk", flat=True))
    if managers:
        contacts = contacts.filter(
            Q(account_manager__in=managers)
            | Q(account_manager__isnull=True, organization__account_manager__in=managers)
        )
    return contacts.order_by("pk")


def _start(campaign_id: int, now: dt.datetime) -> bool:
    """Claim a due campaign and write its invitations, in one transaction (a crash leaves it scheduled)."""
    with transaction.atomic():
        if not Campaign.objects.filter(pk=campaign_id, state=CampaignState.SCHEDULED, send_at__lte=now).update(
            state=CampaignState.RUNNING
        ):
            return False  # another worker started it
        campaign = Campaign.objects.select_related("survey").get(pk=campaign_id)
        invited = set(campaign.invitations.values_list("contact_id", flat=True))
        for contact in campaign_targets(campaign).select_related("organization"):
            if contact.pk not in invited:
                services.invitation_make(
                    survey=campaign.survey, contact=contact, now=now, send_after=now, campaign=campaign
                )
    return True


def _send_scheduled(campaign_id: int, now: dt.datetime) -> int:
    sent = 0
    due = Invitation.objects.filter(campaign_id=campaign_id, state=InvitationState.SCHEDULED, send_after__lte=now)
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            invitation = Invitation.objects.select_related("contact", "survey", "ticket", "version").get(pk=pk)
            reason = services.suppression_at_send(invitation, now)
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
            invitation.sent_at = now
            services.invitation_mail(invitation)
            sent += 1
    return sent


def campaign_send_due(now: dt.datetime | None = None) -> int:
    """Start every scheduled campaign whose time has come and send its invitations; returns the emails queued.

    Running campaigns are swept too, so invitations left by an interrupted worker still go out."""
    now = now or timezone.now()
    for pk in list(
        Campaign.objects.filter(state=CampaignState.SCHEDULED, send_at__lte=now).values_list("pk", flat=True)
    ):
        _start(pk, now)
    sent = 0
    running = Campaign.objects.filter(state=CampaignState.RUNNING, invitations__state=InvitationState.SCHEDULED)
    for pk in list(running.values_list("pk", flat=True).distinct()):
        sent += _send_scheduled(pk, now)
    return sent


def _due_reminder(days: list[int], sent_at: dt.datetime, now: dt.datetime) -> int:
    """The latest reminder number whose day has come (0: none yet)."""
    return sum(1 for d in days if sent_at + dt.timedelta(days=d) <= now)


def campaign_remind_due(now: dt.datetime | None = None) -> int:
    """Remind every contact of a running campaign who has not answered, once per reminder day; returns mails queued."""
    now = now or timezone.now()
    reminded = 0
    for campaign in Campaign.objects.filter(state=CampaignState.RUNNING).select_related("survey"):
        days = sorted(campaign.reminder_days or [])
        if days:
            waiting = (
                Invitation.objects.filter(
                    campaign=campaign,
                    state__in=WAITING,
                    reminders_sent__lt=len(days),
                    sent_at__lte=now - dt.timedelta(days=days[0]),
                )
                .exclude(
                    contact__in=Unsubscribe.objects.filter(Q(kind="") | Q(kind=campaign.survey.kind)).values("contact")
                )
                .values_list("pk", "sent_at", "reminders_sent")
            )
            for pk, sent_at, already in list(waiting):
                number = _due_reminder(days, sent_at, now)
                if number <= already:
                    continue
                with transaction.atomic():
                    if not Invitation.objects.filter(pk=pk, state__in=WAITING, reminders_sent=already).update(
                        reminders_sent=number, last_reminded_at=now
                    ):
                        continue  # answered meanwhile, or another worker reminded it
                    invitation = Invitation.objects.select_related("contact", "survey", "ticket", "version").get(pk=pk)
                    services.invitation_mail(invitation, reminder=True)
                    reminded += 1
        _finish_if_done(campaign)
    return reminded


def _finish_if_done(campaign: Campaign) -> None:
    pending = campaign.invitations.filter(
        Q(state=InvitationState.SCHEDULED) | Q(state__in=WAITING, reminders_sent__lt=len(campaign.reminder_days or []))
    )
    if not pending.exists():
        Campaign.objects.filter(pk=campaign.pk, state=CampaignState.RUNNING).update(state=CampaignState.DONE)


# --- Tracking (a selector) ------------------------------------------------------------------------------------


def campaign_stats(campaign: Campaign) -> dict:
    """Targeted, sent, delivered, suppressed (with reasons), opened, answered, reminders, response rate; 3 queries."""
    counts = campaign.invitations.aggregate(
        targeted=Count("pk"),
        sent=Count("pk", filter=Q(sent_at__isnull=False)),
        suppressed=Count("pk", filter=Q(state=InvitationState.SUPPRESSED)),
        cancelled=Count("pk", filter=Q(state=InvitationState.CANCELLED)),
        opened=Count("pk", filter=Q(opened_at__isnull=False)),
        answered=Count("pk", filter=Q(answered_at__isnull=False)),
        reminded=Count("pk", filter=Q(reminders_sent__gt=0)),
    )
    reasons = (
        campaign.invitations.filter(state=InvitationState.SUPPRESSED)
        .values("detail")
        .annotate(n=Count("pk"))
        .order_by("-n", "detail")
    )
    counts["suppressed_reasons"] = {r["detail"] or "unknown": r["n"] for r in reasons}
    # Delivered: our SMTP server accepted the invitation's mail (no mail system reports more than that reliably).
    invite_key = Concat(Value("survey:"), Cast(OuterRef("pk"), CharField()), Value(":invite"))
    accepted = OutboundEmail.objects.filter(key=invite_key, state=OutboundState.SENT)
    counts["delivered"] = campaign.invitations.filter(Exists(accepted)).count()
    counts["response_rate"] = round(100 * counts["answered"] / counts["sent"], 1) if counts["sent"] else None
    return counts
