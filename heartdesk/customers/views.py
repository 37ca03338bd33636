"""Pages of the customer database: thin adapters that read through selectors and write through services."""

from django.contrib import messages
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from pydantic import ValidationError as SchemaError

from heartdesk.accounts import policy
from heartdesk.accounts.decorators import permission_required
from heartdesk.accounts.selectors import account_managers
from heartdesk.core.errors import DomainError
from heartdesk.core.forms import add_domain_error
from heartdesk.core.search import prefix_q
from heartdesk.core.text import search_key
from heartdesk.customers import exporting, importing, selectors, services
from heartdesk.customers.choices import CustomerStatus, ImportStatus
from heartdesk.customers.filters import CustomerFilters
from heartdesk.customers.forms import (
    ContactForm,
    EraseForm,
    ImportUploadForm,
    OrganizationForm,
    ReasonForm,
    SegmentForm,
    TierForm,
)
from heartdesk.customers.models import Contact, ContactImport, Organization, Segment, Tier

PAGE_SIZE = 50


def _filters(request) -> tuple[CustomerFilters, list[str]]:
    raw = {k: v for k, v in request.GET.items() if v not in ("", None) and k in CustomerFilters.model_fields}
    try:
        return CustomerFilters.model_validate(raw), []
    except SchemaError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return CustomerFilters(), problems


def _list(request, *, kind: str):
    filters, problems = _filters(request)
    cursor = request.GET.get("cursor") or None
    try:
        if kind == "contacts":
            page = selectors.contact_page(filters=filters, cursor=cursor, size=PAGE_SIZE)
        else:
            page = selectors.organization_page(filters=filters, cursor=cursor, size=PAGE_SIZE)
    except DomainError as exc:
        problems.append(exc.message)
        page = None
    context = {
        "kind": kind,
        "page": page,
        "filters": filters,
        "problems": problems,
        "segments": selectors.segment_list(),
        "tiers": selectors.tier_list(),
        "managers": account_managers(),
        "statuses": CustomerStatus.choices,
        "query": request.GET.urlencode(),
        "base_query": _without(request.GET, "cursor"),
        "can_edit": policy.can(request.user, policy.CUSTOMERS_EDIT),
        "can_export": policy.can(request.user, policy.CUSTOMERS_EXPORT),
    }
    template = (
        "customers/partials/results.html"
        if request.htmx and request.htmx.target == "results"
        else ("customers/list.html")
    )
    return render(request, template, context)


def _without(querydict, key: str) -> str:
    copy = querydict.copy()
    copy.pop(key, None)
    return copy.urlencode()


@permission_required(policy.CUSTOMERS_VIEW)
def contact_list(request):
    return _list(request, kind="contacts")


@permission_required(policy.CUSTOMERS_VIEW)
def organization_list(request):
    return _list(request, kind="organizations")


@permission_required(policy.CUSTOMERS_VIEW)
def organization_suggest(request):
    """Names for the organization field's suggestion list (htmx)."""
    key = search_key(request.GET.get("organization", "") or request.GET.get("q", ""))
    names = []
    if key:
        names = list(
            Organization.objects.filter(prefix_q("name_key", key), deleted_at__isnull=True)
            .order_by("name_key")
            .values_list("name", flat=True)[:10]
        )
    return render(request, "customers/partials/organization_options.html", {"names": names})


# --- Detail pages -------------------------------------------------------------------------------------------


@permission_required(policy.CUSTOMERS_VIEW)
def contact_detail(request, pk: int):
    try:
        contact = selectors.contact_detail(pk)
    except Contact.DoesNotExist:
        raise Http404("No such contact.")
    return render(
        request,
        "customers/contact_detail.html",
        {
            "contact": contact,
            "history": selectors.history_for(contact),
            "can_edit": policy.can(request.user, policy.CUSTOMERS_EDIT) and not contact.erased_at,
            "can_delete": policy.can(request.user, policy.CUSTOMERS_DELETE),
            "can_erase": policy.can(request.user, policy.CUSTOMERS_ERASE) and not contact.erased_at,
        },
    )


@permission_required(policy.CUSTOMERS_VIEW)
def organization_detail(request, pk: int):
    try:
        organization = selectors.organization_detail(pk)
    except Organization.DoesNotExist:
        raise Http404("No such organization.")
    contacts = selectors.contact_page(filters=CustomerFilters(organization=pk), size=20)
    return render(
        request,
        "customers/organization_detail.html",
        {
            "organization": organization,
            "contacts": contacts,
            "history": selectors.history_for(organization),
            "can_edit": policy.can(request.user, policy.CUSTOMERS_EDIT),
            "can_delete": policy.can(request.user, policy.CUSTOMERS_DELETE),
        },
    )


# --- Create and edit ----------------------------------------------------------------------------------------


def _save(request, *, form_class, instance, create, update, template, label):
    if request.method == "POST":
        form = form_class(request.POST)
        if form.is_valid():
            try:
                data = form.service_data()
                record = create(actor=request.user, **data) if instance is None else update(instance, data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, f"{label} saved.")
                return redirect(_url(record))
    else:
        form = form_class(initial=form_class.initial_for(instance) if instance else {})
    return render(request, template, {"form": form, "instance": instance, "label": label})


def _url(record) -> str:
    if isinstance(record, Contact):
        return reverse("customers:contact", args=[record.pk])
    return reverse("customers:organization", args=[record.pk])


@permission_required(policy.CUSTOMERS_EDIT)
def contact_create(request):
    return _save(
        request,
        form_class=ContactForm,
        instance=None,
        create=services.contact_create,
        update=None,
        template="customers/contact_form.html",
        label="Contact",
    )


