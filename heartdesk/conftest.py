"""The shared test cast (one user per role), API clients, and a way to run queued jobs for real."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role

PASSWORD = "correct horse battery staple"


@pytest.fixture
def cast(db):
    """One staff user per role, made through the same service the product uses."""
    return {
        role: accounts.user_create(
            username=role.value,
            role=role,
            password=PASSWORD,
            email=f"{role.value}@hd.test",
            first_name=role.label.split()[0],
            actor=None,
        )
        for role in Role
    }


class ApiClient:
    """Calls /api/v1 as a user with a real bearer token."""

    def __init__(self, user):
        _, self.token = accounts.token_create(user=user, name="tests", actor=None)
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {self.token}")

    def _call(self, method, path, data=None, **extra):
        url = path if path.startswith("/") else f"/api/v1/{path}"
        if method in ("post", "put", "patch", "delete") and isinstance(data, bytes | str):
            return getattr(self.client, method)(url, data, **extra)
        if method == "get":
            return self.client.get(url, data or {}, **extra)
        return getattr(self.client, method)(
            url, data if data is not None else {}, content_type="application/json", **extra
        )

    def get(self, path, params=None, **extra):
        return self._call("get", path, params, **extra)

    def post(self, path, data=None, **extra):
        return self._call("post", path, data, **extra)

    def put(self, path, data=None, **extra):
        return self._call("put", path, data, **extra)

    def patch(self, path, data=None, **extra):
        return self._call("patch", path, data, **extra)

    def delete(self, path, data=None, **extra):
        return self._call("delete", path, data, **extra)


@pytest.fixture
def api(cast):
    """api[role] -> an ApiClient for that role's user."""
    return {role: ApiClient(user) for role, user in cast.items()}


@pytest.fixture
def web(cast):
    """web[role] -> a logged-in browser-like test client."""
    clients = {}
    for role, user in cast.items():
        client = Client()
        client.force_login(user)
        clients[role] = client
    return clients


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks, monkeypatch):
    """A real worker (database or Redis queue) runs what is queued, in this process and this test's transaction.

    The database worker closes connections between tasks (it expects its own process); here that connection
    holds the test's transaction, so only that hygiene call is switched off.
    """
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)

    def run():
        call_command("worker", burst=True, verbosity=0)

    return run


@pytest.fixture(autouse=True, scope="session")
def _empty_redis_queue():
    if settings.REDIS_URL:
        import redis

        redis.Redis.from_url(settings.REDIS_URL).flushdb()
    yield


def pytest_collection_modifyitems(config, items):
    if os.path.exists("/usr/bin/chromium") or os.environ.get("CI"):
        return
    skip = pytest.mark.skip(reason="Debian's /usr/bin/chromium is not installed (CI requires it)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpSink:
    """A real SMTP server on 127.0.0.1 (aiosmtpd) that keeps what Heartdesk sends, parsed."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                import email
                from email import policy as email_policy

                sink.messages.append(email.message_from_bytes(envelope.original_content, policy=email_policy.default))
                return "250 OK"

        self.port = _free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()


@pytest.fixture
def smtp_sink(settings):
    """Outgoing mail goes over real SMTP to a server on 127.0.0.1; `smtp_sink.messages` holds what arrived."""
    sink = SmtpSink().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    sink.stop()


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls in the test are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is required for browser tests (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def worker():
    """`heartdesk worker` as its own process, on the test database, stopped after the test."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "heartdesk.config.test_settings"}
    process = subprocess.Popen([sys.executable, "-m", "heartdesk", "worker", "-v", "0"], env=env)
    yield process
    process.terminate()
    process.wait(timeout=20)
