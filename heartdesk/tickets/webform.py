"""The public web form at /support/new: no login, CSRF protected, throttled per IP and per email address
(`messaging.throttle`). Every POST counts against its IP, valid or not; a valid one also counts against its email
address. The honeypot field looks filled in only to bots: such posts get the thank-you
page and write nothing.
"""

from django import forms
from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import path

from heartdesk.core.errors import DomainError
from heartdesk.core.forms import add_domain_error
from heartdesk.messaging import throttle
from heartdesk.tickets import services
from heartdesk.tickets.choices import Channel

app_name = "webform"
SESSION_KEY = "webform_reference"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class WebForm(forms.Form):
    name = forms.CharField(max_length=200)
    email = forms.EmailField(max_length=254)
    subject = forms.CharField(max_length=300)
    description = forms.CharField(max_length=50_000, widget=forms.Textarea(attrs={"rows": 8}))
    attachments = MultipleFileField(required=False)
    # The honeypot: hidden from people by CSS and aria-hidden, filled in by naive bots.
    website = forms.CharField(required=False, label="Leave this empty")

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        limit = settings.ATTACHMENT_MAX_BYTES
        for upload in files:
            if upload.size > limit:
                raise forms.ValidationError(
                    f"{upload.name} is {upload.size:,} bytes; each file may be at most {limit:,}."
                )
        return files


def _too_many(request):
    return render(request, "tickets/webform_limited.html", {"per_hour": settings.WEB_FORM_PER_HOUR}, status=429)


def new(request):
    if request.method != "POST":
        return render(request, "tickets/webform.html", {"form": WebForm()})
    if throttle.over_limit("ip", throttle.client_ip(request), per_hour=settings.WEB_FORM_PER_HOUR):
        return _too_many(request)
    form = WebForm(request.POST, request.FILES)
    if form.data.get("website"):
        request.session[SESSION_KEY] = ""
        return redirect("webform:thanks")
    if not form.is_valid():
        return render(request, "tickets/webform.html", {"form": form}, status=400)
    data = form.cleaned_data
    if throttle.over_limit("email", data["email"], per_hour=settings.WEB_FORM_PER_HOUR):
        return _too_many(request)
    try:
        ticket = _submit(data)
    except DomainError as exc:
        add_domain_error(form, exc)
        return render(request, "tickets/webform.html", {"form": form}, status=400)
    request.session[SESSION_KEY] = ticket.reference
    return redirect("webform:thanks")


def _submit(data):
    attachments = [
        services.NewAttachment(filename=f.name, content=f.read(), content_type=f.content_type or "")
        for f in data["attachments"]
    ]
    return services.ticket_create_for_address(
        email=data["email"],
        name=data["name"],
        subject=data["subject"],
        body=data["description"],
        channel=Channel.WEB,
        attachments=attachments,
        actor=None,
    )


def thanks(request):
    reference = request.session.get(SESSION_KEY)
    if reference is None:
        return redirect("webform:new")
    return render(request, "tickets/webform_thanks.html", {"reference": reference})


urlpatterns = [
    path("new", new, name="new"),
    path("thanks", thanks, name="thanks"),
]
