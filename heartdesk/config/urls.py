from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from heartdesk.api.urls import api
from heartdesk.core.views import favicon, healthz
from heartdesk.tickets.import_views import import_page

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon),
    path("api/v1/", api.urls),
    path("accounts/", include("heartdesk.accounts.urls")),
    path("customers/", include("heartdesk.customers.urls")),
    path("webhooks/", include("heartdesk.webhooks.urls")),
    path("tickets/import/", import_page, name="tickets-import"),
    path("tickets/settings/calendars/", include("heartdesk.calendars.urls")),
    path("tickets/settings/", include("heartdesk.tickets.sla.urls")),
    path("support/", include("heartdesk.tickets.webform")),
    path("surveys/manage/", include("heartdesk.surveys.builder_urls")),
    path("s/", include("heartdesk.surveys.urls")),
    path("portal/", include("heartdesk.portal.urls")),
    path("surveys/", include("heartdesk.surveys.staff_urls")),
    path("dashboard/", include("heartdesk.reporting.urls")),
    path("reports/", include("heartdesk.reporting.report_urls")),
    path("tickets/", include("heartdesk.tickets.urls")),
    path("", include("heartdesk.messaging.urls")),
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(pattern_name="tickets:queue", permanent=False), name="home"),
]
