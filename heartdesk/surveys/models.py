"""Surveys, their versions and questions, invitations, responses with their answers, campaigns, follow-ups.

A response keeps the version it answered; its KPI-bearing answers (csat, resolved, response time, nps) are copied
into indexed columns with the dimensions they are reported by (agent, team, channel, organization, segment, tier),
so results and the dashboard read one table.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from heartdesk.core.facts import FactSource
from heartdesk.surveys.choices import (
    CampaignState,
    FollowUpState,
    InvitationState,
    QuestionKind,
    QuestionRole,
    ResponseSource,
    SurveyKind,
)

USER = settings.AUTH_USER_MODEL


def _valid(field: str, choices) -> Q:
    return Q(**{f"{field}__in": choices.values})


class Survey(models.Model):
    name = models.CharField(max_length=150, unique=True)
    kind = models.CharField(max_length=20, choices=SurveyKind.choices)
    language = models.CharField(max_length=16, default="en")
    active = models.BooleanField(default=True)
    # The post-interaction survey of a language is used for every solved ticket of a contact with that language.
    is_default = models.BooleanField(default=False)
    intro = models.CharField(max_length=500, blank=True)
    thank_you = models.CharField(max_length=500, default="Thank you for your feedback.")
    delay_minutes = models.PositiveIntegerField(default=60)  # post-interaction: after solving, at most 24 h
    fatigue_days = models.PositiveIntegerField(default=7)  # no contact gets this kind of survey more often
    link_days = models.PositiveIntegerField(default=30)  # how long the links in the email work
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "language", "name"]
        constraints = [
            models.CheckConstraint(condition=_valid("kind", SurveyKind), name="survey_kind_valid"),
            models.CheckConstraint(condition=Q(delay_minutes__lte=24 * 60), name="survey_delay_within_a_day"),
            models.UniqueConstraint(
                fields=["kind", "language"], condition=Q(is_default=True), name="one_default_survey_per_language"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def current_version(self):
        return self.versions.order_by("-number").first()


class SurveyVersion(models.Model):
    """Questions are frozen once a version has responses; editing makes the next version."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["survey", "number"]
        constraints = [models.UniqueConstraint(fields=["survey", "number"], name="survey_version_unique")]

    def __str__(self) -> str:
        return f"{self.survey} v{self.number}"


class Question(models.Model):
    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, choices=QuestionKind.choices)
    role = models.CharField(max_length=16, choices=QuestionRole.choices, blank=True)
    text = models.CharField(max_length=300)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=False)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.CheckConstraint(condition=_valid("kind", QuestionKind), name="question_kind_valid"),
            models.UniqueConstraint(fields=["version", "position"], name="question_position_unique"),
        ]

    def __str__(self) -> str:
        return self.text


class Campaign(models.Model):
    """A relationship or annual survey sent to a segment of contacts, with reminders to those who have not answered."""

    name = models.CharField(max_length=150, unique=True)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="campaigns")
    state = models.CharField(max_length=10, choices=CampaignState.choices, default=CampaignState.DRAFT)
    segments = models.ManyToManyField("customers.Segment", blank=True, related_name="+")
    tiers = models.ManyToManyField("customers.Tier", blank=True, related_name="+")
    organizations = models.ManyToManyField("customers.Organization", blank=True, related_name="+")
    account_managers = models.ManyToManyField(USER, blank=True, related_name="+")
    send_at = models.DateTimeField(null=True, blank=True)
    reminder_days = models.JSONField(default=list, blank=True)  # e.g. [3, 7]: days after sending
    created_by = models.ForeignKey(USER, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=_valid("state", CampaignState), name="campaign_state_valid")]
        indexes = [models.Index(fields=["state", "send_at"], name="campaign_state_send")]

    def __str__(self) -> str:
        return self.name


