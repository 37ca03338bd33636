from django.urls import path

from heartdesk.surveys import public

app_name = "surveys"
urlpatterns = [
    path("<str:token>/", public.answer, name="answer"),
    path("<str:token>/rate/<int:rating>/", public.rate, name="rate"),
    path("<str:token>/unsubscribe/", public.unsubscribe, name="unsubscribe"),
]
