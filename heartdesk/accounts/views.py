from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from heartdesk.accounts import policy, selectors, services
from heartdesk.accounts.decorators import permission_required
from heartdesk.accounts.forms import LoginForm, TeamForm, TokenForm, UserForm
from heartdesk.accounts.models import ApiToken
from heartdesk.core.errors import DomainError
from heartdesk.core.forms import add_domain_error


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@login_required
def tokens(request):
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = services.token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
                actor=request.user,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            created = raw
            form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {"form": form, "tokens": selectors.token_list(actor=request.user), "created": created},
    )


@require_POST
@login_required
def token_revoke(request, pk: int):
    token = ApiToken.objects.filter(pk=pk).first()
    try:
        if token is None:
            raise DomainError("No such token.")
        services.token_revoke(token=token, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Token {token.name!r} revoked.")
    return redirect("accounts:tokens")


@permission_required(policy.PEOPLE_VIEW)
def people(request):
    user_form = UserForm(prefix="user")
    team_form = TeamForm(prefix="team")
    if request.method == "POST":
        kind = request.POST.get("kind")
        if kind == "user":
            user_form = UserForm(request.POST, prefix="user")
            if user_form.is_valid():
                data = dict(user_form.cleaned_data)
                data["teams"] = list(data.pop("teams"))
                data["password"] = data["password"] or None
                try:
                    services.user_create(actor=request.user, **data)
                except DomainError as exc:
                    add_domain_error(user_form, exc)
                else:
                    messages.success(request, f"User {data['username']} added.")
                    return redirect("accounts:people")
        elif kind == "team":
            team_form = TeamForm(request.POST, prefix="team")
            if team_form.is_valid():
                try:
                    services.team_create(actor=request.user, **team_form.cleaned_data)
                except DomainError as exc:
                    add_domain_error(team_form, exc)
                else:
                    messages.success(request, "Team added.")
                    return redirect("accounts:people")
    return render(
        request,
        "accounts/people.html",
        {
            "users": selectors.user_list(),
            "teams": selectors.team_list(),
            "user_form": user_form,
            "team_form": team_form,
            "can_manage_people": policy.can(request.user, policy.PEOPLE_MANAGE),
            "can_manage_teams": policy.can(request.user, policy.TEAMS_MANAGE),
        },
    )
