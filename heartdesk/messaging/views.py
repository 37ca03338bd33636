"""Pages: one's notifications (with the top bar's badge) and the outbox of every email we owe or sent."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from heartdesk.accounts import policy
from heartdesk.accounts.decorators import permission_required
from heartdesk.core.errors import DomainError, Invalid
from heartdesk.messaging import selectors, services
from heartdesk.messaging.choices import OutboundState
from heartdesk.messaging.models import OutboundEmail

# --- Notifications --------------------------------------------------------------------------------------------


@permission_required(policy.NOTIFICATIONS_VIEW)
def notifications(request):
    return render(request, "messaging/notifications.html", {"notifications": selectors.notifications_for(request.user)})


@permission_required(policy.NOTIFICATIONS_VIEW)
def notifications_badge(request):
    """The top bar's unread count (htmx, polled), so no other page pays for it."""
    return render(
        request, "messaging/partials/notification_badge.html", {"count": selectors.unread_count(request.user)}
    )


@require_POST
@permission_required(policy.NOTIFICATIONS_VIEW)
def notification_read(request, pk: int):
    notification = selectors.notification_of(request.user, pk)
    if notification is None:
        raise Http404("No such notification.")
    services.notification_mark_read(actor=request.user, notification_id=notification.pk)
    if request.POST.get("open") and url_has_allowed_host_and_scheme(notification.url, allowed_hosts=None):
        return redirect(notification.url)
    return redirect("messaging:notifications")


@require_POST
@permission_required(policy.NOTIFICATIONS_VIEW)
def notifications_read_all(request):
    count = services.notification_mark_read(actor=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return redirect("messaging:notifications")


# --- Outbox ---------------------------------------------------------------------------------------------------


@permission_required(policy.MAIL_LOG_VIEW)
def outbox(request):
    state = request.GET.get("state", "")
    if state not in OutboundState.values:
        state = ""
    try:
        page = selectors.outbox_page(state=state, cursor=request.GET.get("cursor") or None)
    except Invalid:  # a stale or hand-edited cursor: start again from the newest
        page = selectors.outbox_page(state=state)
    return render(request, "messaging/outbox.html", {"page": page, "state": state, "states": OutboundState.choices})


@permission_required(policy.MAIL_LOG_VIEW)
def outbox_email(request, pk: int):
    email = get_object_or_404(OutboundEmail, pk=pk)
    if request.method == "POST":
        try:
            services.outbound_email_retry(email_id=email.pk, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Queued to be sent again.")
        return redirect("messaging:outbox_email", pk=pk)
    return render(request, "messaging/outbox_email.html", {"email": email})
