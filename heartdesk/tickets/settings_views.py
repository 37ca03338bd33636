"""Pages for SLA policies, calendars, escalation rules, canned responses and the mail log (thin over services).

Forms only parse what people type ("09:00-12:00, 13:00-17:30", organization names); every rule is checked by
`settings_services`, whose errors appear beside the field they name.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from heartdesk.accounts import policy
from heartdesk.accounts.models import Team
from heartdesk.core.decorators import permission_required
from heartdesk.core.errors import DomainError, Invalid
from heartdesk.core.forms import add_domain_error
from heartdesk.core.pagination import keyset_page
from heartdesk.core.text import search_key
from heartdesk.customers.models import Organization, Tier
from heartdesk.tickets import settings_services as services
from heartdesk.tickets.choices import Channel, EscalationTrigger, Level, Priority, Target
from heartdesk.tickets.models import (
    BusinessCalendar,
    CalendarClosure,
    CannedResponse,
    EscalationRule,
    InboundMail,
    SlaPolicy,
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MINUTE_FIELDS = services.TARGET_MINUTES
EXTRA_SCOPED_ROWS = 2


def parse_windows(text: str) -> list[list[str]]:
    """ "09:00-12:00, 13:00-17:30" -> [["09:00", "12:00"], ["13:00", "17:30"]]; raises ValueError saying why."""
    windows = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        start, sep, end = part.replace("\u2013", "-").partition("-")
        if not sep:
            raise ValueError(f'"{part}" is not a window; write it as 09:00-17:00.')
        times = []
        for value in (start.strip(), end.strip()):
            try:
                times.append(services.parse_time(value, field="windows"))
            except Invalid as exc:
                raise ValueError(exc.message)
        if times[1] != dt.time(0, 0) and times[1] <= times[0]:
            raise ValueError(f'"{part}" ends before it starts; split a night shift into two days.')
        windows.append([start.strip(), end.strip()])
    return windows


def _windows_text(spans) -> str:
    return ", ".join(f"{a}-{b}" for a, b in spans)


def _organizations(text: str) -> list[int]:
    """Ids or exact names, separated by commas; raises ValidationError naming the unknown ones."""
    ids, unknown = [], []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        if token.isdigit():
            org = Organization.objects.filter(pk=int(token)).first()
        else:
            org = (
                Organization.objects.filter(name_key=search_key(token), deleted_at__isnull=True).order_by("id").first()
            )
        if org is None:
            unknown.append(token)
        else:
            ids.append(org.pk)
    if unknown:
        raise forms.ValidationError(f"No organization matches {', '.join(repr(u) for u in unknown)}.")
    return ids


def _nav(request) -> dict:
    return {
        "can_mail_log": policy.can(request.user, policy.MAIL_LOG_VIEW),
        "can_manage": policy.can(request.user, policy.SLA_MANAGE),
    }


# --- Forms ----------------------------------------------------------------------------------------------------


class NameForm(forms.Form):
    name = forms.CharField(max_length=100)


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(max_length=500, required=False)
    calendar = forms.ModelChoiceField(BusinessCalendar.objects.all(), required=False, empty_label="24/7 (no calendar)")
    is_default = forms.BooleanField(required=False, label="Default policy")
    active = forms.BooleanField(required=False)
    position = forms.IntegerField(min_value=0, max_value=100000)
    organizations = forms.CharField(
        max_length=2000, required=False, help_text="Organization names or ids, separated by commas."
    )
    tiers = forms.ModelMultipleChoiceField(Tier.objects.all(), required=False, widget=forms.CheckboxSelectMultiple)
    channels = forms.MultipleChoiceField(choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple)
    pause_when_pending = forms.BooleanField(required=False, label="Pause while pending on the customer")
    pause_when_on_hold = forms.BooleanField(required=False, label="Pause while on hold")
    at_risk_share = forms.FloatField(help_text="Share of a target elapsed that makes it at risk, e.g. 0.75.")

    def clean_organizations(self):
        return _organizations(self.cleaned_data.get("organizations", ""))


class CalendarForm(forms.Form):
    name = forms.CharField(max_length=100)
    time_zone = forms.CharField(max_length=64, help_text="IANA name, e.g. Europe/Berlin")
    holiday_country = forms.CharField(max_length=8, required=False, help_text="ISO code, e.g. DE, US, GB")
    holiday_subdivision = forms.CharField(max_length=16, required=False, help_text="e.g. BY or CA")
    always_open = forms.BooleanField(required=False, label="Always open (24/7)")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day in WEEKDAYS:
            self.fields[day] = forms.CharField(
                max_length=200, required=False, help_text="e.g. 09:00-12:00, 13:00-17:30" if day == "monday" else ""
            )

    def clean(self):
        data = super().clean()
        windows = {}
        for index, day in enumerate(WEEKDAYS):
            try:
                spans = parse_windows(data.get(day) or "")
            except ValueError as exc:
                self.add_error(day, str(exc))
                continue
            if spans:
                windows[str(index)] = spans
        data["windows"] = windows
        return data

    def service_data(self) -> dict:
        keys = ("name", "time_zone", "holiday_country", "holiday_subdivision", "always_open", "windows")
        return {k: self.cleaned_data[k] for k in keys}

    @staticmethod
    def initial_for(cal: BusinessCalendar) -> dict:
        initial = {
            "name": cal.name,
            "time_zone": cal.time_zone,
            "holiday_country": cal.holiday_country,
            "holiday_subdivision": cal.holiday_subdivision,
            "always_open": cal.always_open,
        }
        for index, day in enumerate(WEEKDAYS):
            initial[day] = _windows_text(cal.windows.get(str(index), []))
        return initial


class ClosureForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    starts = forms.CharField(max_length=8, required=False, help_text="Leave both times blank for the whole day.")
    ends = forms.CharField(max_length=8, required=False, help_text='"24:00" means until midnight.')
    name = forms.CharField(max_length=100, required=False)

    def _time(self, field):
        value = self.cleaned_data.get(field, "").strip()
        if not value:
            return None
        try:
            return services.parse_time(value, field=field)
        except Invalid as exc:
            raise forms.ValidationError(exc.message)

    def clean_starts(self):
        return self._time("starts")

    def clean_ends(self):
        return self._time("ends")


class RuleForm(forms.Form):
    name = forms.CharField(max_length=100)
    active = forms.BooleanField(required=False, initial=True)
    trigger = forms.ChoiceField(choices=EscalationTrigger.choices)
    target = forms.ChoiceField(choices=[("", "Any target"), *Target.choices], required=False)
    priorities = forms.MultipleChoiceField(
        choices=Priority.choices, required=False, widget=forms.CheckboxSelectMultiple, help_text="None: any."
    )
    raise_to = forms.ChoiceField(choices=[("", "One level up"), *Level.choices], required=False)
    assign_team = forms.ModelChoiceField(Team.objects.all(), required=False)
    notify_manager = forms.BooleanField(required=False, initial=True)
    position = forms.IntegerField(min_value=0, max_value=100000, initial=100)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        team = data.pop("assign_team")
        data["assign_team_id"] = team.pk if team else None
        return data


class CannedForm(forms.Form):
    title = forms.CharField(max_length=150)
    body = forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 12}))
    position = forms.IntegerField(min_value=0, max_value=100000, initial=100)


# --- Policies -------------------------------------------------------------------------------------------------


@permission_required(policy.SLA_MANAGE)
def policies(request):
    form = NameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.policy_save(name=form.cleaned_data["name"], targets=[], actor=request.user)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "Policy added; now set its targets.")
            return redirect("tickets_settings:policy", pk=created.pk)
    rows = SlaPolicy.objects.select_related("calendar").prefetch_related("targets")
    return render(request, "tickets/settings/policies.html", {"policies": rows, "form": form, **_nav(request)})


def _grid(request_post, existing) -> tuple[list[dict], list[dict], dict[str, str]]:
    """The matrix as the page shows it, from POST data or the saved rows; returns (any rows, scoped rows, errors)."""
    errors: dict[str, str] = {}
    any_rows, scoped = [], []
    if request_post is None:
        by_priority = {t.priority: t for t in existing if not (t.organization_id or t.tier_id or t.channel)}
        for value, label in Priority.choices:
            t = by_priority.get(value)
            any_rows.append(
                {
                    "priority": value,
                    "label": label,
                    **{f: (getattr(t, f) if t else None) for f in MINUTE_FIELDS},
                    "around_the_clock": bool(t and t.around_the_clock),
                }
            )
        for t in existing:
            if t.organization_id or t.tier_id or t.channel:
                scoped.append(
                    {
                        "priority": t.priority,
                        "scope": f"org:{t.organization_id}"
                        if t.organization_id
                        else (f"tier:{t.tier_id}" if t.tier_id else ""),
                        "organization": str(t.organization_id or ""),
                        "tier": str(t.tier_id or ""),
                        "channel": t.channel,
                        **{f: getattr(t, f) for f in MINUTE_FIELDS},
                        "around_the_clock": t.around_the_clock,
                    }
                )
        return any_rows, scoped, errors

    def minutes(prefix, field):
        raw = request_post.get(f"{prefix}-{field}", "").strip()
        if not raw:
            return None
        if not raw.isdigit():
            errors[f"{prefix}-{field}"] = "Whole minutes, or blank for no target."
            return raw
        return int(raw)

    for value, label in Priority.choices:
        prefix = f"any-{value}"
        any_rows.append(
            {
                "priority": value,
                "label": label,
                **{f: minutes(prefix, f) for f in MINUTE_FIELDS},
                "around_the_clock": f"{prefix}-around_the_clock" in request_post,
            }
        )
    count = int(request_post.get("scoped-count", "0") or 0)
    for i in range(min(count, 200)):
        prefix = f"scoped-{i}"
        if f"{prefix}-remove" in request_post:
            continue
        row = {
            "priority": request_post.get(f"{prefix}-priority", ""),
            "organization": request_post.get(f"{prefix}-organization", "").strip(),
            "tier": request_post.get(f"{prefix}-tier", ""),
            "channel": request_post.get(f"{prefix}-channel", ""),
            **{f: minutes(prefix, f) for f in MINUTE_FIELDS},
            "around_the_clock": f"{prefix}-around_the_clock" in request_post,
        }
        if not (row["organization"] or row["tier"] or row["channel"]) and all(row[f] is None for f in MINUTE_FIELDS):
            continue  # an untouched blank row
        scoped.append(row)
    return any_rows, scoped, errors


def _target_rows(any_rows, scoped, errors) -> list[dict]:
    rows = []
    for row in any_rows:
        if all(row[f] is None for f in MINUTE_FIELDS):
            continue
        rows.append(
            {
                "priority": row["priority"],
                **{f: row[f] for f in MINUTE_FIELDS},
                "around_the_clock": row["around_the_clock"],
            }
        )
    for i, row in enumerate(scoped):
        org_id = None
        if row["organization"]:
            try:
                org_id = _organizations(row["organization"])[0]
            except forms.ValidationError as exc:
                errors[f"scoped-{i}-organization"] = exc.messages[0]
        rows.append(
            {
                "priority": row["priority"],
                "organization_id": org_id,
                "tier_id": int(row["tier"]) if str(row["tier"]).isdigit() else None,
                "channel": row["channel"],
                **{f: row[f] for f in MINUTE_FIELDS},
                "around_the_clock": row["around_the_clock"],
            }
        )
    return rows


@permission_required(policy.SLA_MANAGE)
def policy_page(request, pk: int):
    sla_policy = get_object_or_404(SlaPolicy.objects.prefetch_related("organizations", "tiers", "targets"), pk=pk)
    existing = list(sla_policy.targets.all())
    if request.method == "POST":
        form = PolicyForm(request.POST)
        any_rows, scoped, grid_errors = _grid(request.POST, existing)
        if form.is_valid() and not grid_errors:
            rows = _target_rows(any_rows, scoped, grid_errors)
            if not grid_errors:
                data = form.cleaned_data
                try:
                    services.policy_save(
                        sla_policy=sla_policy,
                        name=data["name"],
                        description=data["description"],
                        calendar_id=data["calendar"].pk if data["calendar"] else None,
                        is_default=data["is_default"],
                        position=data["position"],
                        active=data["active"],
                        organization_ids=data["organizations"],
                        tier_ids=[t.pk for t in data["tiers"]],
                        channels=data["channels"],
                        pause_when_pending=data["pause_when_pending"],
                        pause_when_on_hold=data["pause_when_on_hold"],
                        at_risk_share=data["at_risk_share"],
                        targets=rows,
                        actor=request.user,
                    )
                except DomainError as exc:
                    _matrix_error(exc, form, grid_errors, any_rows, scoped)
                else:
                    messages.success(request, "Policy saved.")
                    return redirect("tickets_settings:policy", pk=pk)
    else:
        form = PolicyForm(
            initial={
                "name": sla_policy.name,
                "description": sla_policy.description,
                "calendar": sla_policy.calendar_id,
                "is_default": sla_policy.is_default,
                "active": sla_policy.active,
                "position": sla_policy.position,
                "organizations": ", ".join(o.name for o in sla_policy.organizations.all()),
                "tiers": [t.pk for t in sla_policy.tiers.all()],
                "channels": sla_policy.channels,
                "pause_when_pending": sla_policy.pause_when_pending,
                "pause_when_on_hold": sla_policy.pause_when_on_hold,
                "at_risk_share": sla_policy.at_risk_share,
            }
        )
        any_rows, scoped, grid_errors = _grid(None, existing)
    blank = {"priority": "p3", "organization": "", "tier": "", "channel": "", "around_the_clock": False}
    scoped_rows = scoped + [dict(blank) for _ in range(EXTRA_SCOPED_ROWS)]
    for prefix_of, rows in ((lambda i, r: f"any-{r['priority']}", any_rows), (lambda i, r: f"scoped-{i}", scoped_rows)):
        for i, row in enumerate(rows):
            prefix = prefix_of(i, row)
            row["prefix"] = prefix
            row["cells"] = [
                {"name": f"{prefix}-{f}", "value": row.get(f), "error": grid_errors.get(f"{prefix}-{f}")}
                for f in MINUTE_FIELDS
            ]
            row["errors"] = [
                grid_errors[k] for k in grid_errors if k.startswith(f"{prefix}-") and not k.endswith("_minutes")
            ]
    return render(
        request,
        "tickets/settings/policy.html",
        {
            "sla_policy": sla_policy,
            "form": form,
            "any_rows": any_rows,
            "scoped_rows": scoped_rows,
            "grid_errors": grid_errors,
            "priorities": Priority.choices,
            "channels": Channel.choices,
            "tiers": Tier.objects.all(),
            "minute_fields": MINUTE_FIELDS,
            **_nav(request),
        },
    )


def _matrix_error(exc: DomainError, form, grid_errors, any_rows, scoped) -> None:
    """Map `targets.N.field` back onto the grid cell it came from; other fields go beside the form field."""
    any_count = sum(1 for row in any_rows if any(row[f] is not None for f in MINUTE_FIELDS))
    leftovers = {}
    for field, msgs in exc.errors.items():
        parts = field.split(".")
        if parts[0] == "targets" and len(parts) >= 2 and parts[1].isdigit():
            index = int(parts[1])
            name = parts[2] if len(parts) > 2 else "priority"
            name = {"organization_id": "organization", "tier_id": "tier"}.get(name, name)
            if index < any_count:
                filled = [r for r in any_rows if any(r[f] is not None for f in MINUTE_FIELDS)]
                grid_errors[f"any-{filled[index]['priority']}-{name}"] = " ".join(msgs)
            else:
                grid_errors[f"scoped-{index - any_count}-{name}"] = " ".join(msgs)
        else:
            leftovers[
                {"calendar_id": "calendar", "organization_ids": "organizations", "tier_ids": "tiers"}.get(field, field)
            ] = msgs
    if leftovers:
        add_domain_error(form, DomainError(exc.message, errors=leftovers))
    if grid_errors:
        form.add_error(None, "Some targets need fixing; see the marked cells.")


@require_POST
@permission_required(policy.SLA_MANAGE)
def policy_delete(request, pk: int):
    sla_policy = get_object_or_404(SlaPolicy, pk=pk)
    try:
        services.policy_delete(sla_policy=sla_policy, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("tickets_settings:policy", pk=pk)
    messages.success(request, "Policy deleted.")
    return redirect("tickets_settings:policies")


# --- Calendars ------------------------------------------------------------------------------------------------


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
            return redirect("tickets_settings:calendar", pk=created.pk)
    rows = BusinessCalendar.objects.prefetch_related("closures")
    return render(request, "tickets/settings/calendars.html", {"calendars": rows, "form": form, **_nav(request)})


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
                return redirect("tickets_settings:calendar", pk=pk)
    elif request.method == "POST":
        form = CalendarForm(request.POST)
        if form.is_valid():
            try:
                services.calendar_save(calendar=calendar, actor=request.user, **form.service_data())
            except DomainError as exc:
                add_domain_error(form, exc)
            else:
                messages.success(request, "Calendar saved.")
                return redirect("tickets_settings:calendar", pk=pk)
    return render(
        request,
        "tickets/settings/calendar.html",
        {
            "calendar": calendar,
            "form": form,
            "weekday_fields": [form[day] for day in WEEKDAYS],
            "closure_form": closure_form,
            "closures": calendar.closures.all(),
            **_nav(request),
        },
    )


@require_POST
@permission_required(policy.SLA_MANAGE)
def closure_remove(request, pk: int, closure_id: int):
    closure = get_object_or_404(CalendarClosure, pk=closure_id, calendar_id=pk)
    services.closure_remove(closure=closure, actor=request.user)
    messages.success(request, "Closure removed.")
    return redirect("tickets_settings:calendar", pk=pk)


@require_POST
@permission_required(policy.SLA_MANAGE)
def calendar_delete(request, pk: int):
    try:
        services.calendar_delete(calendar=get_object_or_404(BusinessCalendar, pk=pk), actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("tickets_settings:calendar", pk=pk)
    messages.success(request, "Calendar deleted.")
    return redirect("tickets_settings:calendars")


# --- Escalation rules and canned responses ---------------------------------------------------------------------


def _simple_edit(request, *, model, pk, form_class, initial, save, delete, list_name, template, label):
    obj = get_object_or_404(model, pk=pk) if pk else None
    if request.method == "POST" and "delete" in request.POST and obj:
        delete(obj)
        messages.success(request, f"{label} deleted.")
        return redirect(list_name)
    form = form_class(request.POST or None, initial=initial(obj) if obj else None)
    if request.method == "POST" and form.is_valid():
        try:
            save(obj, form)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"{label} saved.")
            return redirect(list_name)
    rows = model.objects.all()
    return render(request, template, {"form": form, "obj": obj, "rows": rows, **_nav(request)})


def _rule_initial(rule):
    return {
        "name": rule.name,
        "active": rule.active,
        "trigger": rule.trigger,
        "target": rule.target,
        "priorities": rule.priorities,
        "raise_to": rule.raise_to,
        "assign_team": rule.assign_team_id,
        "notify_manager": rule.notify_manager,
        "position": rule.position,
    }


@permission_required(policy.SLA_MANAGE)
def rules(request, pk: int | None = None):
    return _simple_edit(
        request,
        model=EscalationRule,
        pk=pk,
        form_class=RuleForm,
        initial=_rule_initial,
        save=lambda obj, form: services.escalation_rule_save(rule=obj, actor=request.user, **form.service_data()),
        delete=lambda obj: services.escalation_rule_delete(rule=obj, actor=request.user),
        list_name="tickets_settings:rules",
        template="tickets/settings/rules.html",
        label="Escalation rule",
    )


@permission_required(policy.SLA_MANAGE)
def canned(request, pk: int | None = None):
    return _simple_edit(
        request,
        model=CannedResponse,
        pk=pk,
        form_class=CannedForm,
        initial=lambda obj: {"title": obj.title, "body": obj.body, "position": obj.position},
        save=lambda obj, form: services.canned_response_save(response=obj, actor=request.user, **form.cleaned_data),
        delete=lambda obj: services.canned_response_delete(response=obj, actor=request.user),
        list_name="tickets_settings:canned",
        template="tickets/settings/canned.html",
        label="Canned response",
    )


# --- Mail log ---------------------------------------------------------------------------------------------------


@permission_required(policy.MAIL_LOG_VIEW)
def mail_log(request):
    rows = InboundMail.objects.defer("raw").select_related("ticket")
    order = ("received_at", "id")
    try:
        page = keyset_page(rows, order=order, cursor=request.GET.get("cursor") or None, size=50, descending=True)
    except Invalid:  # a stale or hand-edited cursor: start again from the newest
        page = keyset_page(rows, order=order, cursor=None, size=50, descending=True)
    return render(request, "tickets/settings/mail_log.html", {"page": page, **_nav(request)})