class Invitation(FactSource):
    """One contact asked one survey once; the token in its links names it. Sending is claimed by state."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="invitations")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="+")
    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="survey_invitations")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    campaign = models.ForeignKey(Campaign, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations")
    kind = models.CharField(max_length=20, choices=SurveyKind.choices)  # the survey's, kept for fatigue look-ups
    state = models.CharField(max_length=10, choices=InvitationState.choices, default=InvitationState.SCHEDULED)
    nonce = models.CharField(max_length=32)  # part of the signed token; a new nonce invalidates old links
    send_after = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=_valid("state", InvitationState), name="invitation_state_valid"),
            models.UniqueConstraint(
                fields=["survey", "ticket"], condition=Q(ticket__isnull=False), name="one_invitation_per_ticket"
            ),
            models.UniqueConstraint(
                fields=["campaign", "contact"], condition=Q(campaign__isnull=False), name="one_invitation_per_campaign"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "send_after"], name="invitation_due"),
            models.Index(fields=["contact", "kind", "sent_at"], name="invitation_fatigue"),
            models.Index(fields=["sent_at"], name="invitation_sent_at"),  # response rate by day
        ]

    def __str__(self) -> str:
        return f"{self.survey} → {self.contact_id}"


class Response(FactSource):
    """The answer to one invitation: answering again updates it. KPI answers and dimensions are copied here."""

    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.CASCADE, related_name="response"
    )
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT, related_name="responses")
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    agent = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    channel = models.CharField(max_length=10, blank=True)
    organization = models.ForeignKey(
        "customers.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    segment = models.ForeignKey("customers.Segment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tier = models.ForeignKey("customers.Tier", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    source = models.CharField(max_length=8, choices=ResponseSource.choices, default=ResponseSource.PAGE)
    submitted_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    csat = models.PositiveSmallIntegerField(null=True, blank=True)
    resolved = models.BooleanField(null=True, blank=True)
    response_time_ok = models.BooleanField(null=True, blank=True)
    nps = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True)  # the text answers, joined, for analysis
    sentiment = models.CharField(max_length=8, blank=True)
    sentiment_score = models.FloatField(null=True, blank=True)
    themes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(csat__isnull=True) | Q(csat__gte=1, csat__lte=5), name="response_csat_1_5"
            ),
            models.CheckConstraint(condition=Q(nps__isnull=True) | Q(nps__lte=10), name="response_nps_0_10"),
        ]
        indexes = [
            models.Index(fields=["submitted_at", "id"], name="response_submitted"),
            models.Index(fields=["agent", "submitted_at"], name="response_agent"),
            models.Index(fields=["team", "submitted_at"], name="response_team"),
            models.Index(fields=["organization", "submitted_at"], name="response_org"),
            models.Index(fields=["contact", "submitted_at"], name="response_contact"),
            models.Index(fields=["sentiment", "submitted_at"], name="response_sentiment"),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk} to {self.survey_id}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    value = models.JSONField()  # int, bool, str or list of str, by the question's kind

    class Meta:
        ordering = ["response", "question__position"]
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_unique")]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value}"


class Unsubscribe(models.Model):
    """A contact who asked for no more surveys (of one kind, or any when kind is blank)."""

    contact = models.ForeignKey("customers.Contact", on_delete=models.CASCADE, related_name="survey_unsubscribes")
    kind = models.CharField(max_length=20, choices=SurveyKind.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["contact", "kind"], name="unsubscribe_unique")]

    def __str__(self) -> str:
        return f"{self.contact_id} unsubscribed from {self.kind or 'all surveys'}"


class FollowUp(FactSource):
    """Closing the loop on a poor answer: who calls the customer back, by when, and what came of it."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="follow_up")
    ticket = models.ForeignKey("tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    contact = models.ForeignKey("customers.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    owner = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_follow_ups")
    reasons = models.JSONField(default=list)
    state = models.CharField(max_length=8, choices=FollowUpState.choices, default=FollowUpState.OPEN)
    due_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    contacted_at = models.DateTimeField(null=True, blank=True)
    contact_channel = models.CharField(max_length=20, blank=True)
    outcome = models.TextField(blank=True, max_length=5000)
    ticket_reopened = models.BooleanField(default=False)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(condition=_valid("state", FollowUpState), name="follow_up_state_valid"),
            models.CheckConstraint(
                condition=Q(state=FollowUpState.OPEN) | Q(closed_at__isnull=False), name="follow_up_closed_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="follow_up_due"),
            models.Index(fields=["owner", "state", "due_at"], name="follow_up_owner_due"),
            models.Index(fields=["created_at"], name="follow_up_created_at"),  # follow-up closure by day
        ]

    def __str__(self) -> str:
        return f"Follow-up of response {self.response_id}"


class Theme(models.Model):
    """The feedback taxonomy: a theme and the words that point to it; seeded with the guides' themes."""

    key = models.SlugField(max_length=50, unique=True)
    label = models.CharField(max_length=100)
    keywords = models.JSONField(default=list)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["label"]

    def __str__(self) -> str:
        return self.label
