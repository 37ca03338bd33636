"""One filter definition per customer list, used by the page and by the API (NetBox's rule)."""

from django.db.models import Q, QuerySet
from ninja import Schema
from pydantic import Field

from heartdesk.core.search import prefix_q
from heartdesk.core.text import prefix_upper_bound, search_key
from heartdesk.customers.choices import CustomerStatus
from heartdesk.customers.models import Contact, ContactSearchKey, Organization


class CustomerFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Name, email or organization (prefix match).")
    segment: int | None = Field(None, description="Segment id.")
    tier: int | None = Field(None, description="Tier id.")
    account_manager: int | None = Field(None, description="Account manager (staff user) id.")
    status: CustomerStatus | None = None
    organization: int | None = Field(None, description="Contacts of this organization id.")
    removed: bool = Field(False, description="List removed (soft-deleted) records instead.")
    tag: str | None = Field(None, max_length=50)

    def _common(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}deleted_at__isnull": not self.removed})
        for field in ("segment", "tier", "account_manager"):
            value = getattr(self, field)
            if value:
                q &= Q(**{f"{prefix}{field}_id": value})
        if self.status:
            q &= Q(**{f"{prefix}status": self.status})
        if self.tag:
            q &= Q(**{f"{prefix}tags__name": self.tag})
        return q

    def contact_q(self, prefix: str = "") -> Q:
        """Everything but the text search, as seen from a query whose path to the contact is `prefix`."""
        q = self._common(prefix)
        if self.organization:
            q &= Q(**{f"{prefix}organization_id": self.organization})
        return q

    @property
    def search_text(self) -> str:
        text = (self.q or "").strip()
        return text.lower() if "@" in text else search_key(text)

    def contacts(self, qs: QuerySet[Contact]) -> QuerySet[Contact]:
        qs = qs.filter(self.contact_q())
        if self.search_text:
            qs = qs.filter(id__in=matching_keys(self.search_text).values("contact_id"))
        return qs

    def organizations(self, qs: QuerySet[Organization]) -> QuerySet[Organization]:
        qs = qs.filter(self._common())
        text = (self.q or "").strip()
        if text:
            qs = qs.filter(prefix_q("name_key", search_key(text)))
        return qs

    @property
    def active(self) -> bool:
        return (
            any(
                [
                    self.q,
                    self.segment,
                    self.tier,
                    self.account_manager,
                    self.status,
                    self.organization,
                    self.tag,
                ]
            )
            or self.removed
        )


def matching_keys(text: str) -> QuerySet[ContactSearchKey]:
    """Search keys starting with `text`: a bytewise range on both databases (the column is "C" on PostgreSQL)."""
    return ContactSearchKey.objects.filter(key__gte=text, key__lt=prefix_upper_bound(text))
