"""The built-in SMTP and LMTP receiver: every message goes through `inbound_store.accept` before we say 250.

Replies (RFC 3463 enhanced codes):
  250 OK: queued as <id>          only after `accept` committed the raw message
  552 5.3.4 Message too big       over settings.MAIL_MAX_BYTES (also advertised as SIZE and checked at MAIL FROM)
  550 5.6.0 Malformed message     no "Name: value" header line at the start: nothing we could ever parse
  451 4.3.0 Try again later       the database failed: temporary, so the sending server keeps the message and retries
  550 5.1.1 not a mailbox here    a recipient outside HEARTDESK_MAIL_DOMAINS (comma list; unset accepts any)
In LMTP mode every reply after DATA is repeated once per accepted recipient, as RFC 2033 requires.

The raw message is stored as it came over the wire after dot-unstuffing: CRLF line endings, nothing rewritten.
CRLF is the canonical form of RFC 5322 (and what IMAP hands us too), so both sources store the same bytes.

`accept` is a blocking database write, so it runs on a small pool of database threads and never on the event loop.
Each of those threads handles its connection as Django handles a request's (`close_old_connections` before and
after, so CONN_MAX_AGE and health checks apply) and closes it when the receiver stops.
"""

import asyncio
import logging
import re
import socket
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP
from django.conf import settings
from django.db import DatabaseError, close_old_connections, connections

from heartdesk.core.env import env_list
from heartdesk.tickets.mail import inbound_store

log = logging.getLogger("heartdesk.mail")
# aiosmtpd logs every command at INFO; at 100 messages a second that is noise and a cost. Configured LOGGING wins.
_aiosmtpd_log = logging.getLogger("mail.log")
if _aiosmtpd_log.level == logging.NOTSET:
    _aiosmtpd_log.setLevel(logging.WARNING)

TOO_BIG = "552 5.3.4 Message too big"
MALFORMED = "550 5.6.0 Malformed message"
TRY_LATER = "451 4.3.0 Try again later"
NOT_HERE = "550 5.1.1 not a mailbox here"

# A header field name is printable ASCII but the colon (RFC 5322 §2.2); obsolete syntax allows blanks before it.
_FIRST_HEADER = re.compile(rb"[!-9;-~]+[ \t]*:")

# aiosmtpd answers these itself, in its own words: we give them our codes and log them like our own refusals.
_OWN_WORDS = {
    "552 Error: Too much mail data": (TOO_BIG, "message too big"),
    "552 Error: message size exceeds fixed maximum message size": (TOO_BIG, "declared SIZE too big"),
    "500 Line too long (see RFC5321 4.5.3.1.6)": ("500 5.5.2 Line too long", "line over 1000 bytes"),
}


def looks_like_message(raw: bytes) -> bool:
    """The cheap check: the message starts with a header line, so there is a header block to parse later."""
    return _FIRST_HEADER.match(raw) is not None


def mail_domains() -> set[str]:
    return {domain.lower().lstrip("@") for domain in env_list("HEARTDESK_MAIL_DOMAINS", [])}


def log_refusal(*, sender: str, reason: str, peer=None) -> None:
    log.warning("mail refused from <%s> (peer %s): %s", sender or "", _peer(peer), reason)


def _peer(peer) -> str:
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else "?"


def _store(raw: bytes, *, source: str, envelope_from: str, recipients: list[str]) -> int:
    """Runs on a database thread: one `accept`, with the connection looked after as for a request."""
    close_old_connections()
    try:
        return inbound_store.accept(raw, source=source, envelope_from=envelope_from, recipients=recipients).pk
    finally:
        close_old_connections()


class MailHandler:
    """The aiosmtpd handler: recipient policy and the DATA reply; protocol-agnostic but for LMTP's repeat."""

    def __init__(self, *, executor: ThreadPoolExecutor, domains: set[str]):
        self.executor = executor
        self.domains = domains
        self.in_flight = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.domains and address.rpartition("@")[2].lower() not in self.domains:
            log_refusal(
                sender=envelope.mail_from, reason=f"recipient {address} is not in our domains", peer=session.peer
            )
            return NOT_HERE
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content
        sender = envelope.mail_from or ""
        if not looks_like_message(raw):
            log_refusal(sender=sender, reason="malformed message: no header block", peer=session.peer)
            return _reply(server, envelope, MALFORMED)
        store = partial(
            _store,
            raw,
            source="lmtp" if isinstance(server, LMTP) else "smtp",
            envelope_from=sender,
            recipients=list(envelope.rcpt_tos),
        )
        self.in_flight += 1
        try:
            pk = await asyncio.get_running_loop().run_in_executor(self.executor, store)
        except inbound_store.TooLarge as error:
            log_refusal(sender=sender, reason=str(error), peer=session.peer)
            return _reply(server, envelope, TOO_BIG)
        except DatabaseError as error:
            log_refusal(sender=sender, reason=f"database error, asked to retry: {error}", peer=session.peer)
            return _reply(server, envelope, TRY_LATER)
        except Exception:
            # Anything unexpected is still temporary for the sender: a 5xx here would bounce a message we may want.
            log.exception("mail refused from <%s> (peer %s): unexpected error", sender, _peer(session.peer))
            return _reply(server, envelope, TRY_LATER)
        finally:
            self.in_flight -= 1
        return _reply(server, envelope, f"250 OK: queued as {pk}")


