"""Changes to tickets, clocks, responses, invitations and follow-ups mark the days they touch for the roll-ups."""
