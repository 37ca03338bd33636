from django.urls import path
from django.views.generic import RedirectView

from heartdesk.tickets.sla import views

app_name = "sla"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="sla:policies", permanent=False), name="index"),
    path("policies/", views.policies, name="policies"),
    path("policies/<int:pk>/", views.policy_page, name="policy"),
    path("policies/<int:pk>/delete", views.policy_delete, name="policy_delete"),
    path("escalation-rules/", views.rules, name="rules"),
    path("escalation-rules/<int:pk>/", views.rules, name="rule"),
]
