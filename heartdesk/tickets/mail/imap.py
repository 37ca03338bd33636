"""The IMAP poller: brings the UNSEEN messages of several mailboxes through `inbound_store.accept`.

HEARTDESK_IMAP_MAILBOXES is a JSON list of mailboxes:
  [{"name": "support", "host": "imap.example.org", "port": 993, "user": "support@example.org",
    "password": "…", "ssl": true, "folder": "INBOX", "after": "seen"}]
`name`, `host`, `user` and `password` are required; `ssl` defaults to true, `port` to 993 (or 143 without ssl),
`folder` to INBOX, `after` to "seen" ("delete" deletes and expunges instead).

Per message, one at a time: its RFC822.SIZE first; a message over settings.MAIL_MAX_BYTES is never fetched.
Otherwise BODY.PEEK[] (which leaves it unseen), `accept`, and only after `accept` committed it is marked \\Seen
(or \\Seen \\Deleted and expunged). So a crash anywhere loses nothing: at worst a message accepted just before a
dropped connection is fetched again next time (delivery is at least once; its Message-ID is stored to tell).

A message we cannot take (too big, no header block, the server cannot give it) is set aside: left unseen and
flagged \\Flagged, and logged. The search is UNSEEN UNFLAGGED, so it is never fetched again; unflag it to retry.
A database failure stops that mailbox's poll with the message still unseen: the next poll retries it.
"""

import contextlib
import imaplib
import json
import logging
import re
import ssl
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connections

from heartdesk.core.env import SettingError, env_str
from heartdesk.tickets.mail import inbound_store
from heartdesk.tickets.mail.receiver import looks_like_message

log = logging.getLogger("heartdesk.mail")

ENV_NAME = "HEARTDESK_IMAP_MAILBOXES"
AFTER_CHOICES = ("seen", "delete")
TIMEOUT_SECONDS = 60

_UID = re.compile(rb"\bUID (\d+)")
_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)")


@dataclass(frozen=True)
class Mailbox:
    name: str
    host: str
    user: str
    password: str = field(repr=False)
    port: int = 993
    ssl: bool = True
    folder: str = "INBOX"
    after: str = "seen"

    @property
    def source(self) -> str:
        return f"imap:{self.name}"


@dataclass
class PollResult:
    mailbox: str
    accepted: int = 0
    set_aside: int = 0
    error: str = ""


# --- Configuration ---------------------------------------------------------------------------------------------

_REQUIRED = {"name": str, "host": str, "user": str, "password": str}
_OPTIONAL = {"port": int, "ssl": bool, "folder": str, "after": str}


def parse_mailboxes(raw: str) -> list[Mailbox]:
    """Mailboxes from the JSON text of HEARTDESK_IMAP_MAILBOXES; SettingError names the bad entry and key."""
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as error:
        raise SettingError(f"{ENV_NAME} is not valid JSON: {error}") from None
    if not isinstance(entries, list):
        raise SettingError(f"{ENV_NAME} must be a JSON list of mailboxes, not {type(entries).__name__}")
    mailboxes = []
    for index, entry in enumerate(entries):
        where = f"{ENV_NAME}[{index}]"
        if not isinstance(entry, dict):
            raise SettingError(f"{where} must be an object, not {type(entry).__name__}")
        unknown = sorted(set(entry) - set(_REQUIRED) - set(_OPTIONAL))
        if unknown:
            raise SettingError(f"{where} has an unknown key {unknown[0]!r}")
        for key in _REQUIRED:
            if key not in entry:
                raise SettingError(f"{where} is missing the key {key!r}")
        for key, kind in {**_REQUIRED, **_OPTIONAL}.items():
            # bool is an int in Python; a port of `true` is still a mistake.
            if key in entry and (type(entry[key]) is not kind):
                raise SettingError(f"{where}.{key} must be {kind.__name__}, not {entry[key]!r}")
        for key in ("name", "host", "user", "folder"):
            if key in entry and not entry[key].strip():
                raise SettingError(f"{where}.{key} must not be empty")
        use_ssl = entry.get("ssl", True)
        mailbox = Mailbox(
            name=entry["name"].strip(),
            host=entry["host"].strip(),
            user=entry["user"],
            password=entry["password"],
            port=entry.get("port", 993 if use_ssl else 143),
            ssl=use_ssl,
            folder=entry.get("folder", "INBOX"),
            after=entry.get("after", "seen"),
        )
        if not 0 < mailbox.port < 65536:
            raise SettingError(f"{where}.port must be between 1 and 65535, not {mailbox.port}")
        if mailbox.after not in AFTER_CHOICES:
            raise SettingError(f"{where}.after must be one of {', '.join(AFTER_CHOICES)}, not {mailbox.after!r}")
        if any(other.name == mailbox.name for other in mailboxes):
            raise SettingError(f"{where}.name {mailbox.name!r} is used twice")
        mailboxes.append(mailbox)
    return mailboxes


def configured_mailboxes() -> list[Mailbox]:
    """Read at call time, so tests and a long-running poller see the current environment."""
    raw = env_str(ENV_NAME).strip()
    return parse_mailboxes(raw) if raw else []


