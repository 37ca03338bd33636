from django import forms

from heartdesk.accounts.selectors import account_managers
from heartdesk.core.text import search_key
from heartdesk.customers.choices import Channel, CustomerStatus
from heartdesk.customers.models import Organization, Segment, Tier
from heartdesk.customers.services import PROFILE_FIELDS


class ProfileForm(forms.Form):
    segment = forms.ModelChoiceField(Segment.objects.all(), required=False, label="Segment / persona")
    tier = forms.ModelChoiceField(Tier.objects.all(), required=False)
    account_manager = forms.ModelChoiceField(account_managers(), required=False)
    preferred_channels = forms.MultipleChoiceField(
        choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    communication_style = forms.CharField(max_length=200, required=False)
    customer_since = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(choices=CustomerStatus.choices, initial=CustomerStatus.ACTIVE)
    churned_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Set when the status is churned.",
    )
    time_zone = forms.CharField(max_length=64, required=False, help_text="For example Europe/Berlin")
    language = forms.CharField(max_length=16, required=False, help_text="For example en or pt-BR")
    tags = forms.CharField(max_length=1000, required=False, help_text="Separated by commas")
    notes = forms.CharField(max_length=10000, required=False, widget=forms.Textarea(attrs={"rows": 4}))

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data["tags"] = data.get("tags") or ""
        return data

    @staticmethod
    def initial_from(instance) -> dict:
        initial = {name: getattr(instance, name) for name in PROFILE_FIELDS}
        initial["tags"] = ", ".join(getattr(instance, "tag_names", []))
        return initial


class OrganizationForm(ProfileForm):
    field_order = ["name", "domain", "phone"]
    name = forms.CharField(max_length=200)
    domain = forms.CharField(max_length=200, required=False)
    phone = forms.CharField(max_length=50, required=False)

    @classmethod
    def initial_for(cls, organization) -> dict:
        return {
            **cls.initial_from(organization),
            "name": organization.name,
            "domain": organization.domain,
            "phone": organization.phone,
        }


class ContactForm(ProfileForm):
    field_order = ["first_name", "last_name", "email", "phone", "job_title", "organization"]
    first_name = forms.CharField(max_length=100, required=False)
    last_name = forms.CharField(max_length=100, required=False)
    email = forms.EmailField(max_length=254, required=False)
    phone = forms.CharField(max_length=50, required=False)
    job_title = forms.CharField(max_length=150, required=False)
    organization = forms.CharField(
        max_length=200,
        required=False,
        help_text="Start typing to pick an existing organization.",
        widget=forms.TextInput(attrs={"list": "organization-suggestions", "autocomplete": "off"}),
    )

    def clean_organization(self):
        name = " ".join(self.cleaned_data.get("organization", "").split())
        if not name:
            return None
        match = Organization.objects.filter(name_key=search_key(name), deleted_at__isnull=True).order_by("id").first()
        if match is None:
            raise forms.ValidationError(f"No organization is called {name!r}; create it first.")
        return match

    @classmethod
    def initial_for(cls, contact) -> dict:
        return {
            **cls.initial_from(contact),
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "phone": contact.phone,
            "job_title": contact.job_title,
            "organization": contact.organization.name if contact.organization else "",
        }


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=300, required=False)


class EraseForm(forms.Form):
    reason = forms.CharField(max_length=300, help_text="The privacy request this answers.")
    confirm = forms.CharField(max_length=20, help_text="Type ERASE to confirm: this cannot be undone.")

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip() != "ERASE":
            raise forms.ValidationError("Type ERASE in capitals to confirm.")
        return "ERASE"


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="Comma-, semicolon- or tab-separated; UTF-8, UTF-16 or Latin-1.")


class SegmentForm(forms.Form):
    name = forms.CharField(max_length=80)
    key_needs = forms.CharField(max_length=300, required=False)
    preferred_channels = forms.MultipleChoiceField(
        choices=Channel.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    communication_style = forms.CharField(max_length=200, required=False)
    position = forms.IntegerField(min_value=0, max_value=1000, initial=0)


class TierForm(forms.Form):
    name = forms.CharField(max_length=80)
    rank = forms.IntegerField(min_value=0, max_value=1000, initial=0)
    includes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="One per line")
