"""Tickets, their messages and timeline, the SLA engine's policies and clocks, escalation and RCA.

Due times live in indexed columns on the ticket (and on each clock) so queues and the SLA sweep read an index in
order instead of computing anything per row (healthchecks' `alert_after`).
"""

import datetime as dt

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.utils import timezone

from heartdesk.core.facts import FactSource
from heartdesk.tickets.choices import (
    Channel,
    ClockEventKind,
    ClockState,
    Direction,
    EscalationTrigger,
    EventKind,
    InboundState,
    Level,
    LinkKind,
    MessageKind,
    Priority,
    RootCauseCategory,
    Status,
    Target,
    TicketType,
)

USER = settings.AUTH_USER_MODEL
NO_DUE = dt.datetime(9999, 12, 31, tzinfo=dt.UTC)


def _valid(field: str, choices) -> Q:
    return Q(**{f"{field}__in": choices.values})


# --- SLA policies ---------------------------------------------------------------------------------------------


class SlaPolicy(models.Model):
    """One policy holds the whole matrix: priority × (organization | tier | channel | any) → targets.

    Which policy applies to a ticket: one naming the ticket's organization, else one naming its tier, else one
    naming its channel, else the default; ties go to the lowest `position`.
    """

    name = models.CharField(max_length=100, unique=True)
    description = models.CharField(max_length=500, blank=True)
    calendar = models.ForeignKey(
        "calendars.BusinessCalendar", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_default = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=100)
    active = models.BooleanField(default=True)
    organizations = models.ManyToManyField("customers.Organization", blank=True, related_name="+")
    tiers = models.ManyToManyField("customers.Tier", blank=True, related_name="+")
    channels = models.JSONField(default=list, blank=True)
    pause_when_pending = models.BooleanField(default=True)
    pause_when_on_hold = models.BooleanField(default=False)
    at_risk_share = models.FloatField(default=0.75, help_text="Share of a target elapsed that makes it at risk.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "SLA policies"
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_policy"),
            models.CheckConstraint(condition=Q(at_risk_share__gt=0) & Q(at_risk_share__lt=1), name="at_risk_share"),
        ]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """One cell of a policy's matrix. Blank organization/tier/channel means "any"; the most specific row wins."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.CharField(max_length=4, choices=Priority.choices)
    organization = models.ForeignKey("customers.Organization", null=True, blank=True, on_delete=models.CASCADE)
    tier = models.ForeignKey("customers.Tier", null=True, blank=True, on_delete=models.CASCADE)
    channel = models.CharField(max_length=10, choices=Channel.choices, blank=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)
    next_update_minutes = models.PositiveIntegerField(null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)
    around_the_clock = models.BooleanField(default=False, help_text="Counts every hour, not business hours.")

    class Meta:
        ordering = ["policy", "priority", "organization", "tier", "channel"]
        constraints = [
            models.CheckConstraint(condition=_valid("priority", Priority), name="sla_target_priority_valid"),
            models.CheckConstraint(
                condition=Q(channel="") | _valid("channel", Channel), name="sla_target_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=True) | Q(tier__isnull=True), name="sla_target_one_scope"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} {self.priority}"


# --- Tickets --------------------------------------------------------------------------------------------------


class Ticket(FactSource):
    subject = models.CharField(max_length=300)
    # Foreign keys that lead a composite index below take no index of their own: every ticket write would pay
    # for a second one (on PostgreSQL, each row rewrite adds an entry to every index).
    requester = models.ForeignKey(
        "customers.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    organization = models.ForeignKey(
        "customers.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    type = models.CharField(max_length=10, choices=TicketType.choices, default=TicketType.QUESTION)
    priority = models.CharField(max_length=4, choices=Priority.choices, default=Priority.P3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    is_open = models.BooleanField(default=True, editable=False)  # status in OPEN_STATUSES, kept by the services
    assignee = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_tickets", db_index=False
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets", db_index=False
    )
    level = models.CharField(max_length=12, choices=Level.choices, default=Level.L1)
    category = models.CharField(max_length=100, blank=True)
    tags = models.ManyToManyField("customers.Tag", blank=True, related_name="tickets")
    followers = models.ManyToManyField(USER, blank=True, related_name="followed_tickets")
    follow_up_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    call_duration_seconds = models.PositiveIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    first_response_at = models.DateTimeField(null=True, blank=True)
    last_customer_message_at = models.DateTimeField(null=True, blank=True)
    last_agent_reply_at = models.DateTimeField(null=True, blank=True)
    solved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    agent_reply_count = models.PositiveIntegerField(default=0)
    reopen_count = models.PositiveIntegerField(default=0)
    # Solved after a single agent reply and not reopened within the FCR window; None until that is known.
    first_contact_resolution = models.BooleanField(null=True, blank=True)

    sla_policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    first_response_due = models.DateTimeField(null=True, blank=True)
    next_update_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    # Earliest running due time, NO_DUE when nothing runs: never null, so queues page by (due_key, id) in one index.
    due_key = models.DateTimeField(default=NO_DUE)
    at_risk = models.BooleanField(default=False)
    breached = models.BooleanField(default=False)
    rca_required = models.BooleanField(default=False)

    # Mail and notifications about the ticket (messaging names it by a generic reference): deleted with it.
    outbound_emails = GenericRelation(
        "messaging.OutboundEmail",
        content_type_field="about_type",
        object_id_field="about_id",
        related_query_name="ticket",
    )
    notifications = GenericRelation(
        "messaging.Notification",
        content_type_field="about_type",
        object_id_field="about_id",
        related_query_name="ticket",
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=_valid("status", Status), name="ticket_status_valid"),
            models.CheckConstraint(condition=_valid("priority", Priority), name="ticket_priority_valid"),
            models.CheckConstraint(condition=_valid("channel", Channel), name="ticket_channel_valid"),
            models.CheckConstraint(condition=_valid("type", TicketType), name="ticket_type_valid"),
            models.CheckConstraint(condition=_valid("level", Level), name="ticket_level_valid"),
        ]
        indexes = [
            models.Index(fields=["is_open", "due_key", "id"], name="ticket_open_due"),
            models.Index(fields=["assignee", "is_open", "due_key", "id"], name="ticket_assignee_due"),
            models.Index(fields=["team", "is_open", "due_key", "id"], name="ticket_team_due"),
            models.Index(fields=["level", "is_open", "due_key", "id"], name="ticket_level_due"),
            models.Index(fields=["is_open", "breached", "due_key", "id"], name="ticket_breached_due"),
            models.Index(fields=["is_open", "at_risk", "due_key", "id"], name="ticket_at_risk_due"),
            models.Index(fields=["requester", "created_at"], name="ticket_requester_created"),
            models.Index(fields=["organization", "created_at"], name="ticket_org_created"),
            models.Index(fields=["status", "id"], name="ticket_status_id"),
            models.Index(fields=["first_response_due"], name="ticket_first_response_due"),
            models.Index(fields=["next_update_due"], name="ticket_next_update_due"),
            models.Index(fields=["resolution_due"], name="ticket_resolution_due"),
            models.Index(fields=["solved_at"], name="ticket_solved_at"),
            # The KPI roll-ups read a day's tickets by when they arrived and when they were first answered.
            models.Index(fields=["created_at"], name="ticket_created_at"),
            models.Index(fields=["first_response_at"], name="ticket_first_response_at"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.subject}"

    @property
    def next_due_at(self) -> dt.datetime | None:
        return None if self.due_key == NO_DUE else self.due_key

    @property
    def reference(self) -> str:
        return f"{settings.TICKET_PREFIX}-{self.pk}"


class Message(models.Model):
    """A public reply or an internal note; inbound mail keeps its Message-ID for threading and de-duplication."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", db_index=False)
    kind = models.CharField(max_length=6, choices=MessageKind.choices, default=MessageKind.REPLY)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    author = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)  # sanitised; shown as is
    full_text = models.TextField(blank=True)  # an inbound reply with its quoted history, for "show everything"
    message_id = models.CharField(max_length=255, null=True, blank=True, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=_valid("kind", MessageKind), name="message_kind_valid"),
            models.CheckConstraint(condition=_valid("direction", Direction), name="message_direction_valid"),
            models.CheckConstraint(
                condition=~Q(kind=MessageKind.NOTE) | Q(direction=Direction.OUTBOUND), name="message_note_is_ours"
            ),
        ]
        indexes = [models.Index(fields=["ticket", "created_at", "id"], name="message_ticket_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on ticket {self.ticket_id}"


def attachment_path(instance, filename: str) -> str:
    return f"attachments/{timezone.now():%Y/%m}/{filename}"


class Attachment(models.Model):
    """Stored through Django's storage API, so an S3-compatible storage can replace the disk."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, max_length=400)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=150)
    size = models.PositiveBigIntegerField()
    content_id = models.CharField(max_length=255, blank=True)
    inline = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class TicketEvent(models.Model):
    """The timeline: who did what, when, old → new. One small function per kind writes it (events.py)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=200, blank=True)  # "customer: ann@x.org", "SLA sweep", "import"
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=_valid("kind", EventKind), name="ticket_event_kind_valid")]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="event_ticket_created"),
            models.Index(fields=["created_at", "id"], name="event_created"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} on ticket {self.ticket_id}"


