"""The IMAP poller against a real (small) IMAP server on 127.0.0.1: imaplib speaks the real protocol to it.

The poller writes from its worker threads, so these tests commit (transaction=True).
"""

import json
import logging
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError

from heartdesk.core.env import SettingError
from heartdesk.tickets.mail.imap import Mailbox, parse_mailboxes, poll_all
from heartdesk.tickets.models import InboundMail
from heartdesk.tickets.tests.imap_server import ImapServer

LIMIT = 5_000


def message(n: int, body: str = "Hello") -> bytes:
    return (
        f"From: customer{n}@customer.test\r\nTo: support@hd.test\r\nSubject: Question {n}\r\n"
        f"Message-ID: <q{n}@customer.test>\r\n\r\n{body}\r\n"
    ).encode()


def mailbox(server: ImapServer, user: str, **options) -> Mailbox:
    return Mailbox(name=user, host="127.0.0.1", port=server.port, user=user, password="secret", ssl=False, **options)


def flags(server: ImapServer, user: str) -> dict[int, set[str]]:
    return {m.uid: m.flags for m in server.accounts[user].folders["INBOX"]}


def stored() -> dict[str, bytes]:
    return {mail.message_id: bytes(mail.raw) for mail in InboundMail.objects.all()}


# --- Configuration ---------------------------------------------------------------------------------------------

GOOD = {"name": "support", "host": "imap.hd.test", "user": "support@hd.test", "password": "pw"}


def test_it_reads_mailboxes_with_defaults():
    full = {**GOOD, "name": "billing", "port": 1143, "ssl": False, "folder": "Support/In", "after": "delete"}
    support, billing = parse_mailboxes(json.dumps([GOOD, full]))

    assert (support.port, support.ssl, support.folder, support.after) == (993, True, "INBOX", "seen")
    assert (billing.port, billing.ssl, billing.folder, billing.after) == (1143, False, "Support/In", "delete")
    assert support.source == "imap:support"
    assert "pw" not in repr(support)


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ("{not json", "HEARTDESK_IMAP_MAILBOXES is not valid JSON"),
        (json.dumps(GOOD), "must be a JSON list of mailboxes"),
        (json.dumps(["support"]), "HEARTDESK_IMAP_MAILBOXES[0] must be an object"),
        (json.dumps([{**GOOD, "pasword": "x"}]), "HEARTDESK_IMAP_MAILBOXES[0] has an unknown key 'pasword'"),
        (json.dumps([{k: v for k, v in GOOD.items() if k != "host"}]), "[0] is missing the key 'host'"),
        (json.dumps([{**GOOD, "port": "993"}]), "HEARTDESK_IMAP_MAILBOXES[0].port must be int, not '993'"),
        (json.dumps([{**GOOD, "port": True}]), "[0].port must be int, not True"),
        (json.dumps([{**GOOD, "port": 0}]), "[0].port must be between 1 and 65535"),
        (json.dumps([{**GOOD, "ssl": "yes"}]), "[0].ssl must be bool, not 'yes'"),
        (json.dumps([{**GOOD, "after": "move"}]), "[0].after must be one of seen, delete, not 'move'"),
        (json.dumps([{**GOOD, "host": " "}]), "[0].host must not be empty"),
        (json.dumps([GOOD, GOOD]), "HEARTDESK_IMAP_MAILBOXES[1].name 'support' is used twice"),
    ],
)
def test_it_names_the_bad_key_in_the_configuration(config, error):
    with pytest.raises(SettingError) as raised:
        parse_mailboxes(config)
    assert error in str(raised.value)


