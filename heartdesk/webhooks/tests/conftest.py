"""A real HTTP receiver for webhook tests, and small helpers over the services."""

import threading
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db.models import F

from heartdesk.accounts.choices import Role
from heartdesk.webhooks import services
from heartdesk.webhooks.models import WebhookDelivery


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Records each POST; answers with `answers` in turn (the last one repeats)."""

    url: str = ""
    answers: list[int] = field(default_factory=lambda: [200])
    requests: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.answers[min(len(self.requests), len(self.answers)) - 1]


@pytest.fixture
def receiver():
    """An http.server on 127.0.0.1 at a free port, in a thread, for the length of one test."""
    rec = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with rec.lock:
                rec.requests.append(Received({k.lower(): v for k, v in self.headers.items()}, body))
            status = rec.next_status()
            reply = b'{"ok":true}' if status < 300 else b"receiver is down for maintenance"
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    rec.url = f"http://127.0.0.1:{server.server_port}/hook"
    yield rec
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def manager(cast):
    return cast[Role.SUPPORT_MANAGER]


def make_webhook(actor, url="https://crm.example/hook", events=("*",), **extra):
    return services.webhook_create(actor=actor, name=extra.pop("name", "CRM"), url=url, events=list(events), **extra)


def time_passes(seconds: float) -> None:
    """Move every delivery's clock forward (its due time back): what the sweep and the claim see."""
    WebhookDelivery.objects.update(next_attempt_at=F("next_attempt_at") - timedelta(seconds=seconds))
