from django.urls import path

from heartdesk.calendars import views

app_name = "calendars"

urlpatterns = [
    path("", views.calendars, name="list"),
    path("<int:pk>/", views.calendar_page, name="calendar"),
    path("<int:pk>/delete", views.calendar_delete, name="calendar_delete"),
    path("<int:pk>/closures/<int:closure_id>/remove", views.closure_remove, name="closure_remove"),
]
