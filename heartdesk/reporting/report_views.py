"""The manager reports' pages: the list of recent periods, one report as HTML, and its CSV and XLSX downloads.

Thin adapters over `reports.build_report`. A bad address is answered plainly: an unknown kind or team is a 404, a
date that is not a period's first day (or a period not over yet) a 400 naming the problem; never a 500.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from heartdesk.accounts import policy
from heartdesk.accounts.models import Team
from heartdesk.core.errors import DomainError, NotFound
from heartdesk.reporting import report_exports, reports
from heartdesk.reporting.choices import ReportKind

RECENT = {ReportKind.WEEKLY: 8, ReportKind.MONTHLY: 6}


def _visible_teams(user):
    if policy.can(user, policy.METRICS_VIEW):
        return Team.objects.order_by("name")
    return Team.objects.filter(manager=user).order_by("name")


def _refuse_outsiders(user) -> None:
    """Before reading the address: someone who may see no report at all learns nothing about it."""
    if not policy.can_view_reports(user):
        policy.require(user, policy.METRICS_VIEW)


def _bad_request(request, message: str):
    return render(request, "reporting/report_error.html", {"message": message}, status=400)


def _report(request, kind: str, start: str) -> reports.Report:
    """Raises Http404, DomainError (400) or PermissionDenied."""
    try:
        return reports.report_for(user=request.user, kind=kind, period_start=start, team=request.GET.get("team"))
    except NotFound as exc:
        raise Http404(exc.message) from None


@login_required
def index(request):
    _refuse_outsiders(request.user)
    teams = list(_visible_teams(request.user))
    whole_desk = policy.can(request.user, policy.METRICS_VIEW)
    selected = None
    try:
        selected = reports.team_for(request.GET.get("team"))
    except DomainError:
        selected = None
    if selected is not None and selected not in teams:
        selected = None
    if selected is None and not whole_desk:
        selected = teams[0]
    sections = [
        (kind, [(p, p.start.isoformat()) for p in reports.recent_periods(kind, RECENT[kind])]) for kind in ReportKind
    ]
    context = {
        "sections": sections,
        "teams": teams,
        "selected": selected,
        "whole_desk": whole_desk,
        "query": f"?team={selected.pk}" if selected else "",
        "send_hour": reports.SEND_HOUR,
    }
    return render(request, "reporting/report_index.html", context)


@login_required
def report(request, kind: str, start: str):
    try:
        built = _report(request, kind, start)
    except DomainError as exc:
        return _bad_request(request, exc.message)
    return render(
        request,
        "reporting/report.html",
        {"report": built, "links": built.links, "query": f"?team={built.team.pk}" if built.team else ""},
    )


def _download(request, kind: str, start: str, extension: str):
    try:
        built = _report(request, kind, start)
    except DomainError as exc:
        return _bad_request(request, exc.message)
    return report_exports.download(built, extension)


@login_required
def download_csv(request, kind: str, start: str):
    return _download(request, kind, start, "csv")


@login_required
def download_xlsx(request, kind: str, start: str):
    return _download(request, kind, start, "xlsx")
