from django.urls import path

from heartdesk.tickets import views

app_name = "tickets"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("filters/", views.saved_filter_create, name="filter_create"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete, name="filter_delete"),
    path("new/", views.ticket_new, name="new"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/badge/", views.notifications_badge, name="notifications_badge"),
    path("notifications/read/", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("<int:pk>/", views.ticket_detail, name="ticket"),
    path("<int:pk>/message/", views.ticket_message, name="message"),
    path("<int:pk>/properties/", views.ticket_properties, name="properties"),
    path("<int:pk>/level/", views.ticket_level, name="level"),
    path("<int:pk>/links/", views.ticket_link, name="link"),
    path("<int:pk>/links/<int:link_pk>/delete/", views.ticket_unlink, name="unlink"),
    path("<int:pk>/rca/", views.ticket_rca, name="rca"),
]
