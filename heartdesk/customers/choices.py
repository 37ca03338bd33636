from django.db import models


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CHURNED = "churned", "Churned"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    CHAT = "chat", "Chat"
    SELF_SERVICE = "self_service", "Self-service portal"
    SCHEDULED_CALL = "scheduled_call", "Scheduled call"
    VIDEO_CALL = "video_call", "Video call"
    IN_PERSON = "in_person", "In person"
    WEB_FORM = "web_form", "Web form"
    SOCIAL = "social", "Social media"


class HistoryKind(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    DELETED = "deleted", "Removed"
    RESTORED = "restored", "Restored"
    ERASED = "erased", "Personal data erased"
    IMPORTED = "imported", "Imported"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded: choose the columns"
    PENDING = "pending", "Waiting for a worker"
    VALIDATING = "validating", "Checking rows"
    WRITING = "writing", "Writing"
    CHECKED = "checked", "Checked (dry run)"
    REJECTED = "rejected", "Rejected: errors found"
    DONE = "done", "Imported"
    FAILED = "failed", "Failed"