def _reply(server, envelope, status: str) -> str:
    if isinstance(server, LMTP):
        return "\r\n".join([status] * len(envelope.rcpt_tos))
    return status


class _OwnRefusals:
    """Gives aiosmtpd's own refusals our codes and log line, and in LMTP repeats them once per recipient.

    aiosmtpd resets the envelope before it answers DATA, so the envelope is kept aside for the reply.
    """

    _data_envelope = None

    async def smtp_DATA(self, arg):
        self._data_envelope = self.envelope
        try:
            await super().smtp_DATA(arg)
        finally:
            self._data_envelope = None

    async def push(self, status):
        own = _OWN_WORDS.get(status) if isinstance(status, str) else None
        if own is not None:
            status, reason = own
            envelope = self._data_envelope or self.envelope
            log_refusal(sender=envelope.mail_from if envelope else "", reason=reason, peer=self.session.peer)
            if self._data_envelope is not None:
                status = _reply(self, self._data_envelope, status)
        await super().push(status)


class _SmtpSession(_OwnRefusals, SMTP):
    pass


class _LmtpSession(_OwnRefusals, LMTP):
    pass


class Receiver:
    """Listens on host:port (port 0 picks a free one) with its event loop in a background thread.

    `start()` returns the (host, port) it listens on; `stop()` stops listening, lets messages being stored get
    their reply (up to `grace` seconds), then closes the remaining connections and the database threads'
    connections. Settings (MAIL_MAX_BYTES) are read per connection, HEARTDESK_MAIL_DOMAINS when constructed.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 2525,
        lmtp: bool = False,
        db_threads: int = 4,
        domains: set[str] | None = None,
    ):
        self.host = host
        self.port = port
        self.lmtp = lmtp
        self.db_threads = db_threads
        self.address: tuple[str, int] | None = None
        self._executor = ThreadPoolExecutor(db_threads, thread_name_prefix="heartdesk-mail-db")
        self.handler = MailHandler(executor=self._executor, domains=mail_domains() if domains is None else domains)
        self._hostname = socket.getfqdn()  # once: aiosmtpd would look it up for every connection
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _session(self) -> SMTP:
        session_class = _LmtpSession if self.lmtp else _SmtpSession
        session = session_class(
            self.handler,
            data_size_limit=settings.MAIL_MAX_BYTES,
            enable_SMTPUTF8=True,
            hostname=self._hostname,
            ident="Heartdesk",
            loop=self._loop,
        )
        self._sessions.add(session)
        return session

    def start(self) -> tuple[str, int]:
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="heartdesk-mail-receiver", daemon=True)
        self._thread.start()
        ready.wait()
        if self._error is not None:
            self._thread.join()
            self._executor.shutdown()
            raise self._error
        return self.address

    def _run(self, ready: threading.Event) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            self._server = loop.run_until_complete(loop.create_server(self._session, self.host, self.port))
            self.address = self._server.sockets[0].getsockname()[:2]
        except BaseException as error:
            self._error = error
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.close()

    def stop(self, *, grace: float = 10.0) -> None:
        if self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(grace), self._loop).result()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join()
        self._thread = None
        self._close_db_threads()

    async def _shutdown(self, grace: float) -> None:
        self._server.close()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + grace
        while self.handler.in_flight and loop.time() < deadline:
            await asyncio.sleep(0.02)
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        await asyncio.sleep(0)  # let the sessions see their connection lost

    def _close_db_threads(self) -> None:
        # One task per thread: each waits at the barrier until every thread holds one, so none runs two.
        barrier = threading.Barrier(self.db_threads)

        def close_connections():
            try:
                barrier.wait(timeout=5)
            finally:
                connections.close_all()

        for future in [self._executor.submit(close_connections) for _ in range(self.db_threads)]:
            future.exception()
        self._executor.shutdown()