# --- Polling ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_mailboxes_are_polled_in_parallel_and_bad_messages_set_aside(settings, caplog):
    settings.MAIL_MAX_BYTES = LIMIT
    # Both logins must meet at the server, so a poller taking the mailboxes one after the other fails here.
    with ImapServer(rendezvous=2) as server:
        support = server.account("support")
        ok1 = support.add(message(1))
        huge = support.add(message(2, body="x" * LIMIT))
        ok2 = support.add(message(3))
        billing = server.account("billing")
        ok3 = billing.add(message(4))
        broken = billing.add(b"no header block, just words\r\n")
        unreadable = billing.add(message(5))
        ok4 = billing.add(message(6))
        old = billing.add(message(7), flags=[r"\Seen"])
        server.unreadable.add(("billing", unreadable))
        boxes = [mailbox(server, "support"), mailbox(server, "billing")]

        with caplog.at_level(logging.WARNING, logger="heartdesk.mail"):
            first = poll_all(boxes)
        fetched_once = list(server.body_fetches)
        second = poll_all(boxes)

        assert [(r.mailbox, r.accepted, r.set_aside, r.error) for r in first] == [
            ("support", 2, 1, ""),
            ("billing", 2, 2, ""),
        ]
        assert stored() == {f"q{n}@customer.test": message(n) for n in (1, 3, 4, 6)}
        assert set(InboundMail.objects.values_list("source", flat=True)) == {"imap:support", "imap:billing"}
        assert flags(server, "support") == {ok1: {r"\Seen"}, huge: {r"\Flagged"}, ok2: {r"\Seen"}}
        assert flags(server, "billing") == {
            ok3: {r"\Seen"},
            broken: {r"\Flagged"},
            unreadable: {r"\Flagged"},
            ok4: {r"\Seen"},
            old: {r"\Seen"},
        }
        assert ("support", huge) not in fetched_once  # its size was enough to refuse it
        assert sorted(fetched_once) == sorted(
            [("support", ok1), ("support", ok2), ("billing", ok3), ("billing", broken), ("billing", ok4)]
        )
        assert [(r.accepted, r.set_aside, r.error) for r in second] == [(0, 0, ""), (0, 0, "")]
        assert server.body_fetches == fetched_once  # nothing fetched twice
    assert InboundMail.objects.count() == 4
    assert f"uid {huge} set aside (left unseen, flagged): size" in caplog.text
    assert "malformed message: no header block" in caplog.text
    assert "server could not give the message (NO" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_after_delete_expunges_only_what_was_accepted(settings):
    settings.MAIL_MAX_BYTES = LIMIT
    with ImapServer() as server:
        support = server.account("support")
        support.add(message(1))
        huge = support.add(message(2, body="x" * LIMIT))
        support.add(message(3))

        [result] = poll_all([mailbox(server, "support", after="delete")])

        assert (result.accepted, result.set_aside) == (2, 1)
        assert flags(server, "support") == {huge: {r"\Flagged"}}
    assert InboundMail.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_database_failure_leaves_the_message_unseen_for_the_next_poll(monkeypatch):
    def database_down(**fields):
        raise OperationalError("database is locked")

    with ImapServer() as server:
        uid = server.account("support").add(message(1))
        box = mailbox(server, "support")
        with monkeypatch.context() as patch:
            patch.setattr(InboundMail.objects, "create", database_down)
            [failed] = poll_all([box])
        assert "database is locked" in failed.error
        assert flags(server, "support") == {uid: set()}

        [retried] = poll_all([box])

        assert (retried.accepted, retried.error) == (1, "")
        assert flags(server, "support") == {uid: {r"\Seen"}}
    assert list(stored()) == ["q1@customer.test"]


@pytest.mark.django_db(transaction=True)
def test_a_mailbox_that_fails_to_log_in_does_not_stop_the_others():
    with ImapServer() as server:
        server.account("support").add(message(1))
        server.account("billing", password="other")

        results = poll_all([mailbox(server, "support"), mailbox(server, "billing")])

    assert (results[0].accepted, results[0].error) == (1, "")
    assert "AUTHENTICATIONFAILED" in results[1].error
    assert InboundMail.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_mail_poll_once_polls_the_configured_mailboxes(monkeypatch):
    with ImapServer() as server:
        server.account("support").add(message(1))
        config = [
            {**GOOD, "host": "127.0.0.1", "port": server.port, "ssl": False, "user": "support", "password": "secret"}
        ]
        monkeypatch.setenv("HEARTDESK_IMAP_MAILBOXES", json.dumps(config))
        out = StringIO()

        call_command("mail-poll", once=True, stdout=out)

    assert "mail-poll: support: 1 accepted, 0 set aside" in out.getvalue()
    assert InboundMail.objects.get().source == "imap:support"


def test_mail_poll_refuses_a_bad_configuration(monkeypatch):
    monkeypatch.setenv("HEARTDESK_IMAP_MAILBOXES", json.dumps([{**GOOD, "after": "archive"}]))
    with pytest.raises(CommandError, match=r"HEARTDESK_IMAP_MAILBOXES\[0\]\.after must be one of"):
        call_command("mail-poll", once=True)
