from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from heartdesk.accounts.choices import Role
from heartdesk.accounts.models import ApiToken


def test_a_token_from_the_command_opens_the_api(cast, client, capsys):
    call_command("token", "create", "agent")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("hd_")
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200
    assert response.json()["username"] == "agent"
    # only the hash is stored
    assert not ApiToken.objects.filter(digest=raw).exists()


def test_tokens_are_listed_and_revoked_from_the_command(cast, client, capsys):
    call_command("token", "create", "agent", "--name", "crm")
    raw = capsys.readouterr().out.strip()
    call_command("token", "list", "agent")
    listing = capsys.readouterr().out
    assert "crm" in listing and "active" in listing
    token = ApiToken.objects.get()
    call_command("token", "revoke", str(token.pk))
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_an_expired_token_is_refused(cast, client, api):
    token = ApiToken.objects.get(user=cast[Role.AGENT])
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {api[Role.AGENT].token}")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


def test_a_missing_or_garbled_token_is_a_401_problem(db, client):
    assert client.get("/api/v1/contacts").status_code == 401
    response = client.get("/api/v1/contacts", HTTP_AUTHORIZATION="Bearer hd_nonsense")
    assert response.status_code == 401
    assert response.json()["status"] == 401


def test_tokens_are_made_listed_and_revoked_through_the_api(api, cast):
    agent = api[Role.AGENT]
    created = agent.post("tokens", {"name": "zapier", "days": 30})
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("hd_") and body["is_active"]
    names = [t["name"] for t in agent.get("tokens").json()]
    assert "zapier" in names
    assert agent.delete(f"tokens/{body['id']}").status_code == 204
    assert agent.client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}").status_code == 401


def test_an_agent_cannot_see_or_revoke_another_users_token(api, cast):
    other = api[Role.SPECIALIST].post("tokens", {"name": "theirs"}).json()
    assert other["id"] not in [t["id"] for t in api[Role.AGENT].get("tokens").json()]
    assert api[Role.AGENT].delete(f"tokens/{other['id']}").status_code == 404
    assert api[Role.AGENT].post("tokens", {"name": "x", "user_id": cast[Role.ADMIN].pk}).status_code == 403


def test_bad_token_input_names_the_field(api):
    response = api[Role.AGENT].post("tokens", {"name": "", "days": 0})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"name", "days"} <= fields


def test_the_tokens_page_shows_a_new_token_once(web):
    page = web[Role.AGENT].post("/accounts/tokens/", {"name": "laptop", "days": 10})
    assert page.status_code == 200
    assert b'data-testid="new-token"' in page.content
    again = web[Role.AGENT].get("/accounts/tokens/")
    assert b'data-testid="new-token"' not in again.content and b"laptop" in again.content
