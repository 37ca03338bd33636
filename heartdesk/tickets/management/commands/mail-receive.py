"""Receive mail over SMTP (or LMTP behind a mail server) until SIGTERM or SIGINT."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from heartdesk.tickets.mail.receiver import Receiver, mail_domains


class Command(BaseCommand):
    help = "Receive mail on HOST:PORT over SMTP (or LMTP with --lmtp) and store every message before saying 250."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)
        parser.add_argument("--lmtp", action="store_true", help="Speak LMTP (RFC 2033) instead of SMTP.")
        parser.add_argument("--db-threads", type=int, default=4, help="Threads writing to the database.")

    def handle(self, *args, host, port, lmtp, db_threads, **options):
        stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
        receiver = Receiver(host=host, port=port, lmtp=lmtp, db_threads=db_threads, domains=mail_domains())
        try:
            listen_host, listen_port = receiver.start()
        except OSError as error:
            raise CommandError(f"cannot listen on {host}:{port}: {error}")
        domains = ", ".join(sorted(receiver.handler.domains)) or "any domain"
        self.stdout.write(
            f"mail-receive: {'LMTP' if lmtp else 'SMTP'} on {listen_host}:{listen_port}"
            f" (max {settings.MAIL_MAX_BYTES} bytes, recipients in {domains}); stop with Ctrl-C."
        )
        self.stdout.flush()
        try:
            while not stopping.wait(3600):
                pass
        finally:
            receiver.stop()
            self.stdout.write("mail-receive: stopped")
