"""`heartdesk rebuild-metrics [--days N]`: rebuild the KPI roll-ups from the facts.

For data loaded in bulk (the bench, imports that bypass the services) and after a change of HEARTDESK_TIME_ZONE
(the days themselves move). Without --days it covers every day from the oldest fact to today.
"""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Min

from heartdesk.reporting import rollups, scratch
from heartdesk.reporting.models import DailyFigures
from heartdesk.surveys.models import Response
from heartdesk.tickets.models import Ticket


def _oldest_day() -> dt.date | None:
    oldest = [
        Ticket.objects.aggregate(m=Min("created_at"))["m"],
        Response.objects.aggregate(m=Min("submitted_at"))["m"],
    ]
    oldest = [m for m in oldest if m is not None]
    return scratch.local_day(min(oldest)) if oldest else None


class Command(BaseCommand):
    help = "Rebuild the KPI roll-ups (daily figures) from tickets, clocks and survey responses."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, help="Only the last N days, today included (default: all days).")

    def handle(self, *args, days=None, **options):
        today = scratch.local_day(dt.datetime.now(dt.UTC))
        if days is not None:
            if days < 1:
                raise CommandError("--days must be at least 1.")
            first = today - dt.timedelta(days=days - 1)
        else:
            first = _oldest_day() or today
            DailyFigures.objects.filter(day__lt=first).delete()
        started = time.monotonic()
        rows = rollups.rebuild(first, today)
        if days is None:
            DailyFigures.objects.filter(day__gt=today).delete()
        self.stdout.write(
            f"Rebuilt {(today - first).days + 1} days ({first} to {today}): {rows} rows "
            f"in {time.monotonic() - started:.1f} s."
        )
