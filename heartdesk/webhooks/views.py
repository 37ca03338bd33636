"""Webhook pages: thin adapters that read through selectors and write through services."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from pydantic import ValidationError as SchemaError

from heartdesk.accounts import policy
from heartdesk.accounts.decorators import permission_required
from heartdesk.core.errors import DomainError
from heartdesk.core.forms import add_domain_error
from heartdesk.webhooks import selectors, services
from heartdesk.webhooks.choices import DeliveryState
from heartdesk.webhooks.filters import DeliveryFilters
from heartdesk.webhooks.forms import WebhookForm
from heartdesk.webhooks.models import Webhook, WebhookDelivery

PAGE_SIZE = 50


@permission_required(policy.WEBHOOKS_MANAGE)
def webhook_list(request):
    form = WebhookForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        try:
            webhook = services.webhook_create(actor=request.user, **form.service_data())
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Webhook added. Give its secret to the receiver so it can check signatures.")
            return redirect("webhooks:detail", pk=webhook.pk)
    return render(request, "webhooks/list.html", {"webhooks": selectors.webhook_list(), "form": form})


def _filters(request) -> tuple[DeliveryFilters, list[str]]:
    raw = {k: v for k, v in request.GET.items() if v not in ("", None) and k in DeliveryFilters.model_fields}
    try:
        return DeliveryFilters.model_validate(raw), []
    except SchemaError as exc:
        return DeliveryFilters(), [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]


@permission_required(policy.WEBHOOKS_MANAGE)
def webhook_detail(request, pk: int):
    try:
        webhook = selectors.webhook_detail(pk)
    except Webhook.DoesNotExist:
        raise Http404("No such webhook.")
    form = WebhookForm(initial=WebhookForm.initial_for(webhook))
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            try:
                services.webhook_update(webhook=webhook, actor=request.user, **form.service_data())
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, "Webhook saved.")
                return redirect("webhooks:detail", pk=pk)
    filters, problems = _filters(request)
    try:
        page = selectors.delivery_page(
            webhook_id=pk, filters=filters, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE
        )
    except DomainError as exc:
        problems.append(exc.message)
        page = None
    query = request.GET.copy()
    query.pop("cursor", None)
    context = {
        "webhook": webhook,
        "form": form,
        "page": page,
        "filters": filters,
        "problems": problems,
        "states": DeliveryState.choices,
        "base_query": query.urlencode(),
    }
    if request.htmx and request.htmx.target == "deliveries":
        return render(request, "webhooks/partials/deliveries.html", context)
    return render(request, "webhooks/detail.html", context)


def _act(request, action, success: str, pk: int):
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("webhooks:detail", pk=pk)


@require_POST
@permission_required(policy.WEBHOOKS_MANAGE)
def webhook_test(request, pk: int):
    webhook = get_object_or_404(Webhook, pk=pk)
    return _act(
        request,
        lambda: services.webhook_send_test(webhook=webhook, actor=request.user),
        "Test event queued; it appears in the log below.",
        pk,
    )


@require_POST
@permission_required(policy.WEBHOOKS_MANAGE)
def webhook_rotate_secret(request, pk: int):
    webhook = get_object_or_404(Webhook, pk=pk)
    return _act(
        request,
        lambda: services.webhook_rotate_secret(webhook=webhook, actor=request.user),
        "New secret made. Requests are signed with it from now on: update the receiver.",
        pk,
    )


@require_POST
@permission_required(policy.WEBHOOKS_MANAGE)
def webhook_delete(request, pk: int):
    webhook = get_object_or_404(Webhook, pk=pk)
    services.webhook_delete(webhook=webhook, actor=request.user)
    messages.success(request, f"Webhook “{webhook.name}” removed with its delivery log.")
    return redirect("webhooks:list")


@require_POST
@permission_required(policy.WEBHOOKS_MANAGE)
def delivery_redeliver(request, pk: int, delivery_id: int):
    delivery = get_object_or_404(WebhookDelivery, pk=delivery_id, webhook_id=pk)
    return _act(
        request,
        lambda: services.delivery_redeliver(delivery=delivery, actor=request.user),
        "Delivery queued to be sent again.",
        pk,
    )
