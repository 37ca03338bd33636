"""Pages for SLA policies (the whole target matrix on one page) and escalation rules: thin over `sla.services`."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from heartdesk.accounts import policy
from heartdesk.accounts.decorators import permission_required
from heartdesk.core.errors import DomainError
from heartdesk.core.forms import NameForm, add_domain_error
from heartdesk.core.views import list_edit_page
from heartdesk.customers.models import Tier
from heartdesk.tickets.choices import Channel, Priority
from heartdesk.tickets.models import EscalationRule, SlaPolicy
from heartdesk.tickets.sla import services
from heartdesk.tickets.sla.forms import PolicyForm, RuleForm, organization_ids

MINUTE_FIELDS = services.TARGET_MINUTES
EXTRA_SCOPED_ROWS = 2


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
            return redirect("sla:policy", pk=created.pk)
    rows = SlaPolicy.objects.select_related("calendar").prefetch_related("targets")
    return render(request, "sla/policies.html", {"policies": rows, "form": form})


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
                org_id = organization_ids(row["organization"])[0]
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
                    return redirect("sla:policy", pk=pk)
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
        "sla/policy.html",
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
        return redirect("sla:policy", pk=pk)
    messages.success(request, "Policy deleted.")
    return redirect("sla:policies")


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
    return list_edit_page(
        request,
        model=EscalationRule,
        pk=pk,
        form_class=RuleForm,
        initial=_rule_initial,
        save=lambda obj, form: services.escalation_rule_save(rule=obj, actor=request.user, **form.service_data()),
        delete=lambda obj: services.escalation_rule_delete(rule=obj, actor=request.user),
        list_name="sla:rules",
        template="sla/rules.html",
        label="Escalation rule",
    )
