"""Forms of the agent workspace: they parse input for the services and show the services' errors beside fields.

Choice lists of users and teams are passed in (read once per page), so a page with several user pickers costs
one query, not one per select; and their <option>s are escaped once (`Options`) and written by `QuickSelect`,
not by a template per option."""

import html
import re
from collections.abc import Iterable

from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe

from heartdesk.tickets.choices import Channel, Level, LinkKind, Priority, RootCauseCategory, Status, TicketType
from heartdesk.tickets.models import MessageKind

RCA_ROWS = 3
_DURATION = re.compile(r"^\s*(\d{1,4})(?::([0-5]?\d))?\s*$")


class Options:
    """A choice list escaped once, for every select on a page that lists it.

    Django's Select renders a template per option (~0.1 ms each); the ticket page lists every agent in four
    selects (assignee and three RCA owners), which made its form rendering a third of the view's time.
    """

    def __init__(self, choices: Iterable[tuple[object, object]]):
        self.choices = [(str(value), str(label)) for value, label in choices]
        self._html = [format_html('<option value="{}">{}</option>', value, label) for value, label in self]

    def __iter__(self):
        return iter(self.choices)

    def __len__(self) -> int:
        return len(self.choices)

    @classmethod
    def of_users(cls, users) -> "Options":
        return users if isinstance(users, Options) else cls((u.pk, u.display_name) for u in users)

    @classmethod
    def of_teams(cls, teams) -> "Options":
        return teams if isinstance(teams, Options) else cls((t.pk, t.name) for t in teams)

    def with_blank(self, label: str) -> "Options":
        """These choices after an empty one (the first thing a select shows), sharing the escaped options."""
        out = Options.__new__(Options)
        out.choices = [("", label), *self.choices]
        out._html = [format_html('<option value="">{}</option>', label), *self._html]
        return out

    def html(self, selected: str | None) -> str:
        """The <option>s as Django's select.html writes them, the first one whose value is `selected` selected."""
        parts = self._html
        for i, (value, label) in enumerate(self.choices):
            if value == selected:
                chosen = format_html('<option value="{}" selected>{}</option>', value, label)
                parts = [*parts[:i], chosen, *parts[i + 1 :]]
                break
        return "".join(f"\n  {part}\n" for part in parts)


class QuickSelect(forms.Select):
    """Django's Select, the same HTML, written in Python (no template per option) from the shared `Options` that
    `set_options` gives it, or else from its choices, escaped on each render."""

    options: Options | None = None

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        options = self.options if self.options is not None else Options(self.choices)
        values = self.format_value(value)
        final = self.build_attrs(self.attrs, attrs)
        return mark_safe(
            f'<select name="{conditional_escape(name)}"{_attrs(final)}>'
            f"{options.html(values[0] if values else None)}\n</select>"
        )


def set_options(field: forms.ChoiceField, options: Options) -> None:
    """Give a QuickSelect field its choices: the field validates against the same list the select shows."""
    field.choices = options.choices
    field.widget.options = options


def _escape(value) -> str:
    """django.utils.html.escape without its lazy-string wrapper (the callers mark the whole result safe)."""
    return html.escape(str(value))


def _text(value) -> str:
    """`{{ value|stringformat:"s" }}` under autoescape."""
    return str(value) if isinstance(value, SafeData) else html.escape(f"{value}")


def _attrs(attrs) -> str:
    """django/forms/attrs.html: False left out, True as a bare name."""
    return "".join(
        f" {_escape(name)}" if value is True else f' {_escape(name)}="{_text(value)}"'
        for name, value in (attrs or {}).items()
        if value is not False
    )


def _input(context) -> str:
    w = context["widget"]
    value = "" if w["value"] is None else f' value="{_text(w["value"])}"'
    return f'<input type="{_escape(w["type"])}" name="{_escape(w["name"])}"{value}{_attrs(w["attrs"])}>'


def _radio_option(context) -> str | None:
    return None if context["widget"].get("wrap_label") else _input(context)


def _textarea(context) -> str:
    w = context["widget"]
    return (
        f'<textarea name="{_escape(w["name"])}"{_attrs(w["attrs"])}>\n{conditional_escape(w["value"] or "")}</textarea>'
    )


def _file(context) -> str | None:
    """clearable_file_input.html with no file yet (always so on these forms: nothing is re-shown)."""
    return None if context["widget"].get("is_initial") else _input(context)


def _errors(context) -> str:
    """errors/list/ul.html: nothing for no errors (every field of every form asks)."""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    ident = f' id="{_escape(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{conditional_escape(error)}</li>" for error in errors)
    return f'<ul class="{_escape(context["error_class"])}"{ident}>{items}</ul>'


def _label(context) -> str:
    label = conditional_escape(context["label"])
    if not context["use_tag"]:
        return label
    tag = _escape(context["tag"])
    return f"<{tag}{_attrs(context['attrs'])}>{label}</{tag}>"


_WIDGETS = "django/forms/widgets/"
_IN_PYTHON = {
    **{f"{_WIDGETS}{name}.html": _input for name in ("input", "text", "date", "datetime", "hidden", "email", "number")},
    f"{_WIDGETS}radio_option.html": _radio_option,
    f"{_WIDGETS}textarea.html": _textarea,
    f"{_WIDGETS}clearable_file_input.html": _file,
    "django/forms/label.html": _label,
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
}


