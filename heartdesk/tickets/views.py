"""The agent workspace: queues, the ticket page, logging a call, notifications. Thin adapters: reads through
selectors, writes through services; a service's error is shown beside the field it names (never a 500)."""

from django.contrib import messages
from django.db import transaction
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from pydantic import ValidationError as SchemaError

from heartdesk.accounts import policy
from heartdesk.accounts.decorators import permission_required
from heartdesk.core.errors import DomainError
from heartdesk.core.forms import add_domain_error
from heartdesk.customers import services as customers
from heartdesk.tickets import escalation, rca, selectors, services, workspace
from heartdesk.tickets.choices import (
    Channel,
    ClockState,
    EventKind,
    Level,
    MessageKind,
    Priority,
    Status,
    Target,
)
from heartdesk.tickets.events import describe
from heartdesk.tickets.filters import QUEUE_LABELS, REFERENCE, Queue, TicketFilters
from heartdesk.tickets.forms import (
    LevelForm,
    LinkForm,
    MessageForm,
    NewTicketForm,
    Options,
    PropertiesForm,
    RcaForm,
    SavedFilterForm,
)
from heartdesk.tickets.models import SavedFilter, Ticket, TicketLink

PAGE_SIZE = 50
SIDE_QUEUES = (Queue.MINE, Queue.TEAM, Queue.UNASSIGNED, Queue.AT_RISK, Queue.BREACHED, Queue.OPEN, Queue.ALL)


def _show_errors(form, exc: DomainError, fields: dict[str, str] | None = None) -> None:
    """Services name nested fields (`attachments.0`, `actions.1.owner`); point them at this form's fields."""
    fields = fields or {}
    errors: dict[str, list[str]] = {}
    for name, problems in (exc.errors or {}).items():
        target = fields.get(name) or (name if name in form.fields else name.split(".")[0])
        errors.setdefault(target, []).extend(problems)
    add_domain_error(form, DomainError(exc.message, errors=errors))


# --- Queues ---------------------------------------------------------------------------------------------------


def _filters(params) -> tuple[TicketFilters, list[str]]:
    raw = {k: v for k, v in params.items() if v not in ("", None) and k in TicketFilters.model_fields}
    try:
        return TicketFilters.model_validate(raw), []
    except SchemaError as exc:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return TicketFilters(), problems


def _without(querydict, *keys: str) -> str:
    copy = querydict.copy()
    for key in keys:
        copy.pop(key, None)
    return copy.urlencode()


@permission_required(policy.TICKETS_VIEW)
def queue(request):
    return _queue_page(request, request.GET)


_PRIORITY = dict(Priority.choices)
_STATUS = dict(Status.choices)
_LEVEL = dict(Level.choices)


def _present_rows(tickets) -> None:
    """What a queue row shows, worked out once per page: labels as plain strings, the URL from one reverse, the due
    time formatted once (the page's script turns it into a live countdown)."""
    base = reverse("tickets:ticket", args=[0])[: -len("0/")]
    for t in tickets:
        t.url = f"{base}{t.pk}/"
        t.priority_label = str(_PRIORITY[t.priority])
        t.status_label = str(_STATUS[t.status])
        t.level_label = str(_LEVEL[t.level])
        due = t.next_due_at
        t.due_iso = due.isoformat() if due else ""
        t.due_text = timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else ""


def _count_label(count: int | None) -> str | None:
    if count is None:
        return None
    return f"{selectors.QUEUE_COUNT_CAP - 1}+" if count >= selectors.QUEUE_COUNT_CAP else str(count)


