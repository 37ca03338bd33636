"""Forms of the SLA pages: they only parse what people type (organization names, minutes); every rule is checked
by `sla.services`, whose errors appear beside the field they name."""

from django import forms

from heartdesk.accounts.models import Team
from heartdesk.calendars.models import BusinessCalendar
from heartdesk.core.text import search_key
from heartdesk.customers.models import Organization, Tier
from heartdesk.tickets.choices import Channel, EscalationTrigger, Level, Priority, Target


def organization_ids(text: str) -> list[int]:
    """Ids or exact names, separated by commas; raises ValidationError naming the unknown ones."""
    ids, unknown = [], []
    for token in (t.strip() for t in text.split(",")):
        if not token:
            continue
        if token.isdigit():
            org = Organization.objects.filter(pk=int(token)).first()
        else:
            org = (
                Organization.objects.filter(name_key=search_key(token), deleted_at__isnull=True).order_by("id").first()
            )
        if org is None:
            unknown.append(token)
        else:
            ids.append(org.pk)
    if unknown:
        raise forms.ValidationError(f"No organization matches {', '.join(repr(u) for u in unknown)}.")
    return ids


class PolicyForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(max_length=500, required=False)
    calendar = forms.ModelChoiceField(BusinessCalendar.objects.all(), required=False, empty_label="24/7 (no calendar)")
    is_default = forms.BooleanField(required=False, label="Default policy")
    active = forms.BooleanField(required=False)
    position = forms.IntegerField(min_value=0, max_value=100000)
    organizations = forms.CharField(
        max_length=2000, required=False, help_text="Organization names or ids, separated by commas."
    )
    tiers = forms.ModelMultipleChoiceField(Tier.objects.all(), required=False, widget=forms.CheckboxSelectMultiple)
    channels = forms.MultipleChoiceField(choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple)
    pause_when_pending = forms.BooleanField(required=False, label="Pause while pending on the customer")
    pause_when_on_hold = forms.BooleanField(required=False, label="Pause while on hold")
    at_risk_share = forms.FloatField(help_text="Share of a target elapsed that makes it at risk, e.g. 0.75.")

    def clean_organizations(self):
        return organization_ids(self.cleaned_data.get("organizations", ""))


class RuleForm(forms.Form):
    name = forms.CharField(max_length=100)
    active = forms.BooleanField(required=False, initial=True)
    trigger = forms.ChoiceField(choices=EscalationTrigger.choices)
    target = forms.ChoiceField(choices=[("", "Any target"), *Target.choices], required=False)
    priorities = forms.MultipleChoiceField(
        choices=Priority.choices, required=False, widget=forms.CheckboxSelectMultiple, help_text="None: any."
    )
    raise_to = forms.ChoiceField(choices=[("", "One level up"), *Level.choices], required=False)
    assign_team = forms.ModelChoiceField(Team.objects.all(), required=False)
    notify_manager = forms.BooleanField(required=False, initial=True)
    position = forms.IntegerField(min_value=0, max_value=100000, initial=100)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        team = data.pop("assign_team")
        data["assign_team_id"] = team.pk if team else None
        return data
