"""Manager reports through the API: the report as JSON, CSV or XLSX.

GET /api/v1/reports/{kind}/{period_start}[?team=] is the report the page and the email show (kind weekly or
monthly; period_start a Monday or a 1st, of a period that has ended); `/report.csv` and `/report.xlsx` under it are
the downloads, the same files as the page's. Errors are RFC 9457 problem details (core.errors): an unknown kind or
team 404, a bad date 422, a role without metrics: view 403.
"""

import datetime as dt

from ninja import Router, Schema

from heartdesk.reporting import report_exports, reports

router = Router(tags=["reports"])


class FigureOut(Schema):
    key: str
    value: float | None
    n: int
    low: float | None
    high: float | None
    target: float | None
    status: str
    previous: float | None
    previous_n: int
    change: float | None
    significant: bool


class RowOut(Schema):
    key: str
    label: str
    standing: str
    reason: str
    breaches: int
    previous_csat: FigureOut | None
    figures: dict[str, FigureOut]


class TeamOut(Schema):
    id: int
    name: str


class CauseOut(Schema):
    key: str
    label: str
    negative: int
    count: int
    previous: int


class TargetCountOut(Schema):
    target: str
    label: str
    count: int


class BreachOut(Schema):
    ticket_id: int
    reference: str
    subject: str
    target: str
    target_label: str
    breached_at: dt.datetime
    assignee: str
    team: str
    url: str


class BreachesOut(Schema):
    total: int
    by_target: list[TargetCountOut]
    recent: list[BreachOut]


class ReportOut(Schema):
    kind: str
    period_start: dt.date
    period_end: dt.date
    previous_start: dt.date
    previous_end: dt.date
    label: str
    team: TeamOut | None
    generated_at: dt.datetime
    min_answers: int
    csat_target: float
    summary: dict[str, FigureOut]
    teams: list[RowOut]
    agents: list[RowOut]
    root_causes: list[CauseOut]
    negative_responses: int
    breaches: BreachesOut
    links: dict[str, str]


def _report(request, kind: str, period_start: str, team: int | None) -> reports.Report:
    return reports.report_for(user=request.user, kind=kind, period_start=period_start, team=team)


@router.get("/reports/{kind}/{period_start}", response=ReportOut, summary="A weekly or monthly manager report")
def get_report(request, kind: str, period_start: str, team: int | None = None):
    return _report(request, kind, period_start, team).as_dict()


@router.get("/reports/{kind}/{period_start}/report.csv", response={200: None}, summary="The report as CSV")
def get_report_csv(request, kind: str, period_start: str, team: int | None = None):
    return report_exports.download(_report(request, kind, period_start, team), "csv")


@router.get("/reports/{kind}/{period_start}/report.xlsx", response={200: None}, summary="The report as XLSX")
def get_report_xlsx(request, kind: str, period_start: str, team: int | None = None):
    return report_exports.download(_report(request, kind, period_start, team), "xlsx")