def _queue_page(request, params: QueryDict, save_form=None):
    filters, problems = _filters(params)
    cursor = params.get("cursor") or None
    try:
        page = selectors.ticket_page(
            filters=filters, user=request.user, cursor=cursor, size=PAGE_SIZE, rows=selectors.queue_rows()
        )
    except DomainError as exc:
        problems.append(exc.message)
        page = None
    base_query = _without(params, "cursor")
    if page is not None:
        _present_rows(page.items)
    context = {
        "page": page,
        "filters": filters,
        "problems": problems,
        "base_query": base_query,
        "queue_name": QUEUE_LABELS[filters.queue],
        "can_work": policy.can(request.user, policy.TICKETS_WORK),
    }
    if request.htmx and request.htmx.target == "results":
        return render(request, "tickets/partials/queue_results.html", context)
    counts = selectors.queue_counts(request.user)
    context.update(
        queues=[(q.value, QUEUE_LABELS[q], _count_label(counts.get(q.value))) for q in SIDE_QUEUES],
        saved_filters=workspace.saved_filters_for(request.user),
        save_form=save_form or SavedFilterForm(initial={"query": base_query}),
        users=workspace.assignable_users(),
        teams=list(workspace.teams()),
        statuses=Status.choices,
        priorities=Priority.choices,
        levels=Level.choices,
        channels=Channel.choices,
    )
    return render(request, "tickets/queue.html", context)


@require_POST
@permission_required(policy.TICKETS_WORK)
def saved_filter_create(request):
    form = SavedFilterForm(request.POST)
    if form.is_valid():
        try:
            saved = workspace.saved_filter_create(
                name=form.cleaned_data["name"], query=form.cleaned_data["query"], actor=request.user
            )
        except DomainError as exc:
            _show_errors(form, exc, {"query": "filter"})
        else:
            messages.success(request, f"Filter “{saved.name}” saved.")
            return redirect(f"{reverse('tickets:queue')}?{saved.query}")
    return _queue_page(request, QueryDict(form.data.get("query", "")), save_form=form)


@require_POST
@permission_required(policy.TICKETS_WORK)
def saved_filter_delete(request, pk: int):
    saved = get_object_or_404(SavedFilter, pk=pk, user=request.user)
    workspace.saved_filter_delete(saved_filter=saved, actor=request.user)
    messages.success(request, f"Filter “{saved.name}” removed.")
    return redirect("tickets:queue")


# --- The ticket page ------------------------------------------------------------------------------------------


def _stream(ticket_messages, timeline) -> list[dict]:
    """Messages and timeline events in one chronological list (message events are the messages themselves)."""
    items = [
        {"is_message": True, "at": m.created_at, "order": (m.created_at, 1, m.pk), "message": m}
        for m in ticket_messages
    ]
    items += [
        {
            "is_message": False,
            "at": e.created_at,
            "order": (e.created_at, 0, e.pk),
            "event": e,
            "text": describe(e),
        }
        for e in timeline
        if e.kind != EventKind.MESSAGE
    ]
    return sorted(items, key=lambda item: item["order"])


def _clock_view(clock) -> dict:
    state = clock.state
    running = state == ClockState.RUNNING or (state == ClockState.BREACHED and clock.stopped_at is None)
    return {"clock": clock, "running": running, "label": clock.get_target_display(), "state": state}


def _ticket_page(request, pk: int, *, status: int = 200, **forms):
    try:
        ticket = selectors.ticket_detail(pk, people=False)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.")
    users = Options.of_users(workspace.assignable_users())  # escaped once for the assignee and RCA owner selects
    teams = Options.of_teams(workspace.teams())
    show_rca = ticket.rca_required or ticket.priority in (Priority.P1, Priority.P2)
    rca = workspace.rca_for(ticket) if show_rca else None
    clocks = [_clock_view(c) for c in selectors.clocks(ticket, events=False) if c.state != ClockState.CANCELLED]
    links = selectors.links(ticket)
    context = {
        "ticket": ticket,
        "stream": _stream(selectors.messages(ticket), selectors.timeline(ticket)),
        "clocks": [c for c in clocks if c["clock"].target != Target.PROMISE],
        "promises": [c for c in clocks if c["clock"].target == Target.PROMISE],
        "links": [
            {
                "link": link,
                "other": link.target if link.source_id == ticket.pk else link.source,
                "label": link.get_kind_display()
                if link.source_id == ticket.pk
                else f"{link.get_kind_display()} (from)",
            }
            for link in links
        ],
        "escalations": selectors.escalations(ticket),
        "recent": selectors.recent_for_requester(ticket),
        "canned": workspace.canned_responses(),
        "show_rca": show_rca,
        "rca": rca,
        "can_work": policy.can(request.user, policy.TICKETS_WORK),
        "message_form": forms.get("message_form") or MessageForm(),
        "properties_form": forms.get("properties_form")
        or PropertiesForm(initial=PropertiesForm.initial_for(ticket), users=users, teams=teams),
        "level_form": forms.get("level_form") or LevelForm(),
        "link_form": forms.get("link_form") or LinkForm(),
        # Only shown with its section (P1, P2, or an RCA required), so only built then.
        "rca_form": (forms.get("rca_form") or RcaForm(initial=RcaForm.initial_for(rca), users=users))
        if show_rca
        else None,
        "levels": Level.choices,
    }
    return render(request, "tickets/ticket.html", context, status=status)