class TicketLink(models.Model):
    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=12, choices=LinkKind.choices)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="ticket_link_unique"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="ticket_link_not_self"),
            models.CheckConstraint(condition=_valid("kind", LinkKind), name="ticket_link_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"


# --- SLA clocks -----------------------------------------------------------------------------------------------


class SlaClock(FactSource):
    """One target on one ticket (or one promise), with its recorded events: every outcome can be explained later.

    While running, `due_at` is when the target falls due and `at_risk_at` when the at-risk share is reached; the
    sweep finds due work through those indexed columns and claims it with a conditional UPDATE.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="clocks")
    target = models.CharField(max_length=16, choices=Target.choices)
    state = models.CharField(max_length=10, choices=ClockState.choices, default=ClockState.RUNNING)
    around_the_clock = models.BooleanField(default=False)
    target_seconds = models.PositiveIntegerField(null=True, blank=True)  # null for a promise (a fixed time)
    elapsed_seconds = models.PositiveIntegerField(default=0)  # business seconds used before `running_since`
    started_at = models.DateTimeField()
    running_since = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)
    at_risk_at = models.DateTimeField(null=True, blank=True)
    at_risk_notified_at = models.DateTimeField(null=True, blank=True)
    breached_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    message = models.ForeignKey(Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="promises")
    promised_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["ticket", "started_at", "id"]
        constraints = [
            models.CheckConstraint(condition=_valid("target", Target), name="clock_target_valid"),
            models.CheckConstraint(condition=_valid("state", ClockState), name="clock_state_valid"),
        ]
        indexes = [
            # The sweep's work lists, holding only what is still to be found: a scan never steps over the
            # thousands of clocks already breached or warned.
            models.Index(
                fields=["due_at"],
                name="clock_due_unbreached",
                condition=Q(state=ClockState.RUNNING, breached_at__isnull=True),
            ),
            models.Index(
                fields=["at_risk_at"],
                name="clock_at_risk_unwarned",
                condition=Q(state=ClockState.RUNNING, breached_at__isnull=True, at_risk_notified_at__isnull=True),
            ),
            models.Index(fields=["stopped_at"], name="clock_stopped_at"),  # SLA compliance by day
        ]

    def __str__(self) -> str:
        return f"{self.get_target_display()} on ticket {self.ticket_id}: {self.state}"

    @property
    def is_live(self) -> bool:
        return self.state in (ClockState.RUNNING, ClockState.PAUSED)


class SlaClockEvent(models.Model):
    clock = models.ForeignKey(SlaClock, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=ClockEventKind.choices)
    at = models.DateTimeField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(condition=_valid("kind", ClockEventKind), name="clock_event_kind_valid")]

    def __str__(self) -> str:
        return f"{self.kind} at {self.at}"


# --- Escalation and root cause analysis -----------------------------------------------------------------------


class EscalationRule(models.Model):
    name = models.CharField(max_length=100, unique=True)
    active = models.BooleanField(default=True)
    trigger = models.CharField(max_length=8, choices=EscalationTrigger.choices)
    target = models.CharField(max_length=16, choices=Target.choices, blank=True)  # blank: any target
    priorities = models.JSONField(default=list, blank=True)  # empty: any priority
    raise_to = models.CharField(max_length=12, choices=Level.choices, blank=True)  # blank: one level up
    assign_team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    notify_manager = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(condition=_valid("trigger", EscalationTrigger), name="escalation_trigger_valid")
        ]

    def __str__(self) -> str:
        return self.name


class Escalation(FactSource):
    """Each change of level, manual or by rule: the ticket's history of levels."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="escalations")
    from_level = models.CharField(max_length=12, choices=Level.choices)
    to_level = models.CharField(max_length=12, choices=Level.choices)
    reason = models.CharField(max_length=500)
    actor = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule = models.ForeignKey(EscalationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_level} → {self.to_level} on ticket {self.ticket_id}"


class RootCauseAnalysis(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="rca")
    summary = models.TextField(max_length=5000)
    category = models.CharField(max_length=20, choices=RootCauseCategory.choices)
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=_valid("category", RootCauseCategory), name="rca_category_valid")
        ]

    def __str__(self) -> str:
        return f"RCA of ticket {self.ticket_id}"


