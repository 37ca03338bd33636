from django.conf import settings
from django.db import models
from django.db.models import Q

from heartdesk.core.facts import FactSource
from heartdesk.core.models import TimeStampedModel
from heartdesk.customers.choices import CustomerStatus, HistoryKind, ImportStatus


class Segment(TimeStampedModel):
    """A persona the support approach is tailored to (guide 000 §2.2)."""

    name = models.CharField(max_length=80, unique=True)
    key_needs = models.CharField(max_length=300, blank=True)
    preferred_channels = models.JSONField(default=list, blank=True)
    communication_style = models.CharField(max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Tier(TimeStampedModel):
    """A customer success tier and what it includes (guide 000 §5.1)."""

    name = models.CharField(max_length=80, unique=True)
    rank = models.PositiveSmallIntegerField(default=0, help_text="Higher ranks get more.")
    includes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class CustomerProfile(TimeStampedModel):
    """What organizations and contacts share: segment, tier, owner, how they like to be served, lifecycle."""

    segment = models.ForeignKey(Segment, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tier = models.ForeignKey(Tier, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    preferred_channels = models.JSONField(default=list, blank=True)
    communication_style = models.CharField(max_length=200, blank=True)
    customer_since = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE)
    churned_on = models.DateField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=16, blank=True)
    notes = models.TextField(blank=True, max_length=10000)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class Organization(FactSource, CustomerProfile):
    name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, editable=False)
    domain = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="organizations")

    class Meta:
        ordering = ["name_key", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CustomerStatus.values), name="organization_status_valid"),
            models.CheckConstraint(
                condition=Q(status=CustomerStatus.ACTIVE) | Q(churned_on__isnull=False),
                name="organization_churned_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["name_key", "id"], name="org_name_id"),
            models.Index(fields=["segment", "name_key"], name="org_segment_name"),
            models.Index(fields=["tier", "name_key"], name="org_tier_name"),
            models.Index(fields=["account_manager", "name_key"], name="org_manager_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(FactSource, CustomerProfile):
    """A person on the customer side; may belong to an organization or stand alone."""

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    # Stored folded to lower case by the services, so one plain unique index serves lookups and upserts.
    email = models.EmailField(max_length=254, null=True, blank=True, unique=True)
    phone = models.CharField(max_length=50, blank=True)
    job_title = models.CharField(max_length=150, blank=True)
    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="contacts")
    # Folded sort key kept by the services; lists read the (name_key, id) index in order ("C" on PostgreSQL).
    name_key = models.CharField(max_length=200, editable=False, default="")
    last_name_key = models.CharField(max_length=100, editable=False, default="")
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name_key", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CustomerStatus.values), name="contact_status_valid"),
            models.CheckConstraint(
                condition=Q(status=CustomerStatus.ACTIVE) | Q(churned_on__isnull=False),
                name="contact_churned_has_date",
            ),
        ]
        indexes = [
            models.Index(fields=["name_key", "id"], name="contact_name_id"),
            models.Index(fields=["organization", "name_key"], name="contact_org_name"),
            models.Index(fields=["segment", "name_key"], name="contact_segment_name"),
            models.Index(fields=["tier", "name_key"], name="contact_tier_name"),
            models.Index(fields=["account_manager", "name_key"], name="contact_manager_name"),
        ]

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part) or (self.email or "")

    def __str__(self) -> str:
        return self.full_name or f"Contact #{self.pk}"


class ContactSearchKey(models.Model):
    """A folded form a contact is found by: "first last", "last first", the email, the organization's name.

    Search is a prefix range on `key` read in index order, so a page of results costs the same however many
    contacts match. On PostgreSQL the column uses the "C" collation (migration 0004) so that order is bytewise.
    """

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="search_keys")
    key = models.CharField(max_length=254)

    class Meta:
        indexes = [models.Index(fields=["key", "contact"], name="contact_search_key")]

    def __str__(self) -> str:
        return self.key


class CustomerHistory(models.Model):
    """One change to an organization or a contact: who, what fields (old → new), when."""

    organization = models.ForeignKey(
        Organization, null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="history")
    kind = models.CharField(max_length=10, choices=HistoryKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    changes = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(contact__isnull=False), name="history_has_subject"
            ),
            models.CheckConstraint(condition=Q(kind__in=HistoryKind.values), name="history_kind_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="history_org_time"),
            models.Index(fields=["contact", "-created_at"], name="history_contact_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M}"


class ContactImport(TimeStampedModel):
    """A CSV import of contacts (and their organizations), run by the job queue."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    headers = models.JSONField(default=list, blank=True)
    encoding = models.CharField(max_length=30, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    dry_run = models.BooleanField(default=False)
    mapping = models.JSONField(default=dict, blank=True, help_text="Heartdesk field -> CSV column.")
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    report = models.JSONField(
        default=list, blank=True, help_text="Per-row outcomes: {line, email, action, field, message}."
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="import_status_valid")]

    def __str__(self) -> str:
        return f"Import {self.original_name} ({self.status})"

    @property
    def progress_percent(self) -> int:
        if self.status in {ImportStatus.DONE, ImportStatus.CHECKED, ImportStatus.REJECTED}:
            return 100
        if not self.total_rows:
            return 0
        return min(99, int(100 * self.processed_rows / self.total_rows))

    @property
    def is_finished(self) -> bool:
        return self.status in {
            ImportStatus.DONE,
            ImportStatus.CHECKED,
            ImportStatus.REJECTED,
            ImportStatus.FAILED,
        }