@permission_required(policy.TICKETS_VIEW)
def ticket_detail(request, pk: int):
    return _ticket_page(request, pk)


def _ticket_or_404(pk: int) -> Ticket:
    return get_object_or_404(Ticket, pk=pk)


def _back(ticket: Ticket, anchor: str = ""):
    return redirect(reverse("tickets:ticket", args=[ticket.pk]) + (f"#{anchor}" if anchor else ""))


@require_POST
@permission_required(policy.TICKETS_WORK)
def ticket_message(request, pk: int):
    ticket = _ticket_or_404(pk)
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        files = [
            services.NewAttachment(filename=f.name, content=f.read(), content_type=f.content_type or "")
            for f in data["attachments"]
        ]
        try:
            if data["kind"] == MessageKind.NOTE:
                services.ticket_note(ticket=ticket, body=data["body"], actor=request.user, attachments=files)
            else:
                services.ticket_reply(
                    ticket=ticket,
                    body=data["body"],
                    actor=request.user,
                    status=data["status"] or None,
                    promise_at=data["promise_at"],
                    attachments=files,
                )
        except DomainError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, "Note added." if data["kind"] == MessageKind.NOTE else "Reply sent.")
            return _back(ticket, "conversation")
    return _ticket_page(request, pk, message_form=form)


@require_POST
@permission_required(policy.TICKETS_WORK)
def ticket_properties(request, pk: int):
    try:
        ticket = selectors.ticket_detail(pk)
    except Ticket.DoesNotExist:
        raise Http404("No such ticket.")
    users = {str(u.pk): u for u in workspace.assignable_users()}
    teams = {str(t.pk): t for t in workspace.teams()}
    form = PropertiesForm(request.POST, users=users.values(), teams=teams.values())
    if form.is_valid():
        data = form.cleaned_data
        wanted = {
            "status": data["status"],
            "priority": data["priority"],
            "type": data["type"],
            "assignee": users.get(data["assignee"]),
            "team": teams.get(data["team"]),
            "category": data["category"],
            "tags": [t.strip() for t in data["tags"].split(",") if t.strip()],
        }
        current = {
            "status": ticket.status,
            "priority": ticket.priority,
            "type": ticket.type,
            "assignee": ticket.assignee,
            "team": ticket.team,
            "category": ticket.category,
            "tags": sorted(t.name for t in ticket.tags.all()),
        }
        changes = {k: v for k, v in wanted.items() if (sorted(v) if k == "tags" else v) != current[k]}
        try:
            if changes:
                services.ticket_update(ticket=ticket, actor=request.user, **changes)
        except DomainError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, "Ticket updated." if changes else "Nothing changed.")
            return _back(ticket)
    return _ticket_page(request, pk, properties_form=form)


@require_POST
@permission_required(policy.TICKETS_WORK)
def ticket_level(request, pk: int):
    ticket = _ticket_or_404(pk)
    form = LevelForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        change = escalation.ticket_escalate if data["direction"] == "up" else escalation.ticket_deescalate
        try:
            ticket = change(ticket=ticket, to_level=data["to_level"] or None, reason=data["reason"], actor=request.user)
        except DomainError as exc:
            _show_errors(form, exc)
        else:
            messages.success(request, f"{ticket.reference} is now at {ticket.get_level_display()}.")
            return _back(ticket)
    return _ticket_page(request, pk, level_form=form)


