from django.urls import path

from heartdesk.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    path("sent", views.sent, name="sent"),
    path("sign-in/<str:token>", views.sign_in, name="sign_in"),
    path("sign-out", views.sign_out, name="sign_out"),
    path("requests/", views.requests, name="requests"),
    path("requests/new", views.new_request, name="new"),
    path("requests/<int:ticket_id>/", views.ticket, name="ticket"),
    path("requests/<int:ticket_id>/attachments/<int:attachment_id>", views.attachment, name="attachment"),
    path("surveys/", views.survey_list, name="surveys"),
]
