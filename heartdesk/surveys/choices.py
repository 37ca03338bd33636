from django.db import models


class SurveyKind(models.TextChoices):
    POST_INTERACTION = "post_interaction", "Post-interaction (after a ticket is solved)"
    RELATIONSHIP = "relationship", "Relationship (quarterly)"
    ANNUAL = "annual", "Annual satisfaction"
    CUSTOM = "custom", "Custom"


class QuestionKind(models.TextChoices):
    RATING_5 = "rating_5", "Rating 1–5"
    NPS = "nps", "0–10 likelihood to recommend"
    YES_NO = "yes_no", "Yes / no"
    SINGLE = "single", "Single choice"
    MULTIPLE = "multiple", "Multiple choice"
    TEXT = "text", "Text"


class QuestionRole(models.TextChoices):
    """What a question measures, so KPIs read the same role across languages and versions."""

    NONE = "", "—"
    CSAT = "csat", "Satisfaction (CSAT)"
    RESOLVED = "resolved", "Issue resolved"
    RESPONSE_TIME = "response_time", "Response time acceptable"
    NPS = "nps", "Likelihood to recommend (NPS)"
    IMPROVE = "improve", "What could we have done better"
    APPRECIATED = "appreciated", "What was appreciated"


class InvitationState(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENT = "sent", "Sent"
    OPENED = "opened", "Opened"
    ANSWERED = "answered", "Answered"
    CANCELLED = "cancelled", "Cancelled"
    SUPPRESSED = "suppressed", "Not sent (fatigue or unsubscribed)"
    FAILED = "failed", "Could not be sent"


class CampaignState(models.TextChoices):
    DRAFT = "draft", "Draft"
    SCHEDULED = "scheduled", "Scheduled"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class FollowUpReason(models.TextChoices):
    LOW_RATING = "low_rating", "Rating of 2 or less"
    DETRACTOR = "detractor", "NPS detractor"
    NOT_RESOLVED = "not_resolved", "Issue not resolved"
    NEGATIVE_TEXT = "negative_text", "Strongly negative comment"


class FollowUpState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ResponseSource(models.TextChoices):
    LINK = "link", "One-click link in the email"
    PAGE = "page", "Survey page"
    PORTAL = "portal", "Portal"
    IMPORT = "import", "Imported"
    API = "api", "API"
