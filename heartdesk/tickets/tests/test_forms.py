"""The workspace forms write their selects, labels and inputs in Python (forms.QuickSelect, forms.QuickRenderer):
the HTML must be exactly what Django's own templates write, unbound, with initial values and with errors."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django import forms as django_forms
from django.forms.renderers import DjangoTemplates

from heartdesk.tickets import forms

PEOPLE = [SimpleNamespace(pk=i, display_name=name) for i, name in enumerate(["Ann & Bo", 'Cy "C" <3', "Dee"], 1)]
TEAMS = [SimpleNamespace(pk=7, name="L2 <network>")]


def _as_django(form_class, **kwargs):
    """The same form drawn by Django's templates and its plain Select widget."""
    form = form_class(renderer=DjangoTemplates(), **kwargs)
    for field in form.fields.values():
        if isinstance(field.widget, forms.QuickSelect):
            plain = django_forms.Select(attrs=field.widget.attrs)
            plain.choices = field.choices
            field.widget = plain
    return form


def _html(form) -> list[str]:
    out = []
    for bound in form:
        out += [str(bound), bound.label_tag(), str(bound.errors)]
        if isinstance(bound.field.widget, django_forms.RadioSelect):
            out += [radio.tag() for radio in bound]
    return out


CASES = [
    (forms.PropertiesForm, {"users": PEOPLE, "teams": TEAMS}, {"initial": {"status": "open", "assignee": "2"}}),
    (forms.PropertiesForm, {"users": PEOPLE, "teams": TEAMS}, {"data": {"status": "nope", "assignee": "9"}}),
    (
        forms.PropertiesForm,
        {"users": PEOPLE, "teams": TEAMS},
        {"data": {"status": "open", "priority": "p2", "type": "question", "team": "7", "category": '<b>"x"</b> & y'}},
    ),
    (
        forms.RcaForm,
        {"users": PEOPLE},
        {"initial": {"summary": "<i>fuse</i>", "action_0_owner": "3", "action_0_due_date": dt.date(2026, 12, 1)}},
    ),
    (forms.RcaForm, {"users": PEOPLE}, {"data": {"action_1_description": "x", "action_1_due_date": "bad"}}),
    (forms.MessageForm, {}, {}),
    (forms.MessageForm, {}, {"data": {"kind": "note", "status": "solved", "body": "a < b"}}),
    (forms.LevelForm, {}, {"data": {"direction": "up", "to_level": "l9", "reason": "'quoted'"}}),
    (forms.LinkForm, {}, {"data": {"reference": "HD-1", "kind": "related"}}),
    (forms.NewTicketForm, {"users": PEOPLE, "teams": TEAMS}, {}),
    (forms.NewTicketForm, {"users": PEOPLE, "teams": TEAMS}, {"data": {"email": "bad", "call_duration": "x"}}),
    (forms.SavedFilterForm, {}, {"data": {"name": "Mine", "query": "queue=mine&q=<x>"}}),
]


@pytest.mark.parametrize(("form_class", "choices", "state"), CASES)
def test_the_quick_html_is_django_s_html(form_class, choices, state):
    quick, plain = form_class(**choices, **state), _as_django(form_class, **choices, **state)
    if "data" in state:
        assert quick.is_valid() == plain.is_valid()
    assert _html(quick) == _html(plain)


def test_the_selects_of_one_page_share_one_escaped_list():
    users = forms.Options.of_users(PEOPLE)
    rca = forms.RcaForm(users=users)
    owners = [rca.fields[f"action_{i}_owner"].widget.options for i in range(forms.RCA_ROWS)]
    assert owners[0] is owners[1] is owners[2] and owners[0]._html[1:] == users._html
    assert forms.PropertiesForm(users=users).fields["assignee"].widget.options._html[1:] == users._html