@require_POST
@permission_required(policy.TICKETS_WORK)
def ticket_link(request, pk: int):
    ticket = _ticket_or_404(pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        match = REFERENCE.match(form.cleaned_data["reference"])
        target = Ticket.objects.filter(pk=int(match.group(1))).first() if match else None
        if target is None:
            form.add_error("reference", f"No ticket {form.cleaned_data['reference']!r}.")
        else:
            try:
                services.ticket_link(ticket=ticket, target=target, kind=form.cleaned_data["kind"], actor=request.user)
            except DomainError as exc:
                _show_errors(form, exc, {"target": "reference"})
            else:
                messages.success(request, f"Linked to {target.reference}.")
                return _back(ticket, "links")
    return _ticket_page(request, pk, link_form=form)


@require_POST
@permission_required(policy.TICKETS_WORK)
def ticket_unlink(request, pk: int, link_pk: int):
    ticket = _ticket_or_404(pk)
    link = get_object_or_404(TicketLink.objects.select_related("source", "target"), pk=link_pk)
    if ticket.pk not in (link.source_id, link.target_id):
        raise Http404("That link is not on this ticket.")
    services.ticket_unlink(link=link, actor=request.user)
    messages.success(request, "Link removed.")
    return _back(ticket, "links")


@require_POST
@permission_required(policy.TICKETS_WORK)
def ticket_rca(request, pk: int):
    ticket = _ticket_or_404(pk)
    users = {str(u.pk): u for u in workspace.assignable_users()}
    form = RcaForm(request.POST, users=users.values())
    if form.is_valid():
        rows = form.filled_rows()
        actions = [rca.ActionIn(description=d, owner=users.get(o or ""), due_date=due) for _, d, o, due in rows]
        fields = {"actions": "action_0_description"}
        for n, (i, *_rest) in enumerate(rows):
            fields.update(
                {f"actions.{n}.{part}": f"action_{i}_{part}" for part in ("description", "owner", "due_date")}
            )
        try:
            rca.rca_save(
                ticket=ticket,
                summary=form.cleaned_data["summary"],
                category=form.cleaned_data["category"],
                actions=actions,
                actor=request.user,
            )
        except DomainError as exc:
            _show_errors(form, exc, fields)
        else:
            messages.success(request, "Root cause analysis saved.")
            return _back(ticket, "rca")
    return _ticket_page(request, pk, rca_form=form)


# --- Logging a call or a chat ---------------------------------------------------------------------------------


@permission_required(policy.TICKETS_WORK)
def ticket_new(request):
    users = {str(u.pk): u for u in workspace.assignable_users()}
    teams = {str(t.pk): t for t in workspace.teams()}
    form = NewTicketForm(request.POST or None, users=users.values(), teams=teams.values())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # One transaction for both writes: a refused ticket leaves no new contact behind.
            with transaction.atomic():
                requester = customers.contact_for_email(
                    email=data["email"], first_name=data["first_name"], last_name=data["last_name"], actor=request.user
                )
                ticket = services.ticket_create(
                    subject=data["subject"],
                    body=data["body"],
                    requester=requester,
                    channel=data["channel"],
                    type=data["type"],
                    priority=data["priority"],
                    assignee=users.get(data["assignee"]),
                    team=teams.get(data["team"]),
                    call_duration_seconds=data["call_duration"],
                    actor=request.user,
                )
        except DomainError as exc:
            _show_errors(
                form, exc, {"call_duration_seconds": "call_duration", "requester": "email", "last_name": "email"}
            )
        else:
            messages.success(request, f"{ticket.reference} created.")
            return redirect("tickets:ticket", pk=ticket.pk)
    return render(request, "tickets/new.html", {"form": form})
