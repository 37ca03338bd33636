"""The executive dashboard and KPI targets, mounted at /dashboard/."""

from django.urls import path

from heartdesk.reporting import views

app_name = "reporting"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("targets/", views.targets_page, name="targets"),
]
