"""The scheduled manager reports: who gets which report, each claimed once, mailed through the send-once path.

`send_due_reports` is a periodic job (core/periodic.py, hourly). Each run looks at the one weekly and the one
monthly period that are due now (`reports.due_period`: ended, and past SEND_HOUR local time of the next day; never
an older period, so a worker that was down for a fortnight does not send a backlog). For each recipient it claims a
`ReportDelivery` row (unique per kind, period, recipient and team: an IntegrityError means another run has it) and
queues the email in the same transaction, so a delivery row always has its email and the email goes out once
(`OutboundEmail.key` is unique too). Running it twice, or on two workers at once, sends nothing more.

Recipients (docs/METRICS.md, "Manager reports"):
- every active support manager and, for the monthly report only, every active executive: the whole-desk report;
- every active user who manages a team (Team.manager): that team's report, one per team managed (a support manager
  who also leads a team gets both the whole-desk and the team report);
- administrators get none unless they manage a team: they can open any report at /reports/.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import task

from heartdesk.accounts.choices import Role
from heartdesk.accounts.models import Team, User
from heartdesk.messaging import outbox
from heartdesk.reporting import reports
from heartdesk.reporting.choices import ReportKind
from heartdesk.reporting.models import ReportDelivery

log = logging.getLogger(__name__)

WHOLE_DESK_ROLES = {
    ReportKind.WEEKLY: (Role.SUPPORT_MANAGER,),
    ReportKind.MONTHLY: (Role.SUPPORT_MANAGER, Role.EXECUTIVE),
}

WHY = {Role.SUPPORT_MANAGER: "are a support manager", Role.EXECUTIVE: "are an executive"}


def email_key(kind: str, period_start: dt.date, recipient_id: int, team_id: int | None = None) -> str:
    scope = f":team{team_id}" if team_id else ""
    return f"report:{kind}:{period_start.isoformat()}:{recipient_id}{scope}"


def recipients(kind: str) -> list[tuple[User, Team | None]]:
    """(person, team or None for the whole desk): the whole desk for its roles, and each team's report to its
    manager."""
    desk = User.objects.filter(is_active=True, role__in=WHOLE_DESK_ROLES[kind]).exclude(email="").order_by("pk")
    chosen: list[tuple[User, Team | None]] = [(user, None) for user in desk]
    teams = Team.objects.filter(manager__is_active=True).exclude(manager__email="").select_related("manager")
    chosen += [(team.manager, team) for team in teams.order_by("name", "pk")]
    return chosen


def deliver(*, kind: str, period: reports.ReportPeriod, recipient: User, report: reports.Report) -> bool:
    """Claim this person's report of this period and queue its email, in one transaction; False when it was
    already claimed (by an earlier run or another worker)."""
    key = email_key(kind, period.start, recipient.pk, report.team.pk if report.team else None)
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReportDelivery.objects.create(
                    kind=kind,
                    period_start=period.start,
                    period_end=period.end,
                    team=report.team,
                    recipient=recipient,
                    email_key=key,
                )
        except IntegrityError:
            return False
        outbox.queue_email(
            key=key,
            to=[recipient.email],
            subject=report.title,
            template="reporting/email/report",
            context={
                "report": report,
                "recipient": recipient,
                "links": report.links,
                "recipient_reason": WHY.get(recipient.role, "are on the list of report recipients"),
            },
            what="report",
        )
    return True


def reports_send_due(*, now: dt.datetime | None = None) -> int:
    """Send every manager report due at `now`; returns how many this call claimed."""
    now = now or timezone.now()
    sent = 0
    for kind in ReportKind:
        period = reports.due_period(kind, now=now)
        done = set(
            ReportDelivery.objects.filter(kind=kind, period_start=period.start).values_list("recipient_id", "team_id")
        )
        built: dict[int | None, reports.Report] = {}
        for recipient, team in recipients(kind):
            team_id = team.pk if team else None
            if (recipient.pk, team_id) in done:
                continue
            if team_id not in built:  # one report per team and period, however many read it
                built[team_id] = reports.build_report(kind=kind, period_start=period.start, team=team, now=now)
            if deliver(kind=kind, period=period, recipient=recipient, report=built[team_id]):
                sent += 1
    if sent:
        log.info("manager reports: %s queued", sent)
    return sent


@task()
def send_due_reports() -> int:
    return reports_send_due()
