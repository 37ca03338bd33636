import subprocess
import sys

from django.core.management import call_command
from django.test import Client

from heartdesk.config.secret import load_or_create_secret_key


def test_healthz_answers_without_login_and_checks_the_database(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_the_secret_key_is_made_once_and_kept(tmp_path):
    first = load_or_create_secret_key(tmp_path)
    assert len(first) > 40
    assert load_or_create_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {"HEARTDESK_HTTPS": "true", "HEARTDESK_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "heartdesk", "check", "--deploy", "--fail-level", "WARNING"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bad_setting_fails_loudly(tmp_path):
    env = {"HEARTDESK_DEBUG": "maybe", "HEARTDESK_DATA_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run([sys.executable, "-m", "heartdesk", "check"], capture_output=True, text=True, env=env)
    assert result.returncode != 0 and "HEARTDESK_DEBUG must be a boolean" in result.stderr


def test_the_demo_seeds_every_role_runs_once_and_fills_the_dashboard(db, capsys, settings, tmp_path, monkeypatch):
    from heartdesk.accounts.choices import Role
    from heartdesk.accounts.models import User
    from heartdesk.customers.models import Contact, Organization
    from heartdesk.reporting.filters import MetricsFilters
    from heartdesk.reporting.models import DirtyDay
    from heartdesk.reporting.selectors import metrics, metrics_from_scratch
    from heartdesk.surveys.choices import FollowUpState
    from heartdesk.surveys.models import FollowUp
    from heartdesk.tickets import demo as tickets_demo
    from heartdesk.tickets.models import Ticket

    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(tickets_demo, "TICKETS", 200)  # the same ninety days, thinner, so the test stays quick
    call_command("demo", organizations=20, contacts=50)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    assert Organization.objects.count() == 20 and Contact.objects.count() >= 45
    assert "admin" in (tmp_path / "demo-login.txt").read_text()
    assert Ticket.objects.count() == 200
    assert not DirtyDay.objects.exists()  # the roll-ups are up to date: the first dashboard load only reads
    figures = metrics(MetricsFilters()).figures
    for key in ("csat", "nps", "fcr", "resolution_time", "sla_first_response", "response_rate"):
        assert figures[key].n > 0, key
    assert 60 <= figures["csat"].value <= 100 and 40 <= figures["fcr"].value <= 95
    assert FollowUp.objects.filter(state=FollowUpState.CLOSED).exists()
    assert figures == metrics_from_scratch(MetricsFilters()).figures
    call_command("demo")
    assert "already there" in capsys.readouterr().out


def test_every_periodic_job_names_a_real_task():
    from django_tasks.base import Task

    from heartdesk.core import jobs, periodic

    for name, (path, every) in periodic.SCHEDULE.items():
        assert isinstance(jobs.task_named(path), Task), name
        assert every >= 30, name
