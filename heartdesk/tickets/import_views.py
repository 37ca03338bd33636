"""The ticket-history import page: upload a file, check it (dry run) or import it, read the report."""

from django import forms
from django.shortcuts import render

from heartdesk.accounts import policy
from heartdesk.core.decorators import permission_required
from heartdesk.tickets import importing


class ImportForm(forms.Form):
    file = forms.FileField(help_text="A JSON or CSV export from your previous help desk.")
    dry_run = forms.BooleanField(required=False, initial=True, label="Only check (write nothing)")


@permission_required(policy.TICKETS_IMPORT)
def import_page(request):
    report = None
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = importing.import_tickets(
                actor=request.user,
                data=upload.read(),
                filename=upload.name or "",
                dry_run=form.cleaned_data["dry_run"],
            )
    else:
        form = ImportForm()
    status = 422 if report is not None and not report.ok else 200
    return render(request, "tickets/import.html", {"form": form, "report": report}, status=status)
