from django.db import models


class EventType(models.TextChoices):
    """What a webhook can subscribe to. A new kind of event is added here first; `emit` refuses unknown ones."""

    TICKET_CREATED = "ticket.created", "Ticket created"
    TICKET_UPDATED = "ticket.updated", "Ticket updated"
    TICKET_MESSAGE = "ticket.message", "Message on a ticket"
    TICKET_ESCALATED = "ticket.escalated", "Ticket escalated"
    TICKET_SLA_BREACHED = "ticket.sla_breached", "Ticket SLA breached"
    SURVEY_RESPONSE = "survey.response", "Survey response"


ALL_EVENTS = "*"
# Sent by "Send test event" whatever the subscription; never emitted by the product.
TEST_EVENT = "webhook.test"


class DeliveryState(models.TextChoices):
    PENDING = "pending", "Pending"
    DELIVERING = "delivering", "Delivering"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
