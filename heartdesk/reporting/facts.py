"""The KPI facts handler: what a write of a fact row means for the daily roll-ups (registered in apps.ready).

A row's facts sit on the local days of its placing timestamps. When a placing timestamp or a value its facts count
or are grouped by changes, the days of the OLD and the NEW timestamps are marked dirty (inside the writer's
transaction). A change of a ticket's, contact's or organization's dimensions marks every day its dependent facts
sit on. Bulk writes call `core.facts.touched()` with what they changed.
"""

from heartdesk.core.facts import UNKNOWN
from heartdesk.customers.models import Contact, Organization
from heartdesk.reporting import rollups
from heartdesk.surveys.models import FollowUp, Invitation, Response
from heartdesk.tickets.models import Escalation, SlaClock, Ticket

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
    Escalation: ((), ("ticket_id",)),
}
_FIELDS = {model: places + others for model, (places, others) in WATCHED.items()}


def _known(values: dict | None) -> dict:
    return {f: v for f, v in (values or {}).items() if v is not UNKNOWN}


def _places(model, values: dict) -> list:
    if model is SlaClock:  # a clock places a fact only once stopped as fulfilled or breached
        stopped = values.get("state") in {s.value for s in rollups.scratch.STOPPED}
        return [values.get("stopped_at")] if stopped else []
    return [values.get(f) for f in WATCHED[model][0]]


def _solved_day_of_ticket(ticket_id) -> list:
    """An escalation counts on its ticket's solved day ("solved tickets that were ever escalated")."""
    return list(Ticket.objects.filter(pk=ticket_id).values_list("solved_at", flat=True))


def _response_extras(response: Response, created: bool) -> list:
    """A new answer makes its invitation "answered" (written with .update(), on the invitation's sent day); a
    changed answer changes its follow-up's dimensions (on the follow-up's day)."""
    extras = []
    if response.invitation_id:
        extras += Invitation.objects.filter(pk=response.invitation_id).values_list("sent_at", flat=True)
    if not created:
        extras += FollowUp.objects.filter(response_id=response.pk).values_list("created_at", flat=True)
    return extras


class RollupFacts:
    def watched(self, model) -> tuple[str, ...]:
        return _FIELDS.get(model, ())

    def touched(self, *, moments, tickets, contacts, organizations) -> None:
        rollups.mark_tickets_dirty(tickets)
        rollups.mark_contacts_dirty(contacts)
        rollups.mark_organizations_dirty(organizations)
        rollups.mark_days_dirty(moments)

    def row_written(self, instance, before: dict | None, *, created: bool, deleted: bool) -> None:
        model = type(instance)
        if model not in WATCHED:
            return
        if model is Escalation:
            if created or deleted:
                rollups.mark_days_dirty(_solved_day_of_ticket(instance.ticket_id))
            return
        if deleted:
            self._deleted(model, instance, _known(before))
            return
        now = {f: instance.__dict__.get(f, UNKNOWN) for f in _FIELDS[model]}
        if not created and before == now:
            return
        old = {} if created else _known(before)
        moments = _places(model, _known(now)) + _places(model, old)
        if model is Ticket and not created and self._dimensions_changed(before, now):
            rollups.mark_tickets_dirty([instance.pk])  # its clocks, invitations, responses take its dimensions
        elif model is Contact and not created:
            rollups.mark_contacts_dirty([instance.pk])
        elif model is Organization and not created:
            rollups.mark_organizations_dirty([instance.pk])
        elif model is Response:
            moments += _response_extras(instance, created)
        rollups.mark_days_dirty(m for m in moments if m is not UNKNOWN)

    @staticmethod
    def _dimensions_changed(before: dict | None, now: dict) -> bool:
        return before is None or any(before.get(f, UNKNOWN) != now[f] for f in TICKET_DIMENSIONS)

    @staticmethod
    def _deleted(model, instance, before: dict) -> None:
        """Called before the row goes. A ticket takes its dependent facts with it (CASCADE and SET NULL send
        nothing), as does a contact or an organization."""
        if model is Ticket:
            rollups.mark_tickets_dirty([instance.pk])
        elif model is Contact:
            rollups.mark_contacts_dirty([instance.pk])
        elif model is Organization:
            rollups.mark_organizations_dirty([instance.pk])
        rollups.mark_days_dirty(_places(model, before))
