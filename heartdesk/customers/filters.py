"""One filter definition per customer list, used by the page and by the API (NetBox's rule)."""

from django.db.models import Q, QuerySet
from ninja import Schema
from pydantic import Field

from heartdesk.core.search import prefix_q
from heartdesk.core.text import search_key
from heartdesk.customers.choices import CustomerStatus
from heartdesk.customers.models import Contact, Organization


class CustomerFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Name, email or organization (prefix match).")
    segment: int | None = Field(None, description="Segment id.")
    tier: int | None = Field(None, description="Tier id.")
    account_manager: int | None = Field(None, description="Account manager (staff user) id.")
    status: CustomerStatus | None = None
    organization: int | None = Field(None, description="Contacts of this organization id.")
    removed: bool = Field(False, description="List removed (soft-deleted) records instead.")
    tag: str | None = Field(None, max_length=50)

    def _common(self, qs: QuerySet) -> QuerySet:
        qs = qs.filter(deleted_at__isnull=not self.removed)
        if self.segment:
            qs = qs.filter(segment_id=self.segment)
        if self.tier:
            qs = qs.filter(tier_id=self.tier)
        if self.account_manager:
            qs = qs.filter(account_manager_id=self.account_manager)
        if self.status:
            qs = qs.filter(status=self.status)
        if self.tag:
            qs = qs.filter(tags__name=self.tag)
        return qs

    def contacts(self, qs: QuerySet[Contact]) -> QuerySet[Contact]:
        qs = self._common(qs)
        if self.organization:
            qs = qs.filter(organization_id=self.organization)
        text = (self.q or "").strip()
        if text:
            if "@" in text:
                qs = qs.filter(prefix_q("email", text.lower()))
            else:
                key = search_key(text)
                org_ids = Organization.objects.filter(prefix_q("name_key", key)).values("id")
                qs = qs.filter(
                    prefix_q("name_key", key)
                    | prefix_q("last_name_key", key)
                    | prefix_q("email", text.lower())
                    | Q(organization_id__in=org_ids)
                )
        return qs

    def organizations(self, qs: QuerySet[Organization]) -> QuerySet[Organization]:
        qs = self._common(qs)
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
