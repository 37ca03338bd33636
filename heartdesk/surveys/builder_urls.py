from django.urls import path

from heartdesk.surveys import builder_views as views

app_name = "surveys_manage"

urlpatterns = [
    path("", views.surveys, name="surveys"),
    path("<int:pk>/", views.survey_page, name="survey"),
    path("campaigns/", views.campaigns_page, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_page, name="campaign"),
    path("campaigns/<int:pk>/schedule", views.campaign_schedule, name="campaign_schedule"),
    path("campaigns/<int:pk>/cancel", views.campaign_cancel, name="campaign_cancel"),
    path("import/", views.import_page, name="import"),
]