class QuickRenderer(DjangoTemplates):
    """Django's form renderer with its labels, error lists and simple inputs written in Python: the same HTML (tested
    against the templates in test_forms.py), without a template render for each (~0.1 ms each; the ticket page had
    ~60). Anything else (radio groups, a file already chosen) still goes to the templates."""

    def render(self, template_name, context, request=None):
        quick = _IN_PYTHON.get(template_name)
        out = quick(context) if quick else None
        return super().render(template_name, context, request) if out is None else out


class WorkspaceForm(forms.Form):
    default_renderer = QuickRenderer()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"multiple": True}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        items = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(item, initial) for item in items]


class MessageForm(WorkspaceForm):
    kind = forms.ChoiceField(choices=MessageKind.choices, initial=MessageKind.REPLY, widget=forms.RadioSelect)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False, label="Message")
    status = forms.ChoiceField(
        choices=[("", "Keep the current status")] + Status.choices,
        required=False,
        label="Set status with the reply",
        widget=QuickSelect,
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


class PropertiesForm(WorkspaceForm):
    status = forms.ChoiceField(choices=Status.choices, widget=QuickSelect)
    priority = forms.ChoiceField(choices=Priority.choices, widget=QuickSelect)
    type = forms.ChoiceField(choices=TicketType.choices, widget=QuickSelect)
    assignee = forms.ChoiceField(required=False, widget=QuickSelect)
    team = forms.ChoiceField(required=False, widget=QuickSelect)
    category = forms.CharField(required=False, max_length=100)
    tags = forms.CharField(required=False, help_text="Separated by commas.")

    def __init__(self, *args, users=(), teams=(), **kwargs):
        """`users` and `teams`: the records, or their `Options` when the page shares them between forms."""
        super().__init__(*args, **kwargs)
        set_options(self.fields["assignee"], Options.of_users(users).with_blank("Nobody"))
        set_options(self.fields["team"], Options.of_teams(teams).with_blank("No team"))

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


class LevelForm(WorkspaceForm):
    direction = forms.ChoiceField(choices=[("up", "Escalate"), ("down", "De-escalate")], widget=forms.HiddenInput)
    to_level = forms.ChoiceField(
        choices=[("", "One level")] + Level.choices, required=False, label="To level", widget=QuickSelect
    )
    reason = forms.CharField(required=False, max_length=500, widget=forms.TextInput)


class LinkForm(WorkspaceForm):
    reference = forms.CharField(max_length=30, label="Ticket", help_text="A reference such as HD-123.")
    kind = forms.ChoiceField(choices=LinkKind.choices, widget=QuickSelect)


class RcaForm(WorkspaceForm):
    summary = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False, max_length=5000)
    category = forms.ChoiceField(
        choices=[("", "Choose…")] + RootCauseCategory.choices, required=False, widget=QuickSelect
    )

    def __init__(self, *args, users=(), **kwargs):
        """`users`: the records, or their `Options` (escaped once for the page's selects)."""
        super().__init__(*args, **kwargs)
        owners = Options.of_users(users).with_blank("Owner…")
        for i in range(RCA_ROWS):
            self.fields[f"action_{i}_description"] = forms.CharField(
                required=False, max_length=500, label="Corrective action"
            )
            self.fields[f"action_{i}_owner"] = forms.ChoiceField(required=False, label="Owner", widget=QuickSelect)
            set_options(self.fields[f"action_{i}_owner"], owners)
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


class NewTicketForm(WorkspaceForm):
    email = forms.EmailField(label="Requester email", help_text="An existing contact, or a new one is created.")
    first_name = forms.CharField(required=False, max_length=100, label="First name (new contact)")
    last_name = forms.CharField(required=False, max_length=100, label="Last name (new contact)")
    subject = forms.CharField(max_length=300)
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.PHONE, widget=QuickSelect)
    type = forms.ChoiceField(choices=TicketType.choices, initial=TicketType.QUESTION, widget=QuickSelect)
    priority = forms.ChoiceField(choices=Priority.choices, initial=Priority.P3, widget=QuickSelect)
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), required=False, label="Description or transcript")
    call_duration = forms.CharField(
        required=False,
        max_length=10,
        label="Call duration (minutes:seconds)",
        widget=forms.TextInput(attrs={"placeholder": "12:30", "inputmode": "numeric"}),
    )
    assignee = forms.ChoiceField(required=False, widget=QuickSelect)
    team = forms.ChoiceField(required=False, widget=QuickSelect)

    def __init__(self, *args, users=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        set_options(self.fields["assignee"], Options.of_users(users).with_blank("Nobody (unassigned)"))
        set_options(self.fields["team"], Options.of_teams(teams).with_blank("No team"))

    def clean_call_duration(self) -> int | None:
        raw = self.cleaned_data.get("call_duration") or ""
        if not raw.strip():
            return None
        match = _DURATION.match(raw)
        if not match:
            raise forms.ValidationError("Write the duration as minutes:seconds, for example 12:30.")
        return int(match.group(1)) * 60 + int(match.group(2) or 0)


class SavedFilterForm(WorkspaceForm):
    name = forms.CharField(required=False, max_length=200, label="Save this filter as")
    query = forms.CharField(required=False, widget=forms.HiddenInput)
