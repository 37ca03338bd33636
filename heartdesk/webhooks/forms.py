"""The webhook form only parses input; the service's rules decide what is valid and the form shows its errors."""

from django import forms

from heartdesk.webhooks.choices import ALL_EVENTS, EventType

EVENT_CHOICES = [(ALL_EVENTS, "Every event, including kinds added later"), *EventType.choices]


class WebhookForm(forms.Form):
    name = forms.CharField(max_length=100, required=False)
    url = forms.CharField(
        label="URL", max_length=2000, required=False, help_text="Where Heartdesk POSTs events: http:// or https://."
    )
    events = forms.MultipleChoiceField(choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, required=False)
    active = forms.BooleanField(required=False, initial=True, help_text="Only active webhooks receive events.")

    @classmethod
    def initial_for(cls, webhook) -> dict:
        return {"name": webhook.name, "url": webhook.url, "events": webhook.events, "active": webhook.active}

    def service_data(self) -> dict:
        return dict(self.cleaned_data)
