"""Start the web server (gunicorn) and one background worker together; Ctrl-C stops both."""

import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Heartdesk on HOST:PORT with gunicorn and run a background worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1) + 1))
        parser.add_argument("--no-worker", action="store_true", help="Only the web server.")
        parser.add_argument(
            "--mail-port", type=int, default=0, help="Also run the SMTP receiver on HOST:PORT (0: no receiver)."
        )

    def handle(self, *args, host, port, workers, no_worker, mail_port, **options):
        bindir = os.path.dirname(sys.executable)
        children = []
        if not no_worker:
            children.append(subprocess.Popen([os.path.join(bindir, "heartdesk"), "worker", "-v", "0"]))
        if mail_port:
            receive = [os.path.join(bindir, "heartdesk"), "mail-receive", "--host", host, "--port", str(mail_port)]
            children.append(subprocess.Popen(receive))
            self.stdout.write(f"Mail to the help desk: SMTP on {host}:{mail_port}")
        login = settings.DATA_DIR / "demo-login.txt"
        self.stdout.write(f"\nHeartdesk is starting on http://{host}:{port}/")
        if login.exists():
            self.stdout.write("Log in with the demo account:\n  " + login.read_text().strip().replace("\n", "\n  "))
        self.stdout.write("Stop with Ctrl-C.\n")
        web = subprocess.Popen(
            [
                os.path.join(bindir, "gunicorn"),
                "heartdesk.config.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                "--log-level",
                "warning",
            ]
        )
        children.append(web)

        def stop(*_):
            for child in children:
                if child.poll() is None:
                    child.terminate()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            web.wait()
        finally:
            stop()
            for child in children:
                child.wait(timeout=15)
