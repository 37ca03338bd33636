"""A report's CSV and XLSX: they read back (the csv module; the XLSX's own XML through zipfile), and text that a
spreadsheet would run as a formula stays text."""

import csv
import io
import re
import zipfile

import pytest

from heartdesk.accounts.choices import Role
from heartdesk.reporting import report_exports
from heartdesk.reporting.tests import test_reports as base
from heartdesk.reporting.tests.test_reports import FORMULA_SUBJECT, weekly

# The hand-made week of test_reports, and its autouse presets.
world = base.world
report_presets = base.report_presets

pytestmark = pytest.mark.django_db


def sections(text: str) -> dict[str, list[dict]]:
    """Section name -> its rows as dicts keyed by that section's header row."""
    out: dict[str, list[dict]] = {}
    headers = None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            headers = None
            continue
        if headers is None:
            headers = row
            continue
        out.setdefault(row[0], []).append(dict(zip(headers, row, strict=False)))
    return out


def xlsx_parts(data: bytes) -> tuple[list[str], str, dict[str, str]]:
    """Sheet names, the shared strings, and each sheet's XML."""
    book = zipfile.ZipFile(io.BytesIO(data))
    names = re.findall(r'<sheet name="([^"]+)"', book.read("xl/workbook.xml").decode())
    shared = book.read("xl/sharedStrings.xml").decode()
    sheets = {name: book.read(f"xl/worksheets/sheet{i}.xml").decode() for i, name in enumerate(names, start=1)}
    return names, shared, sheets


def test_the_csv_reads_back_section_by_section(world):
    text = report_exports.to_csv(weekly())
    assert text.startswith("\ufeff")
    parsed = sections(text.lstrip("\ufeff"))
    assert list(parsed) == [
        "Report",
        "Summary",
        "Teams",
        "Agents",
        "Root causes",
        "Breaches by target",
        "Recent breaches",
    ]
    assert parsed["Report"][0]["From"] == "2026-11-16" and parsed["Report"][0]["Scope"] == "Whole desk"
    agents = {row["Agent"]: row for row in parsed["Agents"]}
    assert agents["Ada"]["Standing"] == "Consistently high" and agents["Ada"]["CSAT %"] == "100"
    assert agents["Ada"]["CSAT n"] == "10" and agents["Ada"]["CSAT previous n"] == "10"
    assert agents["Bob"]["Standing"] == "Needs support" and agents["Cy"]["Standing"] == "Not enough answers"
    assert float(agents["Bob"]["CSAT high"]) < 90
    assert [(r["Theme"], r["Negative answers"]) for r in parsed["Root causes"]] == [("Billing", "10")]
    first_response = next(r for r in parsed["Breaches by target"] if r["Target"] == "First response")
    assert first_response["Breaches"] == "2"
    assert len(parsed["Recent breaches"]) == 3
    csat = next(r for r in parsed["Summary"] if r["KPI"] == "CSAT %")
    assert csat["n"] == "23"


def test_csv_cells_that_would_be_formulas_are_defused(world):
    parsed = sections(report_exports.to_csv(weekly()).lstrip("\ufeff"))
    subjects = [r["Subject"] for r in parsed["Recent breaches"]]
    assert "'" + FORMULA_SUBJECT in subjects
    assert not any(s.startswith(("=", "+", "-", "@")) for s in subjects)


def test_the_xlsx_has_a_sheet_per_part_and_its_values(world):
    names, shared, sheets = xlsx_parts(report_exports.to_xlsx(weekly()))
    assert names == ["Summary", "Teams", "Agents", "Themes", "Breaches"]
    for text in ("Weekly report: Whole desk", "Consistently high", "Needs support", "Ada", "Bob", "Billing", "Alpha"):
        assert f">{text}" in shared, text
    assert "<v>10</v>" in sheets["Themes"]  # Billing's 10 negative answers, a number cell
    assert "<f>" not in "".join(sheets.values())  # no formula anywhere


def test_xlsx_text_that_looks_like_a_formula_stays_a_string(world):
    _, shared, sheets = xlsx_parts(report_exports.to_xlsx(weekly()))
    assert f"<t>{FORMULA_SUBJECT}</t>" in shared  # a shared string (quotes need no escaping in XML text)
    assert "<f>" not in sheets["Breaches"]


def test_the_downloads_have_their_type_and_a_filename(world, web, api):
    manager = web[Role.SUPPORT_MANAGER]
    csv_response = manager.get(f"/reports/weekly/2026-11-16/report.csv?team={world['alpha'].pk}")
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="weekly-report-2026-11-16-team-{world["alpha"].pk}.csv"' in csv_response["Content-Disposition"]
    xlsx = api[Role.EXECUTIVE].get("reports/weekly/2026-11-16/report.xlsx")
    assert xlsx.status_code == 200 and xlsx["Content-Type"] == report_exports.XLSX_TYPE
    assert zipfile.ZipFile(io.BytesIO(xlsx.content)).testzip() is None
    assert api[Role.AGENT].get("reports/weekly/2026-11-16/report.csv").status_code == 403
