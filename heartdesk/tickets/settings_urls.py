from django.urls import path
from django.views.generic import RedirectView

from heartdesk.tickets import settings_views as views

app_name = "tickets_settings"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="tickets_settings:policies", permanent=False), name="index"),
    path("policies/", views.policies, name="policies"),
    path("policies/<int:pk>/", views.policy_page, name="policy"),
    path("policies/<int:pk>/delete", views.policy_delete, name="policy_delete"),
    path("calendars/", views.calendars, name="calendars"),
    path("calendars/<int:pk>/", views.calendar_page, name="calendar"),
    path("calendars/<int:pk>/delete", views.calendar_delete, name="calendar_delete"),
    path("calendars/<int:pk>/closures/<int:closure_id>/remove", views.closure_remove, name="closure_remove"),
    path("escalation-rules/", views.rules, name="rules"),
    path("escalation-rules/<int:pk>/", views.rules, name="rule"),
    path("canned-responses/", views.canned, name="canned"),
    path("canned-responses/<int:pk>/", views.canned, name="canned_edit"),
    path("mail-log/", views.mail_log, name="mail_log"),
]
