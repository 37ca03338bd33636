"""The help desk's vocabulary, in the guides' words; every one is backed by a check constraint."""

from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    WEB = "web", "Web form"
    PORTAL = "portal", "Portal"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"
    SOCIAL = "social", "Social media"
    API = "api", "API"


class TicketType(models.TextChoices):
    QUESTION = "question", "Question"
    INCIDENT = "incident", "Incident"
    PROBLEM = "problem", "Problem"
    COMPLAINT = "complaint", "Complaint"
    REQUEST = "request", "Request"


class Priority(models.TextChoices):
    """P1–P4, shown with guide 000's names."""

    P1 = "p1", "P1 Critical"
    P2 = "p2", "P2 High"
    P3 = "p3", "P3 Medium"
    P4 = "p4", "P4 Low"


class Status(models.TextChoices):
    NEW = "new", "New"
    OPEN = "open", "Open"
    PENDING = "pending", "Pending on customer"
    ON_HOLD = "on_hold", "On hold (third party)"
    SOLVED = "solved", "Solved"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.PENDING, Status.ON_HOLD)

# Allowed moves; anything else is refused with a 409 naming both ends. Reopening happens from solved only
# (a closed ticket is final: a customer reply to it opens a follow-up ticket).
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.NEW: frozenset({Status.OPEN, Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.OPEN: frozenset({Status.PENDING, Status.ON_HOLD, Status.SOLVED}),
    Status.PENDING: frozenset({Status.OPEN, Status.ON_HOLD, Status.SOLVED}),
    Status.ON_HOLD: frozenset({Status.OPEN, Status.PENDING, Status.SOLVED}),
    Status.SOLVED: frozenset({Status.OPEN, Status.CLOSED}),
    Status.CLOSED: frozenset(),
}


class Level(models.TextChoices):
    """Escalation levels of guide 002, in order."""

    L1 = "l1", "Level 1"
    L2 = "l2", "Level 2"
    L3 = "l3", "Level 3 (engineering)"
    MANAGEMENT = "management", "Management"
    EXECUTIVE = "executive", "Executive"
    VENDOR = "vendor", "External vendor"


LEVEL_ORDER = [choice.value for choice in Level]


class MessageKind(models.TextChoices):
    REPLY = "reply", "Public reply"
    NOTE = "note", "Internal note"


class Direction(models.TextChoices):
    INBOUND = "inbound", "From the customer"
    OUTBOUND = "outbound", "From us"


class LinkKind(models.TextChoices):
    DUPLICATE_OF = "duplicate_of", "Duplicate of"
    RELATED = "related", "Related to"
    CAUSED_BY = "caused_by", "Caused by problem"


class Target(models.TextChoices):
    FIRST_RESPONSE = "first_response", "First response"
    NEXT_UPDATE = "next_update", "Next update"
    RESOLUTION = "resolution", "Resolution"
    PROMISE = "promise", "Promise"


class ClockState(models.TextChoices):
    RUNNING = "running", "Running"
    PAUSED = "paused", "Paused"
    FULFILLED = "fulfilled", "Met"
    BREACHED = "breached", "Breached"  # fulfilled late, or still running past due
    CANCELLED = "cancelled", "Cancelled"


class ClockEventKind(models.TextChoices):
    STARTED = "started", "Started"
    PAUSED = "paused", "Paused"
    RESUMED = "resumed", "Resumed"
    AT_RISK = "at_risk", "At risk"
    BREACHED = "breached", "Breached"
    FULFILLED = "fulfilled", "Fulfilled"
    RECOMPUTED = "recomputed", "Recomputed"
    CANCELLED = "cancelled", "Cancelled"
    REMINDED = "reminded", "Reminder sent"


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    IMPORTED = "imported", "Imported"
    MESSAGE = "message", "Message"
    STATUS = "status", "Status changed"
    PRIORITY = "priority", "Priority changed"
    ASSIGNED = "assigned", "Assigned"
    TEAM = "team", "Team changed"
    FIELD = "field", "Field changed"
    TAGS = "tags", "Tags changed"
    FOLLOWERS = "followers", "Followers changed"
    ESCALATED = "escalated", "Escalated"
    DEESCALATED = "deescalated", "De-escalated"
    LINKED = "linked", "Linked"
    UNLINKED = "unlinked", "Unlinked"
    SLA = "sla", "SLA"
    PROMISE = "promise", "Promise"
    RCA = "rca", "Root cause analysis"
    REOPENED = "reopened", "Reopened"
    FOLLOW_UP = "follow_up", "Follow-up ticket"
    MAIL = "mail", "Mail"


class RootCauseCategory(models.TextChoices):
    SOFTWARE_DEFECT = "software_defect", "Software defect"
    CONFIGURATION = "configuration", "Configuration"
    INFRASTRUCTURE = "infrastructure", "Infrastructure"
    THIRD_PARTY = "third_party", "Third party / vendor"
    PROCESS = "process", "Process"
    HUMAN_ERROR = "human_error", "Human error"
    DOCUMENTATION = "documentation", "Documentation"
    CAPACITY = "capacity", "Capacity"
    UNKNOWN = "unknown", "Unknown"


class EscalationTrigger(models.TextChoices):
    BREACH = "breach", "On breach"
    AT_RISK = "at_risk", "When at risk"


class InboundState(models.TextChoices):
    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Failed"
