import datetime as dt

from heartdesk.accounts.choices import Role
from heartdesk.calendars.models import BusinessCalendar, CalendarClosure
from heartdesk.tickets.models import SlaPolicy
from heartdesk.tickets.sla import services as settings_services

MANAGER = Role.SUPPORT_MANAGER


def _calendar_post(**extra):
    data = {"name": "Berlin", "time_zone": "Europe/Berlin", "holiday_country": "DE", "holiday_subdivision": ""}
    data.update({"monday": "09:00-12:00, 13:00-17:30", "tuesday": "09:00-17:00"})
    return {**data, **extra}


def test_agents_cannot_open_the_settings(web):
    assert web[Role.AGENT].get("/tickets/settings/policies/").status_code == 403


def test_the_settings_pages_render_for_a_manager(web):
    policy = SlaPolicy.objects.get(is_default=True)
    calendar = BusinessCalendar.objects.first()
    for url in (
        "/tickets/settings/policies/",
        f"/tickets/settings/policies/{policy.pk}/",
        "/tickets/settings/calendars/",
        f"/tickets/settings/calendars/{calendar.pk}/",
        "/tickets/settings/escalation-rules/",
        "/tickets/settings/canned-responses/",
        "/tickets/settings/mail-log/",
    ):
        assert web[MANAGER].get(url).status_code == 200, url
    assert b"SLA &amp; rules" in web[MANAGER].get("/tickets/settings/policies/").content


def test_the_calendar_page_saves_split_windows_and_a_closure(web):
    calendar = BusinessCalendar.objects.get(name="Business hours")
    url = f"/tickets/settings/calendars/{calendar.pk}/"
    response = web[MANAGER].post(url, _calendar_post())
    assert response.status_code == 302, response.content.decode()[:2000]
    calendar.refresh_from_db()
    assert calendar.windows == {"0": [["09:00", "12:00"], ["13:00", "17:30"]], "1": [["09:00", "17:00"]]}
    assert calendar.holiday_country == "DE"
    closure = {"kind": "closure", "closure-date": "2026-12-24", "closure-starts": "12:00", "closure-ends": "24:00"}
    assert web[MANAGER].post(url, closure).status_code == 302
    saved = CalendarClosure.objects.get(calendar=calendar)
    assert saved.date == dt.date(2026, 12, 24) and saved.starts == dt.time(12, 0)


def test_a_backwards_window_shows_a_field_error(web):
    calendar = BusinessCalendar.objects.get(name="Business hours")
    before = dict(calendar.windows)
    response = web[MANAGER].post(f"/tickets/settings/calendars/{calendar.pk}/", _calendar_post(monday="17:00-09:00"))
    assert response.status_code == 200
    assert "ends before it starts" in response.context["form"].errors["monday"][0]
    calendar.refresh_from_db()
    assert calendar.windows == before


def test_an_unknown_time_zone_shows_beside_its_field(web):
    calendar = BusinessCalendar.objects.get(name="Business hours")
    response = web[MANAGER].post(f"/tickets/settings/calendars/{calendar.pk}/", _calendar_post(time_zone="Mars/Base"))
    assert "time_zone" in response.context["form"].errors


def test_the_policy_grid_saves_any_and_scoped_rows(web, cast):
    policy = settings_services.policy_save(name="Grid", targets=[], actor=cast[MANAGER])
    data = {
        "name": "Grid",
        "position": "50",
        "active": "on",
        "at_risk_share": "0.8",
        "pause_when_pending": "on",
        "any-p1-first_response_minutes": "15",
        "any-p1-around_the_clock": "on",
        "any-p3-resolution_minutes": "480",
        "scoped-count": "2",
        "scoped-0-priority": "p1",
        "scoped-0-channel": "chat",
        "scoped-0-first_response_minutes": "1",
        "scoped-1-priority": "p3",
    }
    response = web[MANAGER].post(f"/tickets/settings/policies/{policy.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    cells = {(t.priority, t.channel): t for t in policy.targets.all()}
    assert set(cells) == {("p1", ""), ("p3", ""), ("p1", "chat")}
    assert cells[("p1", "")].around_the_clock and cells[("p3", "")].resolution_minutes == 480
    bad = {**data, "scoped-count": "1", "scoped-0-first_response_minutes": "soon"}
    response = web[MANAGER].post(f"/tickets/settings/policies/{policy.pk}/", bad)
    assert response.status_code == 200
    assert response.context["grid_errors"] == {
        "scoped-0-first_response_minutes": "Whole minutes, or blank for no target."
    }
    assert policy.targets.count() == 3


def test_canned_responses_are_added_from_the_page(web):
    response = web[MANAGER].post(
        "/tickets/settings/canned-responses/", {"title": "Thanks", "body": "Thank you!", "position": "5"}
    )
    assert response.status_code == 302
    assert b"Thanks" in web[MANAGER].get("/tickets/settings/canned-responses/").content
