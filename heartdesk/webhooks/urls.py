from django.urls import path

from heartdesk.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.webhook_list, name="list"),
    path("<int:pk>/", views.webhook_detail, name="detail"),
    path("<int:pk>/test/", views.webhook_test, name="test"),
    path("<int:pk>/rotate-secret/", views.webhook_rotate_secret, name="rotate_secret"),
    path("<int:pk>/delete/", views.webhook_delete, name="delete"),
    path("<int:pk>/deliveries/<int:delivery_id>/redeliver/", views.delivery_redeliver, name="redeliver"),
]
