"""Demo tickets for `heartdesk demo`: a week of help desk traffic replayed through the services, quietly."""

import datetime as dt
import random

from django.utils import timezone

from heartdesk.tickets import quiet, services, sweep
from heartdesk.tickets.choices import Status

SUBJECTS = [
    ("Cannot connect to eduroam in the library", "question", "p3", "network"),
    ("VPN drops every ten minutes", "incident", "p2", "network"),
    ("Exam portal down for all students", "incident", "p1", "exams"),
    ("Request: software licence for MATLAB", "request", "p4", "software"),
    ("Password reset mail never arrives", "incident", "p2", "accounts"),
    ("Printer on floor 2 prints blank pages", "incident", "p3", "printing"),
    ("How do I share a folder with an external partner?", "question", "p4", "storage"),
    ("Lecture recording missing from the course page", "incident", "p2", "teaching"),
    ("Complaint: third time my laptop repair was delayed", "complaint", "p2", "hardware"),
    ("HPC job queue stuck since this morning", "problem", "p1", "hpc"),
]
REPLIES = [
    "Thank you for reporting this. I have checked the logs and I am on it.",
    "Could you send a screenshot of the error message, please?",
    "We found the cause and applied a fix. Could you confirm it works for you now?",
]


def seed(*, users: dict, teams: list, contacts: list, rng: random.Random, count: int = 60) -> int:
    now = timezone.now()
    agents = [users[name] for name in ("agent", "sam", "specialist", "engineer")]
    made = 0
    with quiet.quietly():
        for i in range(count):
            subject, kind, priority, category = rng.choice(SUBJECTS)
            created = now - dt.timedelta(hours=rng.randrange(1, 24 * 7), minutes=rng.randrange(60))
            requester = rng.choice(contacts)
            ticket = services.ticket_create(
                subject=subject,
                body=f"Hello,\n\n{subject}. Could you help?\n\nThanks,\n{requester.first_name}",
                requester=requester,
                channel=rng.choice(["email", "email", "web", "portal", "phone", "chat"]) if i % 7 else "email",
                type=kind,
                priority=priority,
                category=category,
                team=rng.choice(teams),
                actor=None,
                now=created,
            )
            made += 1
            roll = rng.random()
            if roll < 0.25:
                continue  # still waiting for a first response
            agent = rng.choice(agents)
            answered = created + dt.timedelta(minutes=rng.randrange(5, 300))
            if answered >= now:
                continue
            status = Status.SOLVED if roll > 0.7 else (Status.PENDING if roll > 0.5 else None)
            services.ticket_reply(ticket=ticket, body=rng.choice(REPLIES), actor=agent, status=status, now=answered)
    sweep.run(now=now)
    return made
