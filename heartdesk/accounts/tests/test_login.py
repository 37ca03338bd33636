from django.test import Client

from heartdesk.accounts.choices import Role
from heartdesk.conftest import PASSWORD


def test_a_user_logs_in_and_lands_on_the_ticket_queue(cast):
    client = Client()
    response = client.post("/accounts/login/", {"username": "agent", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/tickets/"
    assert client.get("/customers/").status_code == 200


def test_passwords_are_hashed_with_argon2(cast):
    assert cast[Role.AGENT].password.startswith("argon2")


def test_a_wrong_password_says_so_without_saying_which_part(cast):
    response = Client().post("/accounts/login/", {"username": "agent", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_login_is_throttled_after_repeated_failures(cast, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "agent", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "agent", "password": PASSWORD})
    assert locked.status_code == 429
    assert b"Too many failed log-ins" in locked.content
    # another user from the same address is not locked out
    assert client.post("/accounts/login/", {"username": "admin", "password": PASSWORD}).status_code == 302


def test_pages_need_a_login(db):
    response = Client().get("/customers/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
