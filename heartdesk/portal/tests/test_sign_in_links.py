"""Single-use sign-in links kept in the database, the purge of old rows, and the sign-in page's header."""

import datetime as dt
import secrets
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from heartdesk.core import jobs, periodic
from heartdesk.portal import services, tokens
from heartdesk.portal.models import UsedSignInLink
from heartdesk.portal.tests.test_portal import _post, signed_in
from heartdesk.portal.views import SESSION_KEY
from heartdesk.tickets.tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ann(db):
    return factories.contact("ann@acme.example")


def _expired_token(contact, monkeypatch, minutes_ago=31):
    real = time.time
    monkeypatch.setattr(signing.time, "time", lambda: real() - minutes_ago * 60)
    token, _ = tokens.make(contact)
    monkeypatch.setattr(signing.time, "time", real)
    return token


def test_a_link_signs_in_once_and_records_one_used_row(ann):
    token, _ = tokens.make(ann)
    assert services.sign_in_link_use(token) == ann
    assert UsedSignInLink.objects.count() == 1
    with pytest.raises(tokens.UsedToken, match="already been used"):
        services.sign_in_link_use(token)
    with pytest.raises(tokens.UsedToken):
        services.sign_in_link_check(token)
    assert UsedSignInLink.objects.count() == 1


def test_a_used_link_stays_used_after_the_cache_is_cleared(ann):
    token, _ = tokens.make(ann)
    first = Client(enforce_csrf_checks=True)
    assert _post(first, f"/portal/sign-in/{token}").status_code == 302
    cache.clear()  # a restart, an outage, or a second cache that never saw the first use
    again = Client(enforce_csrf_checks=True)
    assert again.get(f"/portal/sign-in/{token}").status_code == 410
    response = _post(again, f"/portal/sign-in/{token}")
    assert response.status_code == 410 and "already been used" in response.content.decode()
    assert SESSION_KEY not in again.session


def test_two_links_for_one_contact_are_used_up_separately(ann):
    one, _ = tokens.make(ann)
    two, _ = tokens.make(ann)
    services.sign_in_link_use(one)
    assert services.sign_in_link_check(two) == ann
    assert services.sign_in_link_use(two) == ann
    assert UsedSignInLink.objects.count() == 2


def test_an_expired_link_is_refused_and_records_nothing(ann, monkeypatch):
    token = _expired_token(ann, monkeypatch)
    with pytest.raises(tokens.ExpiredToken, match="expired"):
        services.sign_in_link_use(token)
    response = _post(Client(enforce_csrf_checks=True), f"/portal/sign-in/{token}")
    assert response.status_code == 410 and "This sign-in link has expired." in response.content.decode()
    assert not UsedSignInLink.objects.exists()


def test_a_tampered_link_gets_a_clear_400_page_and_records_nothing(ann):
    token, _ = tokens.make(ann)
    signed, _, signature = token.rpartition(":")
    someone_elses, _ = tokens.make(factories.contact("eve@globex.example"))
    flipped = signed + ":" + ("A" if signature[0] != "A" else "B") + signature[1:]
    spliced = someone_elses.rpartition(":")[0] + ":" + signature  # another contact's payload, ann's signature
    for bad in (flipped, spliced, "nonsense"):
        client = Client(enforce_csrf_checks=True)
        for response in (client.get(f"/portal/sign-in/{bad}"), _post(client, f"/portal/sign-in/{bad}")):
            body = response.content.decode()
            assert response.status_code == 400
            assert "This link cannot sign you in" in body and "This sign-in link is not valid." in body
        assert SESSION_KEY not in client.session
    assert not UsedSignInLink.objects.exists()
    assert services.sign_in_link_use(token) == ann  # the real link was not spent by the forgeries


def test_a_link_for_a_contact_removed_since_is_refused_and_records_nothing(ann):
    from heartdesk.customers import services as customers

    token, _ = tokens.make(ann)
    customers.contact_delete(contact=ann, actor=None)
    with pytest.raises(tokens.BadToken):
        services.sign_in_link_use(token)
    assert not UsedSignInLink.objects.exists()


# --- The purge ------------------------------------------------------------------------------------------------


def _used(at):
    return UsedSignInLink.objects.create(nonce_digest=secrets.token_hex(32), used_at=at)


def test_the_purge_deletes_only_rows_older_than_the_link_lifetime_and_its_margin(settings):
    settings.PORTAL_LINK_MINUTES = 30
    now = timezone.now()
    keep_window = dt.timedelta(minutes=30) + services.PURGE_MARGIN
    old = _used(now - keep_window - dt.timedelta(seconds=1))
    ancient = _used(now - dt.timedelta(days=3))
    edge = _used(now - keep_window + dt.timedelta(seconds=1))
    fresh = _used(now - dt.timedelta(minutes=1))
    assert services.used_sign_in_links_purge(now=now) == 2
    left = set(UsedSignInLink.objects.values_list("pk", flat=True))
    assert left == {edge.pk, fresh.pk} and not {old.pk, ancient.pk} & left
    assert services.used_sign_in_links_purge(now=now) == 0


def test_a_link_used_just_now_is_still_refused_after_a_purge(ann):
    token, _ = tokens.make(ann)
    services.sign_in_link_use(token)
    services.used_sign_in_links_purge()
    with pytest.raises(tokens.UsedToken):
        services.sign_in_link_use(token)


def test_the_purge_is_a_periodic_job_that_runs_on_a_worker(run_jobs):
    assert periodic.SCHEDULE["portal_used_links"][0] == "heartdesk.portal.tasks.purge_used_sign_in_links"
    _used(timezone.now() - dt.timedelta(days=1))
    fresh = _used(timezone.now())
    assert "portal_used_links" in periodic.tick()
    run_jobs()
    assert list(UsedSignInLink.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert jobs.task_named(periodic.SCHEDULE["portal_used_links"][0]).call() == 0


# --- Sign out only for a signed-in contact --------------------------------------------------------------------


def test_the_sign_in_confirmation_page_has_no_sign_out_or_navigation(ann):
    token, _ = tokens.make(ann)
    body = Client().get(f"/portal/sign-in/{token}").content.decode()
    assert "Sign in to the support portal" in body
    assert "Sign out" not in body and "/portal/sign-out" not in body and "My requests" not in body
    assert "ann@acme.example" not in body  # whoever holds the link learns nothing about its owner


def test_sign_out_appears_once_signed_in_and_not_on_public_pages(ann):
    client = signed_in(ann)
    assert "Sign out" in client.get("/portal/requests/").content.decode()
    for url in ("/portal/", "/portal/sent"):
        assert "Sign out" not in Client().get(url).content.decode(), url
