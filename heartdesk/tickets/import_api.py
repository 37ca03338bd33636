"""POST /tickets/import: a JSON or CSV export from another help desk, replayed with its original times."""

from ninja import Router

from heartdesk.core.problems import problem
from heartdesk.tickets import importing

router = Router(tags=["tickets"])


@router.post(
    "/tickets/import",
    summary="Import tickets with their history (JSON or CSV; multipart `file` or the raw body)",
    response={200: dict},
)
def import_tickets(request, dry_run: bool = False, format: str | None = None):
    """200 with the report; 422 problem details listing every problem (ticket, row, field) and nothing written."""
    upload = request.FILES.get("file")
    if upload is not None:
        data, filename = upload.read(), upload.name or ""
    else:
        data = request.body
        filename = "import.json" if "json" in (request.content_type or "") else ""
    if format not in (None, "json", "csv"):
        return problem(
            request,
            422,
            "Invalid input",
            "format must be json or csv.",
            code="invalid",
            errors=[{"ticket": None, "row": None, "field": "format", "message": "Use json or csv."}],
        )
    report = importing.import_tickets(actor=request.user, data=data, filename=filename, format=format, dry_run=dry_run)
    if not report.ok:
        count = report.error_count
        detail = f"{count} problem{'s' if count != 1 else ''} found; nothing was imported."
        body = report.as_dict()
        errors = body.pop("errors")
        return problem(request, 422, "Invalid import", detail, code="invalid-import", errors=errors, **body)
    return report.as_dict()
