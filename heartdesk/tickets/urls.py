from django.urls import path

from heartdesk.tickets import settings_views, views

app_name = "tickets"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("filters/", views.saved_filter_create, name="filter_create"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="filter_delete"),
    path("new/", views.ticket_new, name="new"),
    path("settings/canned-responses/", settings_views.canned, name="canned"),
    path("settings/canned-responses/<int:pk>/", settings_views.canned, name="canned_edit"),
    path("settings/mail-log/", settings_views.mail_log, name="mail_log"),
    path("<int:pk>/", views.ticket_detail, name="ticket"),
    path("<int:pk>/message/", views.ticket_message, name="message"),
    path("<int:pk>/properties/", views.ticket_properties, name="properties"),
    path("<int:pk>/level/", views.ticket_level, name="level"),
    path("<int:pk>/links/", views.ticket_link, name="link"),
    path("<int:pk>/links/<int:link_pk>/delete/", views.ticket_unlink, name="unlink"),
    path("<int:pk>/rca/", views.ticket_rca, name="rca"),
]
