"""Test data made through the product's own services (Zulip's rule), with a fixed, known clock."""

import datetime as dt

from heartdesk.customers import services as customers
from heartdesk.tickets import services

# Monday 2026-11-16 10:00 UTC: inside the seeded "Business hours" calendar (Mon–Fri 09:00–17:00 UTC).
MONDAY_10 = dt.datetime(2026, 11, 16, 10, 0, tzinfo=dt.UTC)


def contact(email="ann@customer.example", **extra):
    return customers.contact_create(actor=None, email=email, first_name="Ann", last_name="Example", **extra)


def ticket(*, requester=None, now=MONDAY_10, **extra):
    extra.setdefault("subject", "Printer on fire")
    extra.setdefault("body", "It is on fire.")
    extra.setdefault("channel", "email")
    return services.ticket_create(requester=requester or contact(), actor=None, now=now, **extra)
