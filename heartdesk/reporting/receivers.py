"""Changes to tickets, clocks, responses, invitations and follow-ups mark the days they touch for the roll-ups.

Each watched model remembers, when it is loaded (post_init) and after each save, the values that place its facts on
a day and the values those facts count or are grouped by. On save or delete, if any of them changed, the local
days of the OLD and the NEW placing timestamps are marked dirty (inside the writer's transaction); a change of a
ticket's, contact's or organization's dimensions marks every day its dependent facts sit on.

Bulk `.update()` and `bulk_create` send no signals: the services that use them for these fields call
`rollups.mark_*_dirty` themselves. A field deferred when the instance was loaded counts as changed.
"""

from django.db.models.signals import post_delete, post_init, post_save, pre_delete

from heartdesk.customers.models import Contact, Organization
from heartdesk.reporting import rollups
from heartdesk.surveys.models import FollowUp, Invitation, Response
from heartdesk.tickets.models import Escalation, SlaClock, Ticket

_SEEN = "_reporting_seen"
_UNKNOWN = object()

TICKET_PLACES = ("created_at", "solved_at", "first_response_at")
TICKET_VALUES = ("type", "first_contact_resolution", "reopen_count")
TICKET_DIMENSIONS = ("assignee_id", "team_id", "channel", "priority", "organization_id", "requester_id")

# model: (fields placing its facts on days, other fields its facts count or are grouped by)
WATCHED = {
    Ticket: (TICKET_PLACES, TICKET_VALUES + TICKET_DIMENSIONS),
    SlaClock: (("stopped_at",), ("state", "target", "ticket_id")),
    Response: (
        ("submitted_at",),
        ("csat", "nps", "agent_id", "team_id", "channel", "organization_id", "segment_id", "tier_id", "ticket_id"),
    ),
    Invitation: (("sent_at",), ("answered_at", "ticket_id", "contact_id")),
    FollowUp: (("created_at",), ("state", "response_id")),
    Contact: ((), ("segment_id", "tier_id", "organization_id")),
    Organization: ((), ("segment_id", "tier_id")),
}


def _snapshot(instance, fields) -> tuple:
    values = instance.__dict__
    return tuple(values.get(f, _UNKNOWN) for f in fields)


def _fields(model) -> tuple[str, ...]:
    places, others = WATCHED[model]
    return places + others


def _remember(sender, instance, **kwargs) -> None:
    setattr(instance, _SEEN, _snapshot(instance, _fields(sender)))


def _stopped_clock_places(values: dict) -> list:
    """A clock places a fact only once stopped as fulfilled or breached."""
    return [values["stopped_at"]] if values.get("state") in {s.value for s in rollups.scratch.STOPPED} else []


def _places(model, values: dict) -> list:
    if model is SlaClock:
        return _stopped_clock_places(values)
    return [values.get(f) for f in WATCHED[model][0]]


def _changed(sender, instance, created: bool) -> None:
    fields = _fields(sender)
    old = getattr(instance, _SEEN, None)
    new = _snapshot(instance, fields)
    setattr(instance, _SEEN, new)
    if not created and old == new:
        return
    new_values = {f: v for f, v in zip(fields, new, strict=True) if v is not _UNKNOWN}
    old_values = {} if created or old is None else {f: v for f, v in zip(fields, old, strict=True) if v is not _UNKNOWN}
    moments = _places(sender, new_values) + _places(sender, old_values)
    moments = [m for m in moments if m is not None and m is not _UNKNOWN]
    if sender is Ticket and not created and _differs(old, new, fields, TICKET_DIMENSIONS):
        rollups.mark_tickets_dirty([instance.pk])  # its clocks, invitations, responses take its dimensions
    elif sender is Contact and not created:
        rollups.mark_contacts_dirty([instance.pk])
    elif sender is Organization and not created:
        rollups.mark_organizations_dirty([instance.pk])
    elif sender is Response:
        moments += _response_extras(instance, created)
    rollups.mark_days_dirty(moments)


def _differs(old, new, fields, names) -> bool:
    if old is None:
        return True
    return any(old[fields.index(n)] != new[fields.index(n)] for n in names)


def _response_extras(response: Response, created: bool) -> list:
    """A new answer makes its invitation "answered" (written with .update(), on the invitation's sent day); a
    changed answer changes its follow-up's dimensions (on the follow-up's day)."""
    extras = []
    if response.invitation_id:
        extras += Invitation.objects.filter(pk=response.invitation_id).values_list("sent_at", flat=True)
    if not created:
        extras += FollowUp.objects.filter(response_id=response.pk).values_list("created_at", flat=True)
    return extras


def _saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    if raw:
        return  # fixtures loading: `heartdesk rebuild-metrics` afterwards
    _changed(sender, instance, created)


def _deleted(sender, instance, **kwargs) -> None:
    old = getattr(instance, _SEEN, None) or _snapshot(instance, _fields(sender))
    values = {f: v for f, v in zip(_fields(sender), old, strict=True) if v is not _UNKNOWN}
    rollups.mark_days_dirty(m for m in _places(sender, values) if m is not _UNKNOWN)


def _ticket_deleting(sender, instance, **kwargs) -> None:
    """Deleting a ticket clears it from its invitations and responses (SET NULL, no signals): mark their days."""
    rollups.mark_tickets_dirty([instance.pk])


def _escalation_saved(sender, instance, created=False, raw=False, **kwargs) -> None:
    """An escalation counts on its ticket's solved day ("solved tickets that were ever escalated")."""
    if raw or not created:
        return
    rollups.mark_days_dirty(Ticket.objects.filter(pk=instance.ticket_id).values_list("solved_at", flat=True))


def _escalation_deleted(sender, instance, **kwargs) -> None:
    rollups.mark_days_dirty(Ticket.objects.filter(pk=instance.ticket_id).values_list("solved_at", flat=True))


for _model in WATCHED:
    post_init.connect(_remember, sender=_model, dispatch_uid=f"reporting-init-{_model.__name__}")
    post_save.connect(_saved, sender=_model, dispatch_uid=f"reporting-save-{_model.__name__}")
    if _model not in (Contact, Organization):
        post_delete.connect(_deleted, sender=_model, dispatch_uid=f"reporting-delete-{_model.__name__}")
pre_delete.connect(_ticket_deleting, sender=Ticket, dispatch_uid="reporting-pre-delete-Ticket")
post_save.connect(_escalation_saved, sender=Escalation, dispatch_uid="reporting-save-Escalation")
post_delete.connect(_escalation_deleted, sender=Escalation, dispatch_uid="reporting-delete-Escalation")
