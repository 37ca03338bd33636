"""Seed a believable university IT service desk: staff in every role, teams, organizations and contacts."""

import random
import secrets
from datetime import date, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role
from heartdesk.accounts.models import User
from heartdesk.customers import services as customers
from heartdesk.customers.models import Organization, Segment, Tier
from heartdesk.reporting import rollups
from heartdesk.surveys import demo as surveys_demo
from heartdesk.tickets import demo as tickets_demo

STAFF = [
    ("admin", "Ada", "Admin", Role.ADMIN),
    ("agent", "Alex", "Agent", Role.AGENT),
    ("sam", "Sam", "Okafor", Role.AGENT),
    ("specialist", "Priya", "Natarajan", Role.SPECIALIST),
    ("engineer", "Jonas", "Berg", Role.ENGINEER),
    ("am", "Maria", "Lopez", Role.ACCOUNT_MANAGER),
    ("am2", "Tom", "Becker", Role.ACCOUNT_MANAGER),
    ("manager", "Grace", "Hopper", Role.SUPPORT_MANAGER),
    ("exec", "Elena", "Ruiz", Role.EXECUTIVE),
]
DEPARTMENTS = [
    "Physics",
    "Chemistry",
    "Biology",
    "History",
    "Economics",
    "Law",
    "Medicine",
    "Engineering",
    "Mathematics",
    "Computer Science",
    "Philosophy",
    "Music",
    "Architecture",
    "Linguistics",
    "Geography",
    "Psychology",
    "Nursing",
    "Education",
    "Library",
    "Student Union",
    "Admissions",
    "Finance Office",
    "Human Resources",
    "Facilities",
    "Research Computing",
    "Sports Centre",
    "Career Service",
]
KINDS = ["Department of", "Institute of", "Faculty of", "Centre for", "School of", "Office of"]
FIRST = [
    "Anna",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Felix",
    "Grace",
    "Hugo",
    "Ines",
    "Jamal",
    "Kira",
    "Liam",
    "Mona",
    "Noah",
    "Olga",
    "Pedro",
    "Qi",
    "Rosa",
    "Sven",
    "Tara",
    "Umar",
    "Vera",
    "Wen",
    "Xavier",
    "Yara",
    "Zoë",
    "Müller",
    "José",
    "Aiko",
    "Björn",
]
LAST = [
    "Smith",
    "Jones",
    "García",
    "Müller",
    "Rossi",
    "Kowalski",
    "Nguyen",
    "Kim",
    "Singh",
    "Okafor",
    "Dubois",
    "Andersen",
    "Silva",
    "Novak",
    "Ivanova",
    "Hansen",
    "Tanaka",
    "O'Brien",
    "Schmidt",
    "Costa",
    "Yilmaz",
]
ZONES = ["Europe/Berlin", "Europe/London", "America/New_York", "Asia/Tokyo", "UTC"]


class Command(BaseCommand):
    help = "Seed demo data (staff, teams, organizations, contacts, tickets). Does nothing if it has run before."

    def add_arguments(self, parser):
        parser.add_argument("--organizations", type=int, default=120)
        parser.add_argument("--contacts", type=int, default=400)

    def handle(self, *args, organizations, contacts, **options):
        if User.objects.filter(username="admin").exists():
            self.stdout.write("Demo data is already there.")
            return
        password = secrets.token_urlsafe(9)
        with transaction.atomic():
            self._seed(password, organizations, contacts)
        path = settings.DATA_DIR / "demo-login.txt"
        path.write_text(f"user: admin (or agent, manager, am, exec …)\npassword: {password}\n")
        path.chmod(0o600)
        self.stdout.write(f"Demo data ready. Log in as admin / {password} (also in {path}).")

    def _seed(self, password, n_orgs, n_contacts):
        rng = random.Random(2026)
        users = {}
        for username, first, last, role in STAFF:
            users[username] = accounts.user_create(
                username=username,
                first_name=first,
                last_name=last,
                role=role,
                email=f"{username}@heartdesk.example",
                password=password,
                actor=None,
            )
        users["admin"].is_superuser = users["admin"].is_staff = True
        users["admin"].save(update_fields=["is_superuser", "is_staff"])
        service_desk = accounts.team_create(
            name="Service Desk", description="Level 1: first contact", manager=users["manager"], actor=None
        )
        specialists = accounts.team_create(
            name="Specialists", description="Level 2 and 3", manager=users["manager"], actor=None
        )
        success = accounts.team_create(
            name="Customer Success", description="Account managers", manager=users["manager"], actor=None
        )
        for name, team in (
            ("agent", service_desk),
            ("sam", service_desk),
            ("specialist", specialists),
            ("engineer", specialists),
            ("am", success),
            ("am2", success),
            ("manager", service_desk),
        ):
            users[name].teams.add(team)
        segments = list(Segment.objects.all())
        tiers = list(Tier.objects.all())
        managers = [users["am"], users["am2"]]
        orgs: list[Organization] = []
        names = set()
        while len(orgs) < n_orgs:
            name = f"{rng.choice(KINDS)} {rng.choice(DEPARTMENTS)}"
            if len(names) >= len(KINDS) * len(DEPARTMENTS):
                name = f"{name} {len(orgs)}"
            if name in names:
                continue
            names.add(name)
            tier = rng.choice(tiers)
            churned = rng.random() < 0.06
            orgs.append(
                customers.organization_create(
                    actor=None,
                    name=name,
                    segment=rng.choice(segments),
                    tier=tier,
                    account_manager=rng.choice(managers) if tier.rank > 1 else None,
                    customer_since=date(2019, 1, 1) + timedelta(days=rng.randrange(2500)),
                    status="churned" if churned else "active",
                    churned_on=date(2026, 1, 1) + timedelta(days=rng.randrange(300)) if churned else None,
                    time_zone=rng.choice(ZONES),
                    language=rng.choice(["en", "de", "es", "fr"]),
                    domain=name.lower().replace(" ", "-").replace("ü", "ue") + ".uni.example",
                )
            )
        used = set()
        made_contacts = []
        for i in range(n_contacts):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            org = rng.choice(orgs) if rng.random() < 0.9 else None
            email = f"{first}.{last}.{i}@uni.example".lower().replace("'", "").replace("ü", "ue").replace("í", "i")
            email = email.replace("ë", "e").replace("é", "e").replace("ö", "o").replace("á", "a").replace("ç", "c")
            if email in used:
                continue
            used.add(email)
            contact = customers.contact_create(
                actor=None,
                first_name=first,
                last_name=last,
                email=email,
                organization=org,
                segment=org.segment if org else rng.choice(segments),
                tier=org.tier if org else None,
                account_manager=org.account_manager if org else None,
                job_title=rng.choice(
                    [
                        "Professor",
                        "Lecturer",
                        "PhD student",
                        "Student",
                        "Administrator",
                        "Lab manager",
                        "Research fellow",
                        "Librarian",
                    ]
                ),
                customer_since=org.customer_since if org else None,
                time_zone=org.time_zone if org else "",
                tags=rng.sample(["vip", "new", "hpc", "teaching", "exams", "lab"], k=rng.randrange(3)),
            )
            made_contacts.append(contact)
        tickets_demo.seed(users=users, teams=[service_desk, specialists], contacts=made_contacts, rng=rng)
        surveys_demo.seed(users=users, rng=rng)
        rollups.refresh_dirty(limit=366)  # every day the demo touched: the first dashboard load reads, not counts
