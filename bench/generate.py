"""Fill a Heartdesk database fast with believable customers (bulk inserts, no per-row services).

Run through `python bench/run.py`; on its own: HEARTDESK_DATA_DIR=var/bench python bench/generate.py 100000 1000000
"""

import os
import random
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "heartdesk.config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from heartdesk.core.text import search_key  # noqa: E402
from heartdesk.customers.models import Contact, ContactSearchKey, Organization, Segment, Tier  # noqa: E402
from heartdesk.customers.search import keys_for  # noqa: E402
from heartdesk.demo.management.commands.demo import FIRST, LAST  # noqa: E402

WORDS = [
    "Physics",
    "Chemistry",
    "Biology",
    "History",
    "Economics",
    "Law",
    "Medicine",
    "Engineering",
    "Mathematics",
    "Computing",
    "Philosophy",
    "Music",
    "Architecture",
    "Linguistics",
    "Geography",
    "Psychology",
    "Nursing",
]


def generate(n_orgs: int, n_contacts: int, batch: int = 5000) -> None:
    rng = random.Random(1)
    segments = list(Segment.objects.values_list("id", flat=True))
    tiers = list(Tier.objects.values_list("id", flat=True))
    from heartdesk.accounts.models import User

    managers = list(User.objects.values_list("id", flat=True)) or [None]
    now = timezone.now()
    start = time.perf_counter()
    existing_orgs = Organization.objects.count()
    for offset in range(existing_orgs, n_orgs, batch):
        rows = []
        for i in range(offset, min(offset + batch, n_orgs)):
            name = f"{rng.choice(WORDS)} {rng.choice(['Institute', 'Department', 'Centre', 'Lab', 'Office'])} {i}"
            rows.append(
                Organization(
                    name=name,
                    name_key=search_key(name),
                    segment_id=rng.choice(segments),
                    tier_id=rng.choice(tiers),
                    account_manager_id=rng.choice(managers),
                    created_at=now,
                    updated_at=now,
                )
            )
        with transaction.atomic():
            Organization.objects.bulk_create(rows, batch_size=batch)
    org_ids = list(Organization.objects.values_list("id", flat=True))
    existing = Contact.objects.count()
    for offset in range(existing, n_contacts, batch):
        rows = []
        for i in range(offset, min(offset + batch, n_contacts)):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            rows.append(
                Contact(
                    first_name=first,
                    last_name=last,
                    email=f"c{i}.{search_key(last)[:6]}@bench.example",
                    name_key=search_key(f"{first} {last}"),
                    last_name_key=search_key(last),
                    organization_id=rng.choice(org_ids),
                    segment_id=rng.choice(segments),
                    tier_id=rng.choice(tiers),
                    account_manager_id=rng.choice(managers),
                    created_at=now,
                    updated_at=now,
                )
            )
        with transaction.atomic():
            Contact.objects.bulk_create(rows, batch_size=batch)
            names = dict(
                Organization.objects.filter(id__in={c.organization_id for c in rows}).values_list("id", "name")
            )
            ContactSearchKey.objects.bulk_create(
                [ContactSearchKey(contact_id=c.pk, key=k) for c in rows for k in keys_for(c, names[c.organization_id])],
                batch_size=batch,
            )
        if (offset // batch) % 20 == 0:
            print(f"  {offset + len(rows):>9} contacts  {time.perf_counter() - start:6.1f}s", flush=True)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(f"generated {n_orgs} organizations, {n_contacts} contacts in {time.perf_counter() - start:.1f}s")


if __name__ == "__main__":
    generate(int(sys.argv[1]), int(sys.argv[2]))
