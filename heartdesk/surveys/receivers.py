"""Tickets tell surveys when they are solved or reopened (tickets.signals), inside the ticket's transaction."""

from django.dispatch import receiver

from heartdesk.messaging import quiet
from heartdesk.tickets.signals import ticket_reopened, ticket_solved


@receiver(ticket_solved)
def schedule_post_interaction_survey(sender, ticket, at, **kwargs):
    if quiet.is_quiet():  # replayed history is never surveyed
        return
    from heartdesk.surveys.services import invitation_for_solved_ticket

    invitation_for_solved_ticket(ticket=ticket, now=at)


@receiver(ticket_reopened)
def cancel_unsent_survey(sender, ticket, at, **kwargs):
    from heartdesk.surveys.services import invitations_cancel_for_ticket

    invitations_cancel_for_ticket(ticket=ticket, now=at)
