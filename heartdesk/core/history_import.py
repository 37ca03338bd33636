"""The upload page every history import shares (tickets, survey responses): a file, a dry-run box, a report."""

from django import forms
from django.shortcuts import render


class HistoryImportForm(forms.Form):
    file = forms.FileField()
    dry_run = forms.BooleanField(required=False, initial=True, label="Only check (write nothing)")


def import_page(request, *, run, template: str, help_text: str, context: dict | None = None):
    """`run(actor=, data=, filename=, dry_run=)` returns a report with `.ok`; a refused file answers 422."""
    report = None
    form = HistoryImportForm(request.POST or None, request.FILES or None)
    form.fields["file"].help_text = help_text
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        report = run(
            actor=request.user, data=upload.read(), filename=upload.name or "", dry_run=form.cleaned_data["dry_run"]
        )
    status = 422 if report is not None and not report.ok else 200
    return render(request, template, {"form": form, "report": report, **(context or {})}, status=status)
