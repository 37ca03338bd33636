from django import forms

from heartdesk.core.errors import DomainError


def add_domain_error(form: forms.Form, exc: DomainError) -> None:
    """Show a service's error beside the field it names, or at the top of the form."""
    if not exc.errors:
        form.add_error(None, exc.message)
        return
    for field, messages in exc.errors.items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message if target else f"{field.replace('_', ' ')}: {message}")


class NameForm(forms.Form):
    """The one-field form that starts a new named record (a policy, a calendar)."""

    name = forms.CharField(max_length=100)
