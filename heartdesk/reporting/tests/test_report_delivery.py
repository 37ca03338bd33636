"""The scheduled manager reports: who receives which report, once, and the whole path unattended: the periodic
tick enqueues the job, the worker builds and queues the mail, and it arrives over real SMTP with its HTML part."""

import datetime as dt

import pytest
from django.utils import timezone

from heartdesk.accounts import services as accounts
from heartdesk.accounts.choices import Role
from heartdesk.core import periodic
from heartdesk.core.models import PeriodicJob
from heartdesk.messaging.models import OutboundEmail
from heartdesk.reporting import report_tasks, reports
from heartdesk.reporting.models import ReportDelivery
from heartdesk.reporting.tests.test_reports import AFTER, report_presets  # noqa: F401  (autouse fixture)
from heartdesk.surveys.tests.answers import answered
from heartdesk.tickets.tests.factories import MONDAY_10

pytestmark = pytest.mark.django_db
FIRST_OF_DECEMBER = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)  # both November and the week of 23 Nov are due


@pytest.fixture
def teams(cast):
    """Alpha led by a specialist, Beta by the support manager, Gamma by nobody."""
    lead = accounts.user_create(username="lead", role=Role.SPECIALIST, email="lead@hd.test", actor=None)
    alpha = accounts.team_create(name="Alpha", manager=lead, actor=None)
    beta = accounts.team_create(name="Beta", manager=cast[Role.SUPPORT_MANAGER], actor=None)
    accounts.team_create(name="Gamma", actor=None)
    return {"lead": lead, "alpha": alpha, "beta": beta}


def deliveries(kind):
    return {(d.recipient.username, d.team.name if d.team else None) for d in ReportDelivery.objects.filter(kind=kind)}


def test_support_managers_get_the_desk_team_managers_their_team_and_executives_the_month(teams):
    assert report_tasks.reports_send_due(now=FIRST_OF_DECEMBER) == 7
    assert deliveries("weekly") == {("support_manager", None), ("support_manager", "Beta"), ("lead", "Alpha")}
    assert deliveries("monthly") == {
        ("support_manager", None),
        ("support_manager", "Beta"),
        ("executive", None),
        ("lead", "Alpha"),
    }
    weekly = ReportDelivery.objects.get(kind="weekly", recipient=teams["lead"])
    assert (weekly.period_start, weekly.period_end) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    monthly = ReportDelivery.objects.get(kind="monthly", recipient=teams["lead"])
    assert (monthly.period_start, monthly.period_end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def test_each_delivery_has_its_email_and_running_again_sends_nothing(teams):
    report_tasks.reports_send_due(now=FIRST_OF_DECEMBER)
    assert report_tasks.reports_send_due(now=FIRST_OF_DECEMBER) == 0
    assert report_tasks.reports_send_due(now=FIRST_OF_DECEMBER + dt.timedelta(hours=5)) == 0
    keys = sorted(ReportDelivery.objects.values_list("email_key", flat=True))
    assert keys == sorted(OutboundEmail.objects.filter(key__startswith="report:").values_list("key", flat=True))
    lead = teams["lead"]
    mail = OutboundEmail.objects.get(key=f"report:weekly:2026-11-23:{lead.pk}:team{teams['alpha'].pk}")
    assert mail.to == ["lead@hd.test"] and mail.subject.startswith("Weekly report: Alpha")
    assert "/reports/weekly/2026-11-23/?team=" in mail.body_text and "report.xlsx" in mail.body_html


def test_a_claim_already_taken_by_another_worker_is_skipped(teams):
    manager = teams["beta"].manager
    period = reports.due_period("weekly", now=AFTER)
    report = reports.build_report(kind="weekly", period_start=period.start, now=AFTER)
    assert report_tasks.deliver(kind="weekly", period=period, recipient=manager, report=report) is True
    assert report_tasks.deliver(kind="weekly", period=period, recipient=manager, report=report) is False
    assert OutboundEmail.objects.filter(key__startswith="report:weekly").count() == 1


def test_nothing_is_sent_before_06_00_on_monday_for_the_week_just_ended(teams):
    report_tasks.reports_send_due(now=AFTER)  # owes 16–22 Nov
    assert report_tasks.reports_send_due(now=dt.datetime(2026, 11, 30, 5, 59, tzinfo=dt.UTC)) == 0
    assert not ReportDelivery.objects.filter(period_start=dt.date(2026, 11, 23)).exists()
    assert report_tasks.reports_send_due(now=dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)) == 3  # the next week


def test_inactive_people_and_people_without_an_address_get_nothing(cast, teams):
    accounts.user_create(username="gone", role=Role.SUPPORT_MANAGER, email="gone@hd.test", actor=None)
    from heartdesk.accounts.models import User

    User.objects.filter(username="gone").update(is_active=False)  # (no deactivation service to call in tests)
    accounts.user_create(username="noaddress", role=Role.SUPPORT_MANAGER, actor=None)
    report_tasks.reports_send_due(now=AFTER)
    assert {"gone", "noaddress"}.isdisjoint({u for u, _ in deliveries("weekly")})


def test_the_job_is_on_the_schedule_hourly():
    assert periodic.SCHEDULE["manager_reports"] == ("heartdesk.reporting.report_tasks.send_due_reports", 3600)


@pytest.mark.django_db(transaction=True)
def test_the_weekly_report_reaches_the_support_manager_over_smtp_with_no_one_acting(cast, smtp_sink, run_jobs):
    """Real time, real queue, real SMTP: the first tick after the week's report is due sends it, once."""
    team = accounts.team_create(name="Desk", manager=cast[Role.SUPPORT_MANAGER], actor=None)
    due = reports.due_period("weekly")
    answered(
        agent=cast[Role.AGENT],
        team=team,
        csat=5,
        solved_at=dt.datetime.combine(due.start, MONDAY_10.timetz()),
    )
    manager = cast[Role.SUPPORT_MANAGER]

    assert "manager_reports" in periodic.tick()
    run_jobs()  # the tick's jobs: builds and queues the reports
    run_jobs()  # the queued mail

    mine = [m for m in smtp_sink.messages if m["To"] == manager.email and "Weekly report: Whole desk" in m["Subject"]]
    assert len(mine) == 1
    assert [m for m in smtp_sink.messages if m["To"] == manager.email and "Weekly report: Desk" in m["Subject"]]
    html = mine[0].get_body(("html",)).get_content()
    assert "Consistently high" in html or "Needs support" in html
    assert f"/reports/weekly/{due.start.isoformat()}/report.csv" in html
    assert mine[0]["Auto-Submitted"] == "auto-generated"

    PeriodicJob.objects.filter(name="manager_reports").update(next_run_at=timezone.now())  # an hour later
    assert "manager_reports" in periodic.tick()
    run_jobs()
    run_jobs()
    again = [m for m in smtp_sink.messages if m["To"] == manager.email and "Weekly report" in m["Subject"]]
    assert len(again) == 2  # the whole desk's and the team's, once each
    assert ReportDelivery.objects.filter(kind="weekly", recipient=manager).count() == 2


def test_a_manager_of_two_teams_gets_each_teams_report(cast, teams):
    accounts.team_create(name="Delta", manager=teams["lead"], actor=None)
    report_tasks.reports_send_due(now=AFTER)
    assert {t for u, t in deliveries("weekly") if u == "lead"} == {"Alpha", "Delta"}
    assert report_tasks.reports_send_due(now=AFTER) == 0
