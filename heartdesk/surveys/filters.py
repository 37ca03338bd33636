"""One filter definition for survey results, comments, the CSV export and the API (NetBox's rule).

The period is whole days in settings.TIME_ZONE, `date_from` to `date_to` inclusive; the default is the last 30 days.
"""

import datetime as dt
from enum import StrEnum
from typing import ClassVar, Literal

from django.db.models import Q, QuerySet
from ninja import Schema
from pydantic import Field

from heartdesk.core.periods import DayPeriod
from heartdesk.tickets.choices import Channel

DEFAULT_DAYS = 30


class GroupBy(StrEnum):
    AGENT = "agent"
    TEAM = "team"
    CHANNEL = "channel"
    SEGMENT = "segment"
    TIER = "tier"
    ORGANIZATION = "organization"
    WEEK = "week"
    MONTH = "month"


GROUP_LABELS = {
    GroupBy.AGENT: "Agent",
    GroupBy.TEAM: "Team",
    GroupBy.CHANNEL: "Channel",
    GroupBy.SEGMENT: "Segment",
    GroupBy.TIER: "Tier",
    GroupBy.ORGANIZATION: "Organization",
    GroupBy.WEEK: "Week",
    GroupBy.MONTH: "Month",
}
SENTIMENTS = ("negative", "neutral", "positive")


class ResultFilters(DayPeriod):
    DEFAULT_DAYS: ClassVar[int] = DEFAULT_DAYS

    date_from: dt.date | None = Field(None, description="First day of the period (default: 29 days before date_to).")
    survey: int | None = Field(None, description="Survey id.")
    agent: int | None = Field(None, description="Staff user id of the ticket's agent.")
    team: int | None = Field(None, description="Team id.")
    channel: Channel | None = None
    segment: int | None = Field(None, description="Segment id.")
    tier: int | None = Field(None, description="Tier id.")
    organization: int | None = Field(None, description="Organization id.")
    group_by: GroupBy = Field(GroupBy.AGENT, description="Rows of the breakdown table.")
    theme: str | None = Field(None, max_length=50, description="Theme key (comments, responses and export only).")
    sentiment: Literal["negative", "neutral", "positive"] | None = Field(
        None, description="Comments, responses and export only."
    )

    # --- applying ----------------------------------------------------------------------------------------------

    def dimensions(self) -> Q:
        q = Q()
        if self.survey:
            q &= Q(survey_id=self.survey)
        if self.channel:
            q &= Q(channel=self.channel)
        for field in ("agent", "team", "segment", "tier", "organization"):
            value = getattr(self, field)
            if value:
                q &= Q(**{f"{field}_id": value})
        return q

    def responses(self, qs: QuerySet, *, period: bool = True, text: bool = True) -> QuerySet:
        """Responses in the period (when `period`) matching the dimensions, and theme/sentiment (when `text`)."""
        q = self.dimensions()
        if period:
            start, end = self.bounds()
            q &= Q(submitted_at__gte=start, submitted_at__lt=end)
        if text:
            q &= self.text_filter()
        return qs.filter(q)

    def text_filter(self) -> Q:
        q = Q()
        if self.theme:
            # Theme keys are slugs stored as a JSON list; the quoted key matches exactly on SQLite and PostgreSQL.
            q &= Q(themes__icontains=f'"{self.theme}"')
        if self.sentiment:
            q &= Q(sentiment=self.sentiment)
        return q

    def invitations(self, qs: QuerySet) -> QuerySet:
        """Invitations sent in the period; dimensions through the ticket and the contact (invitations carry none)."""
        start, end = self.bounds()
        q = Q(sent_at__gte=start, sent_at__lt=end)
        if self.survey:
            q &= Q(survey_id=self.survey)
        if self.agent:
            q &= Q(ticket__assignee_id=self.agent)
        if self.team:
            q &= Q(ticket__team_id=self.team)
        if self.channel:
            q &= Q(ticket__channel=self.channel)
        if self.organization:
            q &= Q(contact__organization_id=self.organization)
        if self.segment:
            q &= Q(contact__segment_id=self.segment)
        if self.tier:
            q &= Q(contact__tier_id=self.tier)
        return qs.filter(q)


class FollowUpView(StrEnum):
    OPEN = "open"
    OVERDUE = "overdue"
    CLOSED = "closed"
    ALL = "all"


class FollowUpFilters(Schema):
    view: FollowUpView = Field(FollowUpView.OPEN, description="open, overdue (open and past due), closed, all.")
    mine: bool = Field(False, description="Only follow-ups I own.")

    def apply(self, qs: QuerySet, *, user, now: dt.datetime) -> QuerySet:
        q = Q()
        if self.view in (FollowUpView.OPEN, FollowUpView.OVERDUE):
            q &= Q(state="open")
        if self.view == FollowUpView.OVERDUE:
            q &= Q(due_at__lt=now)
        if self.view == FollowUpView.CLOSED:
            q &= Q(state="closed")
        if self.mine:
            q &= Q(owner_id=user.pk)
        return qs.filter(q)
