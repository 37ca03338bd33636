from heartdesk.accounts.choices import Role
from heartdesk.accounts.models import Team, User


def test_an_admin_adds_a_user_with_a_role_and_team_through_the_api(api):
    team = api[Role.ADMIN].post("teams", {"name": "Service Desk"}).json()
    response = api[Role.ADMIN].post(
        "users",
        {
            "username": "kim",
            "role": "specialist",
            "password": "a long enough secret",
            "team_ids": [team["id"]],
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["role"] == "specialist" and body["teams"] == [{"id": team["id"], "name": "Service Desk"}]


def test_only_admins_add_users(api):
    before = User.objects.count()
    for role in (Role.AGENT, Role.SUPPORT_MANAGER, Role.EXECUTIVE):
        assert api[role].post("users", {"username": f"x{role}", "role": "agent"}).status_code == 403
    assert User.objects.count() == before


def test_user_input_errors_name_the_field(api):
    api_admin = api[Role.ADMIN]
    bad_role = api_admin.post("users", {"username": "kim", "role": "wizard"})
    assert bad_role.status_code == 422 and bad_role.json()["errors"][0]["field"] == "role"
    dup = api_admin.post("users", {"username": "agent", "role": "agent"})
    assert dup.status_code == 409 and dup.json()["errors"][0]["field"] == "username"
    no_team = api_admin.post("users", {"username": "kim", "role": "agent", "team_ids": [999]})
    assert no_team.status_code == 422 and no_team.json()["errors"][0]["field"] == "team_ids"
    assert not User.objects.filter(username="kim").exists()


def test_support_managers_run_teams_and_duplicates_conflict(api):
    manager = api[Role.SUPPORT_MANAGER]
    assert manager.post("teams", {"name": "Level 2"}).status_code == 201
    assert manager.post("teams", {"name": "level 2"}).status_code == 409
    assert api[Role.AGENT].post("teams", {"name": "Rogue"}).status_code == 403
    team = Team.objects.get(name="Level 2")
    assert manager.put(f"teams/{team.pk}", {"name": "Level Two"}).json()["name"] == "Level Two"
    assert manager.delete(f"teams/{team.pk}").status_code == 204
    assert manager.delete("teams/999").status_code == 404


def test_the_people_page_lists_staff_and_lets_an_admin_add_one(web):
    page = web[Role.AGENT].get("/accounts/people/")
    assert page.status_code == 200 and b"Add a staff user" not in page.content
    response = web[Role.ADMIN].post(
        "/accounts/people/",
        {"kind": "user", "user-username": "lee", "user-role": "engineer", "user-password": ""},
    )
    assert response.status_code == 302
    assert User.objects.get(username="lee").role == Role.ENGINEER