@permission_required(policy.CUSTOMERS_EDIT)
def contact_edit(request, pk: int):
    contact = get_object_or_404(Contact, pk=pk, deleted_at__isnull=True)
    contact = selectors.contact_detail(contact.pk)
    return _save(
        request,
        form_class=ContactForm,
        instance=contact,
        create=None,
        update=lambda obj, data: services.contact_update(contact=obj, actor=request.user, **data),
        template="customers/contact_form.html",
        label="Contact",
    )


@permission_required(policy.CUSTOMERS_EDIT)
def organization_create(request):
    return _save(
        request,
        form_class=OrganizationForm,
        instance=None,
        create=services.organization_create,
        update=None,
        template="customers/organization_form.html",
        label="Organization",
    )


@permission_required(policy.CUSTOMERS_EDIT)
def organization_edit(request, pk: int):
    organization = get_object_or_404(Organization, pk=pk, deleted_at__isnull=True)
    organization = selectors.organization_detail(organization.pk)
    return _save(
        request,
        form_class=OrganizationForm,
        instance=organization,
        create=None,
        update=lambda obj, data: services.organization_update(organization=obj, actor=request.user, **data),
        template="customers/organization_form.html",
        label="Organization",
    )


# --- Remove, restore, erase ---------------------------------------------------------------------------------

_LIFECYCLE = {
    ("contact", "delete"): lambda obj, user, reason: services.contact_delete(contact=obj, actor=user, reason=reason),
    ("contact", "restore"): lambda obj, user, reason: services.contact_restore(contact=obj, actor=user),
    ("organization", "delete"): lambda obj, user, reason: services.organization_delete(
        organization=obj, actor=user, reason=reason
    ),
    ("organization", "restore"): lambda obj, user, reason: services.organization_restore(organization=obj, actor=user),
}


@require_POST
@permission_required(policy.CUSTOMERS_DELETE)
def lifecycle(request, kind: str, pk: int, action: str):
    model = Contact if kind == "contact" else Organization
    obj = get_object_or_404(model, pk=pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        _LIFECYCLE[(kind, action)](obj, request.user, reason)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{model._meta.verbose_name.capitalize()} {'removed' if action == 'delete' else 'restored'}.",
        )
    return redirect(_url(obj))


@permission_required(policy.CUSTOMERS_ERASE)
def contact_erase(request, pk: int):
    contact = get_object_or_404(Contact, pk=pk)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.contact_erase(contact=contact, actor=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, "The contact's personal data was erased.")
        return redirect(_url(contact))
    return render(request, "customers/contact_erase.html", {"contact": contact, "form": form})


# --- Export -------------------------------------------------------------------------------------------------


@permission_required(policy.CUSTOMERS_EXPORT)
def export(request, kind: str):
    filters, _ = _filters(request)
    rows = exporting.contact_rows(filters) if kind == "contacts" else exporting.organization_rows(filters)
    response = StreamingHttpResponse(exporting.stream_csv(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response


# --- Import wizard ------------------------------------------------------------------------------------------


@permission_required(policy.CUSTOMERS_IMPORT)
def import_start(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = importing.import_upload(actor=request.user, data=upload.read(), filename=upload.name)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect("customers:import_mapping", pk=job.pk)
    recent = ContactImport.objects.select_related("created_by").order_by("-created_at")[:10]
    return render(request, "customers/import_upload.html", {"form": form, "recent": recent})


@permission_required(policy.CUSTOMERS_IMPORT)
def import_mapping(request, pk: int):
    job = get_object_or_404(ContactImport, pk=pk)
    error = None
    if request.method == "POST":
        mapping = {name: request.POST.get(f"map_{name}", "") for name in importing.IMPORT_FIELDS}
        try:
            importing.import_start(job=job, actor=request.user, mapping=mapping, dry_run="dry_run" in request.POST)
        except DomainError as exc:
            error = exc.message
            job.mapping = {k: v for k, v in mapping.items() if v}
        else:
            return redirect("customers:import_progress", pk=job.pk)
    fields = [(name, label, job.mapping.get(name, "")) for name, label in importing.IMPORT_FIELDS.items()]
    return render(request, "customers/import_mapping.html", {"job": job, "fields": fields, "error": error})


@permission_required(policy.CUSTOMERS_IMPORT)
def import_progress(request, pk: int):
    job = get_object_or_404(ContactImport, pk=pk)
    template = "customers/partials/import_status.html" if request.htmx else "customers/import_progress.html"
    return render(request, template, {"job": job, "statuses": ImportStatus, "report": job.report[:200]})


# --- Segments and tiers -------------------------------------------------------------------------------------


@permission_required(policy.CUSTOMERS_VIEW)
def catalog(request):
    can_manage = policy.can(request.user, policy.CATALOG_MANAGE)
    segment_form, tier_form = SegmentForm(prefix="segment"), TierForm(prefix="tier")
    if request.method == "POST":
        policy.require(request.user, policy.CATALOG_MANAGE)
        kind = request.POST.get("kind")
        form = (
            SegmentForm(request.POST, prefix="segment") if kind == "segment" else TierForm(request.POST, prefix="tier")
        )
        if form.is_valid():
            try:
                if kind == "segment":
                    services.segment_save(actor=request.user, **form.cleaned_data)
                else:
                    services.tier_save(actor=request.user, **form.cleaned_data)
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, f"{kind.capitalize()} added.")
                return redirect("customers:settings")
        if kind == "segment":
            segment_form = form
        else:
            tier_form = form
    return render(
        request,
        "customers/catalog.html",
        {
            "segments": Segment.objects.all(),
            "tiers": Tier.objects.all(),
            "segment_form": segment_form,
            "tier_form": tier_form,
            "can_manage": can_manage,
        },
    )
