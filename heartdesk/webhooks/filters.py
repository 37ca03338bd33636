"""One filter definition for the delivery log, used by the webhook page and by the API (NetBox's rule)."""

from django.db.models import QuerySet
from ninja import Schema
from pydantic import Field

from heartdesk.webhooks.choices import DeliveryState


class DeliveryFilters(Schema):
    state: DeliveryState | None = None
    event_type: str | None = Field(None, max_length=50, description='e.g. "ticket.created" or "webhook.test".')

    def apply(self, queryset: QuerySet) -> QuerySet:
        if self.state:
            queryset = queryset.filter(state=self.state)
        if self.event_type:
            queryset = queryset.filter(event_type=self.event_type)
        return queryset