# --- Polling ---------------------------------------------------------------------------------------------------


def poll_all(mailboxes: list[Mailbox]) -> list[PollResult]:
    """Poll every mailbox at once, one worker thread each; a failing mailbox never holds up the others."""
    if not mailboxes:
        return []
    with ThreadPoolExecutor(len(mailboxes), thread_name_prefix="heartdesk-imap") as pool:
        return list(pool.map(_poll_in_worker, mailboxes))


def _poll_in_worker(mailbox: Mailbox) -> PollResult:
    try:
        return poll_mailbox(mailbox)
    except Exception as error:
        log.exception("imap %s: poll failed", mailbox.name)
        return PollResult(mailbox.name, error=f"{type(error).__name__}: {error}")
    finally:
        connections.close_all()  # this worker thread's own connection


def poll_mailbox(mailbox: Mailbox) -> PollResult:
    """One pass over the mailbox's UNSEEN UNFLAGGED messages; connection errors propagate to the caller."""
    result = PollResult(mailbox.name)
    client = _connect(mailbox)
    try:
        client.login(_quoted(mailbox.user), mailbox.password)
        _ok(client.select(_quoted(mailbox.folder)), "SELECT")
        uids = _ok(client.uid("SEARCH", "UNSEEN UNFLAGGED"), "SEARCH")[0].split()
        deleted = False
        for uid in uids:
            try:
                taken = _take(client, mailbox, uid.decode())
            except DatabaseError as error:
                result.error = f"database error, will retry: {error}"
                log.error("imap %s: uid %s left unseen, database error: %s", mailbox.name, uid.decode(), error)
                break
            if taken:
                result.accepted += 1
                deleted = deleted or mailbox.after == "delete"
            elif taken is False:
                result.set_aside += 1
        if deleted:
            client.expunge()
    finally:
        _logout(client)
    return result


def _take(client: imaplib.IMAP4, mailbox: Mailbox, uid: str) -> bool | None:
    """True when accepted and marked, False when set aside, None when the message is gone."""
    limit = settings.MAIL_MAX_BYTES
    typ, data = client.uid("FETCH", uid, "(RFC822.SIZE)")
    if typ != "OK":
        return _set_aside(client, mailbox, uid, f"server could not give its size ({typ} {_text(data)})")
    size_line = _fetch_line(data, uid)
    if size_line is None:
        return None  # expunged by someone else since the search
    found = _SIZE.search(size_line)
    if found is None:
        return _set_aside(client, mailbox, uid, "server gave no size")
    size = int(found.group(1))
    if size > limit:
        return _set_aside(client, mailbox, uid, f"size {size} is over the limit of {limit} bytes")

    typ, data = client.uid("FETCH", uid, "(BODY.PEEK[])")
    raw = _fetch_literal(data, uid) if typ == "OK" else None
    if raw is None:
        return _set_aside(client, mailbox, uid, f"server could not give the message ({typ} {_text(data)})")
    if not looks_like_message(raw):
        return _set_aside(client, mailbox, uid, "malformed message: no header block")
    try:
        inbound_store.accept(raw, source=mailbox.source, envelope_from="", recipients=[])
    except inbound_store.TooLarge as error:
        return _set_aside(client, mailbox, uid, str(error))
    # Committed: only now may the message leave the unseen set.
    flags = r"(\Seen \Deleted)" if mailbox.after == "delete" else r"(\Seen)"
    _ok(client.uid("STORE", uid, "+FLAGS.SILENT", flags), "STORE")
    return True


def _set_aside(client: imaplib.IMAP4, mailbox: Mailbox, uid: str, reason: str) -> bool:
    log.warning("imap %s: uid %s set aside (left unseen, flagged): %s", mailbox.name, uid, reason)
    _ok(client.uid("STORE", uid, "+FLAGS.SILENT", r"(\Flagged)"), "STORE")
    return False


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    if mailbox.ssl:
        return imaplib.IMAP4_SSL(
            mailbox.host, mailbox.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT_SECONDS
        )
    return imaplib.IMAP4(mailbox.host, mailbox.port, timeout=TIMEOUT_SECONDS)


def _logout(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        client.logout()


def _ok(response, command: str) -> list:
    typ, data = response
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{command} failed: {data!r}")
    return data


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fetch_line(data: list, uid: str) -> bytes | None:
    """The FETCH response line for `uid` (others may be unsolicited flag updates for other messages)."""
    for part in data:
        line = part[0] if isinstance(part, tuple) else part
        if isinstance(line, bytes) and (found := _UID.search(line)) and found.group(1).decode() == uid:
            return line
    return None


def _fetch_literal(data: list, uid: str) -> bytes | None:
    for part in data:
        if isinstance(part, tuple) and len(part) == 2 and _fetch_line([part[0]], uid) is not None:
            return part[1]
    return None


def _text(data: list) -> str:
    return b" ".join(part for part in data if isinstance(part, bytes)).decode("ascii", "replace")
