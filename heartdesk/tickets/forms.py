"""Forms of the agent workspace: they parse input for the services and show the services' errors beside fields.

Choice lists of users and teams are passed in (read once per page), so a page with several user pickers costs
one query, not one per select."""

import re

from django import forms

from heartdesk.tickets.choices import Channel, Level, LinkKind, Priority, RootCauseCategory, Status, TicketType
from heartdesk.tickets.models import MessageKind

RCA_ROWS = 3
_DURATION = re.compile(r"^\s*(\d{1,4})(?::([0-5]?\d))?\s*$")


def _user_choices(users, blank: str):
    return [("", blank)] + [(str(u.pk), u.display_name) for u in users]


def _team_choices(teams, blank: str):
    return [("", blank)] + [(str(t.pk), t.name) for t in teams]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class MessageForm(forms.Form):
    kind = forms.ChoiceField(choices=MessageKind.choices, initial=MessageKind.REPLY, widget=forms.RadioSelect)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False, label="Message")
    status = forms.ChoiceField(
        choices=[("", "Keep the current status")] + Status.choices, required=False, label="Set status with the reply"
    )
    promise_at = forms.DateTimeField(
        required=False,
        label="Promise an update by",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Your time zone; the customer is told, and a clock runs until you update them.",
    )
    attachments = MultipleFileField(required=False)

    def clean(self):
        data = super().clean()
        if data.get("kind") == MessageKind.NOTE and (data.get("status") or data.get("promise_at")):
            self.add_error("kind", "A note cannot carry a status or a promise; send a public reply.")
        return data


class PropertiesForm(forms.Form):
    status = forms.ChoiceField(choices=Status.choices)
    priority = forms.ChoiceField(choices=Priority.choices)
    type = forms.ChoiceField(choices=TicketType.choices)
    assignee = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    category = forms.CharField(required=False, max_length=100)
    tags = forms.CharField(required=False, help_text="Separated by commas.")

    def __init__(self, *args, users=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = _user_choices(users, "Nobody")
        self.fields["team"].choices = _team_choices(teams, "No team")

    @staticmethod
    def initial_for(ticket) -> dict:
        return {
            "status": ticket.status,
            "priority": ticket.priority,
            "type": ticket.type,
            "assignee": str(ticket.assignee_id or ""),
            "team": str(ticket.team_id or ""),
            "category": ticket.category,
            "tags": ", ".join(t.name for t in ticket.tags.all()),
        }


class LevelForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Escalate"), ("down", "De-escalate")], widget=forms.HiddenInput)
    to_level = forms.ChoiceField(choices=[("", "One level")] + Level.choices, required=False, label="To level")
    reason = forms.CharField(required=False, max_length=500, widget=forms.TextInput)


class LinkForm(forms.Form):
    reference = forms.CharField(max_length=30, label="Ticket", help_text="A reference such as HD-123.")
    kind = forms.ChoiceField(choices=LinkKind.choices)


class RcaForm(forms.Form):
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)
    category = forms.ChoiceField(choices=[("", "Choose…")] + RootCauseCategory.choices, required=False)

    def __init__(self, *args, users=(), **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(RCA_ROWS):
            self.fields[f"action_{i}_description"] = forms.CharField(
                required=False, max_length=500, label="Corrective action"
            )
            self.fields[f"action_{i}_owner"] = forms.ChoiceField(
                required=False, label="Owner", choices=_user_choices(users, "Owner…")
            )
            self.fields[f"action_{i}_due_date"] = forms.DateField(
                required=False, label="Due", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
            )

    def rows(self):
        """The bound fields, three per corrective-action row, for the template."""
        return [
            (self[f"action_{i}_description"], self[f"action_{i}_owner"], self[f"action_{i}_due_date"])
            for i in range(RCA_ROWS)
        ]

    def filled_rows(self) -> list[tuple[int, str, str, object]]:
        out = []
        for i in range(RCA_ROWS):
            row = (
                self.cleaned_data.get(f"action_{i}_description") or "",
                self.cleaned_data.get(f"action_{i}_owner"),
                self.cleaned_data.get(f"action_{i}_due_date"),
            )
            if any(row):
                out.append((i, *row))
        return out

    @staticmethod
    def initial_for(rca) -> dict:
        if rca is None:
            return {}
        initial = {"summary": rca.summary, "category": rca.category}
        for i, action in enumerate(list(rca.actions.all())[:RCA_ROWS]):
            initial[f"action_{i}_description"] = action.description
            initial[f"action_{i}_owner"] = str(action.owner_id)
            initial[f"action_{i}_due_date"] = action.due_date
        return initial


class NewTicketForm(forms.Form):
    email = forms.EmailField(label="Requester email", help_text="An existing contact, or a new one is created.")
    first_name = forms.CharField(required=False, max_length=100, label="First name (new contact)")
    last_name = forms.CharField(required=False, max_length=100, label="Last name (new contact)")
    subject = forms.CharField(max_length=300)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE)
    type = forms.ChoiceField(choices=TicketType.choices, initial=TicketType.QUESTION)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.P3)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), required=False, label="Description or transcript")
    call_duration = forms.CharField(
        required=False,
        max_length=10,
        label="Call duration (minutes:seconds)",
        widget=forms.TextInput(attrs={"placeholder": "12:30", "inputmode": "numeric"}),
    )
    assignee = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)

    def __init__(self, *args, users=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = _user_choices(users, "Nobody (unassigned)")
        self.fields["team"].choices = _team_choices(teams, "No team")

    def clean_call_duration(self) -> int | None:
        raw = self.cleaned_data.get("call_duration") or ""
        if not raw.strip():
            return None
        match = _DURATION.match(raw)
        if not match:
            raise forms.ValidationError("Write the duration as minutes:seconds, for example 12:30.")
        return int(match.group(1)) * 60 + int(match.group(2) or 0)


class SavedFilterForm(forms.Form):
    name = forms.CharField(required=False, max_length=200, label="Save this filter as")
    query = forms.CharField(required=False, widget=forms.HiddenInput)