class CorrectiveAction(models.Model):
    rca = models.ForeignKey(RootCauseAnalysis, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=500)
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.description


# --- Workspace ------------------------------------------------------------------------------------------------


class CannedResponse(models.Model):
    title = models.CharField(max_length=150, unique=True)
    body = models.TextField(max_length=10000)
    position = models.PositiveIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "title"]

    def __str__(self) -> str:
        return self.title


class SavedFilter(models.Model):
    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="saved_filters")
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=1000)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_filter_unique")]

    def __str__(self) -> str:
        return self.name


# --- Mail -----------------------------------------------------------------------------------------------------


class InboundMail(models.Model):
    """Every message the receiver or poller accepted, stored before it says 250: nothing accepted is lost."""

    source = models.CharField(max_length=100)  # "smtp", "lmtp", "imap:support@x.org"
    envelope_from = models.CharField(max_length=320, blank=True)
    recipients = models.JSONField(default=list, blank=True)
    sender = models.CharField(max_length=320, blank=True)  # the From address, once parsed
    raw = models.BinaryField()
    size = models.PositiveIntegerField()
    message_id = models.CharField(max_length=255, blank=True, db_index=True)
    state = models.CharField(max_length=10, choices=InboundState.choices, default=InboundState.RECEIVED)
    detail = models.CharField(max_length=500, blank=True)
    ticket = models.ForeignKey(Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.CheckConstraint(condition=_valid("state", InboundState), name="inbound_state_valid")]
        indexes = [
            models.Index(fields=["state", "received_at"], name="inbound_state_received"),
            models.Index(fields=["sender", "received_at"], name="inbound_sender_received"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.message_id}"
