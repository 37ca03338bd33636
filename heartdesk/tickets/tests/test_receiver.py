"""The SMTP/LMTP receiver, started for real on a free port and spoken to with smtplib.

The receiver writes from its own database threads, so these tests commit (transaction=True).
"""

import logging
import smtplib
import threading

import pytest
from django.db import OperationalError

from heartdesk.tickets.mail.receiver import Receiver
from heartdesk.tickets.models import InboundMail

pytestmark = pytest.mark.django_db(transaction=True)

SENDER = "ann@customer.test"


def message(subject: str = "Printer on fire", message_id: str = "printer-1@customer.test", body: str = "") -> bytes:
    """A message as a mail server sends it: CRLF line endings (the receiver stores them unchanged)."""
    text = (
        f"From: Ann <{SENDER}>\nTo: support@hd.test\nSubject: {subject}\nMessage-ID: <{message_id}>\n\n"
        f"Hello,\n.a line that starts with a dot\n{body}\n"
    )
    return text.replace("\n", "\r\n").encode()


@pytest.fixture
def receiver():
    """start(**options) -> (host, port) of a receiver listening on a free port, stopped after the test."""
    started = []

    def start(**options):
        running = Receiver(host="127.0.0.1", port=0, **options)
        started.append(running)
        return running.start()

    yield start
    for running in started:
        running.stop()


def send(client, raw: bytes, recipients=("support@hd.test",)):
    client.ehlo_or_helo_if_needed()
    client.mail(SENDER)
    for recipient in recipients:
        assert client.rcpt(recipient)[0] == 250
    return client.data(raw)


def test_it_answers_250_after_storing_the_exact_bytes(receiver, settings):
    host, port = receiver()
    raw = message(body="caf\u00e9 8-bit body")
    with smtplib.SMTP(host, port) as client:
        client.ehlo()
        assert client.esmtp_features["size"] == str(settings.MAIL_MAX_BYTES)
        code, reply = send(client, raw)

    assert code == 250
    mail = InboundMail.objects.get()
    assert reply.decode() == f"OK: queued as {mail.pk}"
    assert bytes(mail.raw) == raw  # CRLF kept; the dot-stuffing undone
    assert mail.message_id == "printer-1@customer.test"
    assert (mail.source, mail.envelope_from, mail.recipients, mail.size) == (
        "smtp",
        SENDER,
        ["support@hd.test"],
        len(raw),
    )


def test_it_refuses_a_message_over_the_size_limit(receiver, settings, caplog):
    settings.MAIL_MAX_BYTES = 2000
    host, port = receiver()
    raw = message(body=("x" * 70 + "\n") * 40)
    with smtplib.SMTP(host, port) as client:
        code, reply = send(client, raw)  # no SIZE= declared: refused after the data
        assert (code, reply) == (552, b"5.3.4 Message too big")
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:  # SIZE= declared: refused at MAIL FROM
            client.sendmail(SENDER, ["support@hd.test"], raw)
        assert refused.value.smtp_code == 552

    assert not InboundMail.objects.exists()
    assert f"mail refused from <{SENDER}>" in caplog.text
    assert "message too big" in caplog.text


def test_it_refuses_a_message_without_a_header_block(receiver, caplog):
    host, port = receiver()
    with caplog.at_level(logging.WARNING, logger="heartdesk.mail"), smtplib.SMTP(host, port) as client:
        code, reply = send(client, b"just some words\r\n\r\nand no headers at all\r\n")

    assert (code, reply) == (550, b"5.6.0 Malformed message")
    assert not InboundMail.objects.exists()
    assert f"mail refused from <{SENDER}>" in caplog.text
    assert "malformed message" in caplog.text


def test_lmtp_answers_once_per_recipient(receiver):
    host, port = receiver(lmtp=True)
    with smtplib.LMTP(host, port) as client:
        client.ehlo()  # LHLO
        code, reply = send(client, message(), recipients=["support@hd.test", "billing@hd.test"])
        second = client.getreply()

    mail = InboundMail.objects.get()
    assert (code, reply) == (250, f"OK: queued as {mail.pk}".encode())
    assert second == (250, f"OK: queued as {mail.pk}".encode())
    assert (mail.source, mail.recipients) == ("lmtp", ["support@hd.test", "billing@hd.test"])


def test_lmtp_refuses_a_message_too_big_once_per_recipient(receiver, settings):
    settings.MAIL_MAX_BYTES = 500
    host, port = receiver(lmtp=True)
    with smtplib.LMTP(host, port) as client:
        client.ehlo()
        first = send(client, message(body="y" * 600), recipients=["support@hd.test", "billing@hd.test"])
        second = client.getreply()
        assert client.noop()[0] == 250  # the conversation is still in step

    assert first == second == (552, b"5.3.4 Message too big")
    assert not InboundMail.objects.exists()


def test_it_loses_none_of_200_messages_over_4_connections(receiver):
    host, port = receiver()
    failures = []

    def client_sends(worker: int):
        with smtplib.SMTP(host, port) as client:
            for n in range(50):
                code, _ = send(client, message(subject=f"#{worker}-{n}", message_id=f"m-{worker}-{n}@customer.test"))
                if code != 250:
                    failures.append(code)

    threads = [threading.Thread(target=client_sends, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert InboundMail.objects.count() == 200
    assert InboundMail.objects.values("message_id").distinct().count() == 200


def test_it_refuses_recipients_outside_our_domains(receiver, monkeypatch, caplog):
    monkeypatch.setenv("HEARTDESK_MAIL_DOMAINS", "hd.test, help.hd.test")
    host, port = receiver()
    with smtplib.SMTP(host, port) as client:
        client.ehlo()
        client.mail(SENDER)
        assert client.rcpt("someone@elsewhere.test") == (550, b"5.1.1 not a mailbox here")
        assert client.rcpt("Support@HD.test")[0] == 250
        assert client.data(message())[0] == 250

    assert InboundMail.objects.get().recipients == ["Support@HD.test"]
    assert "someone@elsewhere.test is not in our domains" in caplog.text


def test_a_database_failure_asks_the_sender_to_retry(receiver, monkeypatch, caplog):
    def database_down(**fields):
        raise OperationalError("database is locked")

    host, port = receiver()
    with smtplib.SMTP(host, port) as client:
        with monkeypatch.context() as patch:
            patch.setattr(InboundMail.objects, "create", database_down)
            assert send(client, message()) == (451, b"4.3.0 Try again later")
        assert send(client, message())[0] == 250  # the retry

    assert InboundMail.objects.count() == 1
    assert "database error, asked to retry: database is locked" in caplog.text
