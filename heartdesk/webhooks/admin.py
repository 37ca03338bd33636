"""Read-only admin: every change to webhooks goes through the services (the Webhooks page and the API)."""

from django.contrib import admin

from heartdesk.webhooks.models import Webhook, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    list_display = ("name", "url", "active", "created_at")
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("event_type", "webhook", "state", "attempts", "last_status_code", "created_at")
    list_filter = ("state", "event_type")
    list_select_related = ("webhook",)
    show_full_result_count = False
