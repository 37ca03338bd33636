"""Staff pages of surveys, mounted at /surveys/ (the public survey pages live at /s/, in surveys/urls.py)."""

from django.urls import path

from heartdesk.surveys import views

app_name = "surveys_staff"
urlpatterns = [
    path("", views.results, name="results"),
    path("comments/", views.comments, name="comments"),
    path("export.csv", views.export, name="export"),
    path("follow-ups/", views.follow_ups, name="follow_ups"),
    path("follow-ups/<int:pk>/", views.follow_up, name="follow_up"),
]
