"""Pages for business calendars and their closures (in the SLA & rules section): thin over `calendars.services`."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from heartdesk.accounts import policy
from heartdesk.accounts.decorators import permission_required
from heartdesk.calendars import selectors, services
from heartdesk.calendars.forms import WEEKDAYS, CalendarForm, ClosureForm
from heartdesk.calendars.models import BusinessCalendar, CalendarClosure
from heartdesk.core.errors import DomainError
from heartdesk.core.forms import NameForm, add_domain_error


@permission_required(policy.SLA_MANAGE)
def calendars(request):
    form = NameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        weekdays = {str(d): [["09:00", "17:00"]] for d in range(5)}
        try:
            created = services.calendar_save(
                name=form.cleaned_data["name"], time_zone="UTC", windows=weekdays, actor=request.user
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Calendar added with Monday–Friday 09:00–17:00 UTC; adjust it below.")
            return redirect("calendars:calendar", pk=created.pk)
    rows = selectors.calendars_with_closures()
    return render(request, "calendars/calendars.html", {"calendars": rows, "form": form})


@permission_required(policy.SLA_MANAGE)
def calendar_page(request, pk: int):
    calendar = get_object_or_404(BusinessCalendar, pk=pk)
    form = CalendarForm(initial=CalendarForm.initial_for(calendar))
    closure_form = ClosureForm(prefix="closure")
    if request.method == "POST" and request.POST.get("kind") == "closure":
        closure_form = ClosureForm(request.POST, prefix="closure")
        if closure_form.is_valid():
            try:
                services.closure_add(calendar=calendar, actor=request.user, **closure_form.cleaned_data)
            except DomainError as exc:
                add_domain_error(closure_form, exc)
            else:
                messages.success(request, "Closure added.")
                return redirect("calendars:calendar", pk=pk)
    elif request.method == "POST":
        form = CalendarForm(request.POST)
        if form.is_valid():
            try:
                services.calendar_save(calendar=calendar, actor=request.user, **form.service_data())
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, "Calendar saved.")
                return redirect("calendars:calendar", pk=pk)
    return render(
        request,
        "calendars/calendar.html",
        {
            "calendar": calendar,
            "form": form,
            "weekday_fields": [form[day] for day in WEEKDAYS],
            "closure_form": closure_form,
            "closures": calendar.closures.all(),
        },
    )


@require_POST
@permission_required(policy.SLA_MANAGE)
def closure_remove(request, pk: int, closure_id: int):
    closure = get_object_or_404(CalendarClosure, pk=closure_id, calendar_id=pk)
    services.closure_remove(closure=closure, actor=request.user)
    messages.success(request, "Closure removed.")
    return redirect("calendars:calendar", pk=pk)


@require_POST
@permission_required(policy.SLA_MANAGE)
def calendar_delete(request, pk: int):
    try:
        services.calendar_delete(calendar=get_object_or_404(BusinessCalendar, pk=pk), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("calendars:calendar", pk=pk)
    messages.success(request, "Calendar deleted.")
    return redirect("calendars:list")
