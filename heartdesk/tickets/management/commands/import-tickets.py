"""Import tickets with their history from another help desk's JSON or CSV export (all or nothing)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from heartdesk.accounts.models import User
from heartdesk.tickets import importing


class Command(BaseCommand):
    help = "Import tickets, messages and statuses with their original times; SLA outcomes are recomputed."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A JSON or CSV export.")
        parser.add_argument("--dry-run", action="store_true", help="Check and replay, then write nothing.")
        parser.add_argument("--format", choices=["json", "csv"], help="Override the guess from the file name.")
        parser.add_argument("--user", help="Username recorded on the import events (must hold tickets.import).")

    def handle(self, *args, file, dry_run, format, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file}")
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No active user {user!r}")
        report = importing.import_tickets(
            actor=actor, data=path.read_bytes(), filename=path.name, format=format, dry_run=dry_run
        )
        for skipped in report.skipped:
            self.stdout.write(f"skipped {skipped['ticket']}: {skipped['message']} ({skipped['reference']})")
        if not report.ok:
            for error in report.errors:
                where = ", ".join(f"{k} {error[k]}" for k in ("ticket", "row", "field") if error[k] not in (None, ""))
                self.stderr.write(f"{where}: {error['message']}")
            raise CommandError(f"{report.error_count} problem(s); nothing was imported.")
        verb = "would import" if dry_run else "imported"
        self.stdout.write(f"{verb} {report.tickets} tickets, {report.messages} messages, skipped {len(report.skipped)}")
        if options.get("verbosity", 1) > 1:
            self.stdout.write(json.dumps(report.as_dict(), indent=2))
