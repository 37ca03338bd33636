"""The help desk's own settings pages in the SLA & rules section: canned responses and the mail log."""

from django import forms
from django.shortcuts import render

from heartdesk.accounts import policy
from heartdesk.accounts.decorators import permission_required
from heartdesk.core.errors import Invalid
from heartdesk.core.pagination import keyset_page
from heartdesk.core.views import list_edit_page
from heartdesk.tickets import workspace
from heartdesk.tickets.models import CannedResponse, InboundMail


class CannedForm(forms.Form):
    title = forms.CharField(max_length=150)
    body = forms.CharField(max_length=10000, widget=forms.Textarea(attrs={"rows": 12}))
    position = forms.IntegerField(min_value=0, max_value=100000, initial=100)


@permission_required(policy.SLA_MANAGE)
def canned(request, pk: int | None = None):
    return list_edit_page(
        request,
        model=CannedResponse,
        pk=pk,
        form_class=CannedForm,
        initial=lambda obj: {"title": obj.title, "body": obj.body, "position": obj.position},
        save=lambda obj, form: workspace.canned_response_save(response=obj, actor=request.user, **form.cleaned_data),
        delete=lambda obj: workspace.canned_response_delete(response=obj, actor=request.user),
        list_name="tickets:canned",
        template="tickets/canned_responses.html",
        label="Canned response",
    )


# --- Mail log ---------------------------------------------------------------------------------------------------


@permission_required(policy.MAIL_LOG_VIEW)
def mail_log(request):
    rows = InboundMail.objects.defer("raw").select_related("ticket")
    order = ("received_at", "id")
    try:
        page = keyset_page(rows, order=order, cursor=request.GET.get("cursor") or None, size=50, descending=True)
    except Invalid:  # a stale or hand-edited cursor: start again from the newest
        page = keyset_page(rows, order=order, cursor=None, size=50, descending=True)
    return render(request, "tickets/mail_log.html", {"page": page})
