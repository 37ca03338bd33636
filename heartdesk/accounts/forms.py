from django import forms
from django.contrib.auth.forms import AuthenticationForm

from heartdesk.accounts.choices import Role
from heartdesk.accounts.models import Team, User


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. 'CRM sync'.")
    days = forms.IntegerField(min_value=1, max_value=3650, initial=365, help_text="Days until it expires.")


class UserForm(forms.Form):
    username = forms.RegexField(regex=r"^[\w.@+-]+$", max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    role = forms.ChoiceField(choices=Role.choices)
    password = forms.CharField(
        widget=forms.PasswordInput,
        required=False,
        min_length=10,
        help_text="At least 10 characters; leave empty for an account without a password.",
    )
    teams = forms.ModelMultipleChoiceField(Team.objects.all(), required=False, widget=forms.CheckboxSelectMultiple)


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100)
    description = forms.CharField(max_length=300, required=False)
    manager = forms.ModelChoiceField(User.objects.filter(is_active=True), required=False)
