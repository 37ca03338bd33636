"""The customer portal: thin views around services.py. No staff login is involved either way: a portal session
holds only a contact id under SESSION_KEY, which staff views never read, and staff sessions never set it."""

from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from heartdesk.core.errors import DomainError, Invalid
from heartdesk.core.forms import add_domain_error
from heartdesk.core.pagination import keyset_page
from heartdesk.messaging import throttle
from heartdesk.portal import services, tokens
from heartdesk.surveys import services as surveys
from heartdesk.tickets import services as tickets
from heartdesk.tickets.choices import Channel

SESSION_KEY = "portal_contact_id"
PAGE_SIZE = 25


class EmailForm(forms.Form):
    email = forms.EmailField(max_length=254)


class NewRequestForm(forms.Form):
    subject = forms.CharField(max_length=300)
    description = forms.CharField(max_length=50_000, widget=forms.Textarea(attrs={"rows": 8}))


class ReplyForm(forms.Form):
    body = forms.CharField(label="Your reply", max_length=50_000, widget=forms.Textarea(attrs={"rows": 6}))


def portal_login_required(view):
    """Loads the signed-in contact into request.contact; a contact removed or erased since is signed out."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        contact_id = request.session.get(SESSION_KEY)
        contact = services.active_contacts().filter(pk=contact_id).first() if isinstance(contact_id, int) else None
        if contact is None:
            request.session.pop(SESSION_KEY, None)
            return redirect("portal:start")
        request.contact = contact
        return view(request, *args, **kwargs)

    return wrapper


def _too_many(request):
    return render(request, "portal/limited.html", {"per_hour": settings.WEB_FORM_PER_HOUR}, status=429)


def start(request):
    """Ask for an address; every valid post ends on the same "on its way" page, known address or not."""
    if request.method != "POST":
        if request.session.get(SESSION_KEY):
            return redirect("portal:requests")
        return render(request, "portal/start.html", {"form": EmailForm()})
    if throttle.over_limit("portal-ip", throttle.client_ip(request), per_hour=settings.WEB_FORM_PER_HOUR):
        return _too_many(request)
    form = EmailForm(request.POST)
    if not form.is_valid():
        return render(request, "portal/start.html", {"form": form}, status=400)
    if throttle.over_limit("portal-email", form.cleaned_data["email"], per_hour=settings.WEB_FORM_PER_HOUR):
        return _too_many(request)
    services.sign_in_link_send(email=form.cleaned_data["email"])
    return redirect("portal:sent")


def sent(request):
    return render(request, "portal/sent.html", {"minutes": settings.PORTAL_LINK_MINUTES})


def sign_in(request, token: str):
    """GET only checks the link and shows a button; the POST uses it up. Mail scanners that fetch links would
    otherwise spend a single-use link before its owner clicks it."""
    try:
        use = services.sign_in_link_use if request.method == "POST" else services.sign_in_link_check
        contact = use(token)
    except tokens.BadToken as exc:
        return render(request, "portal/bad_link.html", {"message": str(exc)}, status=400)
    except (tokens.ExpiredToken, tokens.UsedToken) as exc:
        return render(request, "portal/bad_link.html", {"message": str(exc)}, status=410)
    if request.method != "POST":
        # Not under "contact": in portal templates that name means "signed in", and this visitor is not yet.
        return render(request, "portal/sign_in.html")
    request.session.cycle_key()  # no session fixation: whoever planted the old key does not get this one
    request.session[SESSION_KEY] = contact.pk
    return redirect("portal:requests")


@require_POST
def sign_out(request):
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()
    return redirect("portal:start")


@portal_login_required
def requests(request):
    qs = services.tickets_for(request.contact).select_related("requester")
    try:
        page = keyset_page(
            qs, order=("created_at", "id"), cursor=request.GET.get("cursor"), size=PAGE_SIZE, descending=True
        )
    except Invalid:
        return redirect("portal:requests")
    rows = [(t, services.customer_status(t.status)) for t in page.items]
    return render(request, "portal/requests.html", {"contact": request.contact, "page": page, "rows": rows})


@portal_login_required
def new_request(request):
    form = NewRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = tickets.ticket_create(
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["description"],
                requester=request.contact,
                channel=Channel.PORTAL,
                actor=None,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"Thank you: your request is {ticket.reference}.")
            return redirect("portal:ticket", ticket.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "portal/new.html", {"contact": request.contact, "form": form}, status=status)


@portal_login_required
def ticket(request, ticket_id: int):
    ticket = services.access_ticket(request.contact, ticket_id)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            after, _ = tickets.ticket_customer_reply(
                ticket=ticket, contact=request.contact, body=form.cleaned_data["body"], channel=Channel.PORTAL
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            if after.pk != ticket.pk:
                messages.success(request, f"{ticket.reference} was closed, so your reply opened {after.reference}.")
            else:
                messages.success(request, "Your reply was added.")
            return redirect("portal:ticket", after.pk)
    context = {
        "contact": request.contact,
        "ticket": ticket,
        "status": services.customer_status(ticket.status),
        "thread": services.public_messages(ticket),
        "follow_up": services.reply_opens_follow_up(ticket),
        "form": form,
    }
    return render(request, "portal/ticket.html", context, status=400 if request.method == "POST" else 200)


@portal_login_required
def attachment(request, ticket_id: int, attachment_id: int):
    found = services.access_attachment(request.contact, ticket_id, attachment_id)
    response = FileResponse(
        found.file.open("rb"),
        content_type=found.content_type or "application/octet-stream",
        as_attachment=True,
        filename=found.filename,
    )
    # Always a download, never rendered in our origin; a sandbox in case a browser renders it anyway.
    response["Content-Security-Policy"] = "sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@portal_login_required
def survey_list(request):
    waiting, answered = services.invitations_for(request.contact)
    context = {
        "contact": request.contact,
        "waiting": [(i, surveys.links(i)["page"]) for i in waiting],
        "answered": answered,
    }
    return render(request, "portal/surveys.html", context)
