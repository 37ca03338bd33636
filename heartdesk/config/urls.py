from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from heartdesk.api.urls import api
from heartdesk.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", api.urls),
    path("accounts/", include("heartdesk.accounts.urls")),
    path("customers/", include("heartdesk.customers.urls")),
    path("admin/", admin.site.urls),
    path("", RedirectView.as_view(pattern_name="customers:list", permanent=False), name="home"),
]
