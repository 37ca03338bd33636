"""Poll the IMAP mailboxes in HEARTDESK_IMAP_MAILBOXES: once, or every --interval seconds until stopped."""

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from heartdesk.core.env import SettingError
from heartdesk.tickets.mail.imap import ENV_NAME, configured_mailboxes, poll_all


class Command(BaseCommand):
    help = "Fetch unseen mail from the IMAP mailboxes in HEARTDESK_IMAP_MAILBOXES, all mailboxes in parallel."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Poll every mailbox once, then exit.")
        parser.add_argument("--interval", type=int, default=60, help="Seconds between polls (60).")

    def handle(self, *args, once, interval, **options):
        if interval < 1:
            raise CommandError("--interval must be at least 1 second")
        try:
            mailboxes = configured_mailboxes()
        except SettingError as error:
            raise CommandError(str(error))
        if not mailboxes:
            raise CommandError(f"{ENV_NAME} is not set: no mailbox to poll")
        stopping = threading.Event()
        if not once:
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stopping.set())
            names = ", ".join(mailbox.name for mailbox in mailboxes)
            self.stdout.write(f"mail-poll: {names} every {interval}s; stop with Ctrl-C.")
        while True:
            for result in poll_all(mailboxes):
                line = f"mail-poll: {result.mailbox}: {result.accepted} accepted, {result.set_aside} set aside"
                self.stdout.write(line + (f", error: {result.error}" if result.error else ""))
            if once or stopping.wait(interval):
                return
