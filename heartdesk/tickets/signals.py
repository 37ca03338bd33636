"""What other apps may react to, sent inside the ticket service's transaction (receivers write in it too).

ticket_solved(sender=Ticket, ticket, at)     a ticket moved to solved
ticket_reopened(sender=Ticket, ticket, at)   a solved ticket moved back to open (by the customer or an agent)
"""

from django.dispatch import Signal

ticket_solved = Signal()
ticket_reopened = Signal()
