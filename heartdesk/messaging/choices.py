from django.db import models


class OutboundState(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class NotificationKind(models.TextChoices):
    """Every kind of staff notification, whichever app raises it (a new kind is one line and a migration)."""

    ASSIGNED = "assigned", "Assigned to you"
    CUSTOMER_REPLY = "customer_reply", "Customer replied"
    AT_RISK = "at_risk", "SLA at risk"
    BREACHED = "breached", "SLA breached"
    ESCALATED = "escalated", "Escalated"
    PROMISE_DUE = "promise_due", "Promise falls due"
    NEW_TICKET = "new_ticket", "New ticket in your team"
    FOLLOW_UP = "follow_up", "Follow up a poor survey answer"
