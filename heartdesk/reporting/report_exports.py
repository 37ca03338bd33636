"""A manager report as files: one CSV (sections one after another, each with its own header row) and one XLSX
(a sheet each for the summary, teams, agents, root-cause themes and breaches).

Names, team names, theme labels and ticket subjects are other people's text: in the CSV a cell a spreadsheet would
run as a formula gets a leading apostrophe (`customers.exporting.safe_cell`); in the XLSX every text is written as
a string cell, never a formula.
"""

import csv
import io

import xlsxwriter
from django.http import HttpResponse

from heartdesk.customers.exporting import safe_cell
from heartdesk.reporting.catalogue import BY_KEY
from heartdesk.reporting.reports import REPORT_KPIS, Report, Row
from heartdesk.reporting.types import Figure

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def filename(report: Report, extension: str) -> str:
    scope = f"team-{report.team.pk}" if report.team else "desk"
    return f"{report.kind.value}-report-{report.period.start:%Y-%m-%d}-{scope}.{extension}"


def _unit(key: str) -> str:
    unit = BY_KEY[key].unit
    return f" {unit}" if unit in ("%", "h", "/5") else ""


def _kpi_headers() -> list[str]:
    headers = []
    for key in REPORT_KPIS:
        label = BY_KEY[key].label + _unit(key)
        headers += [label, f"{BY_KEY[key].label} n"]
        if key == "csat":
            headers += ["CSAT low", "CSAT high", "CSAT previous", "CSAT previous n"]
    return headers


def _kpi_cells(figures: dict[str, Figure], previous_csat: Figure | None) -> list:
    cells = []
    for key in REPORT_KPIS:
        figure = figures.get(key)
        cells += [figure.value if figure else None, figure.n if figure else 0]
        if key == "csat":
            cells += [
                figure.low if figure else None,
                figure.high if figure else None,
                previous_csat.value if previous_csat else None,
                previous_csat.n if previous_csat else 0,
            ]
    return cells


def people_headers(what: str) -> list[str]:
    return [what, "Id", "Standing", "Why", *_kpi_headers(), "SLA breaches"]


def _person(row: Row) -> list:
    return [
        row.label,
        row.key,
        row.standing_label,
        row.reason,
        *_kpi_cells(row.figures, row.previous_csat),
        row.breaches,
    ]


SUMMARY_HEADERS = ["KPI", "Value", "n", "Low", "High", "Target", "Status", "Previous", "Previous n", "Significant"]


def summary_rows(report: Report) -> list[list]:
    rows = [
        [
            BY_KEY[f.key].label + _unit(f.key),
            f.value,
            f.n,
            f.low,
            f.high,
            f.target,
            f.status.value,
            f.previous,
            f.previous_n,
            "yes" if f.significant else "no",
        ]
        for f in report.summary.values()
    ]
    rows.append(["SLA breaches", report.breaches.total, None, None, None, None, "", None, None, ""])
    return rows


THEME_HEADERS = ["Theme", "Key", "Negative answers", "All answers", "All answers, previous period"]
BREACH_HEADERS = ["Ticket", "Subject", "Target", "Breached at", "Assignee", "Team", "Link"]


def theme_rows(report: Report) -> list[list]:
    return [[c.label, c.key, c.negative, c.count, c.previous] for c in report.causes]


def breach_rows(report: Report) -> tuple[list[list], list[list]]:
    by_target = [[label, "", "", count] for _key, label, count in report.breaches.by_target]
    recent = [
        [b.reference, b.subject, b.target_label, b.breached_at.isoformat(), b.assignee, b.team, b.url]
        for b in report.breaches.recent
    ]
    return by_target, recent


# --- CSV ------------------------------------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else str(value)
    return safe_cell(value)


def to_csv(report: Report) -> str:
    """The whole report in one CSV: a section name in the first column of every row, a header row per section,
    an empty row between sections. Starts with a BOM so spreadsheets read it as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out)
    by_target, recent = breach_rows(report)
    sections = [
        (
            "Report",
            ["Kind", "Scope", "From", "To", "Previous from", "Previous to"],
            [
                [
                    report.kind.label,
                    report.scope,
                    report.period.start.isoformat(),
                    report.period.end.isoformat(),
                    report.period.previous.start.isoformat(),
                    report.period.previous.end.isoformat(),
                ]
            ],
        ),
        ("Summary", SUMMARY_HEADERS, summary_rows(report)),
        ("Teams", people_headers("Team"), [_person(r) for r in report.teams]),
        ("Agents", people_headers("Agent"), [_person(r) for r in report.agents]),
        ("Root causes", THEME_HEADERS, theme_rows(report)),
        ("Breaches by target", ["Target", "", "", "Breaches"], by_target),
        ("Recent breaches", BREACH_HEADERS, recent),
    ]
    for i, (name, headers, rows) in enumerate(sections):
        if i:
            writer.writerow([])
        writer.writerow(["Section", *headers])
        for row in rows:
            writer.writerow([name, *(_cell(v) for v in row)])
    return "\ufeff" + out.getvalue()


# --- XLSX -----------------------------------------------------------------------------------------------------


def to_xlsx(report: Report) -> bytes:
    buffer = io.BytesIO()
    # Strings stay strings: no formula, number or URL is ever inferred from someone's text.
    book = xlsxwriter.Workbook(
        buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
    )
    bold = book.add_format({"bold": True})

    def sheet(name: str, headers: list[str], rows: list[list], title: str | None = None):
        ws = book.add_worksheet(name)
        r = header_row = 2 if title else 0
        if title:
            ws.write_string(0, 0, title, bold)
        for c, header in enumerate(headers):
            ws.write_string(r, c, header, bold)
        for row in rows:
            r += 1
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, bool):
                    ws.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    ws.write_number(r, c, value)
                else:
                    ws.write_string(r, c, str(value))
        ws.freeze_panes(header_row + 1, 0)
        ws.set_column(0, 0, 28)
        ws.set_column(1, max(len(headers) - 1, 1), 14)
        return ws

    sheet("Summary", SUMMARY_HEADERS, summary_rows(report), title=f"{report.title}")
    sheet("Teams", people_headers("Team"), [_person(r) for r in report.teams])
    sheet("Agents", people_headers("Agent"), [_person(r) for r in report.agents])
    sheet("Themes", THEME_HEADERS, theme_rows(report))
    by_target, recent = breach_rows(report)
    ws = sheet("Breaches", BREACH_HEADERS, recent)
    # Breach counts per target go beside the list.
    col = len(BREACH_HEADERS) + 1
    ws.write_string(0, col, "Target", bold)
    ws.write_string(0, col + 1, "Breaches", bold)
    for i, (label, _a, _b, count) in enumerate(by_target, start=1):
        ws.write_string(i, col, label)
        ws.write_number(i, col + 1, count)
    book.close()
    return buffer.getvalue()


def download(report: Report, extension: str) -> HttpResponse:
    """The report as an attachment, "csv" or "xlsx" (the page's and the API's download links)."""
    if extension == "csv":
        response = HttpResponse(to_csv(report), content_type=CSV_TYPE)
    else:
        response = HttpResponse(to_xlsx(report), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename(report, extension)}"'
    return response
