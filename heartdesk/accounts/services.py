"""Writes for staff users, teams and API tokens."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.accounts.choices import Role
from heartdesk.accounts.models import ApiToken, Team, User, hash_token
from heartdesk.core.errors import Conflict, Invalid, NotFound

TOKEN_PREFIX = "hd_"


def _clean(instance, exclude=None) -> None:
    try:
        instance.full_clean(exclude=exclude)
    except ValidationError as exc:
        raise Invalid.from_django(exc)


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    teams: list[Team] | None = None,
    actor: User | None,
) -> User:
    if actor is not None:
        policy.require(actor, policy.PEOPLE_MANAGE)
    if role not in Role.values:
        raise Invalid(f"Unknown role {role!r}; choose one of {', '.join(Role.values)}.", field="role")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"A user named {username!r} already exists.", field="username")
    user = User(username=username, role=role, email=email, first_name=first_name, last_name=last_name)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise Invalid(" ".join(exc.messages), field="password")
        user.set_password(password)
    else:
        user.set_unusable_password()
    _clean(user, exclude=["password"])
    user.save()
    if teams:
        user.teams.set(teams)
    return user


@transaction.atomic
def user_update(*, user: User, actor: User, **fields) -> User:
    policy.require(actor, policy.PEOPLE_MANAGE)
    teams = fields.pop("teams", None)
    if "role" in fields and fields["role"] not in Role.values:
        raise Invalid(f"Unknown role {fields['role']!r}.", field="role")
    for name, value in fields.items():
        setattr(user, name, value)
    _clean(user, exclude=["password"])
    user.save()
    if teams is not None:
        user.teams.set(teams)
    return user


@transaction.atomic
def team_create(*, name: str, description: str = "", manager: User | None = None, actor: User | None) -> Team:
    if actor is not None:
        policy.require(actor, policy.TEAMS_MANAGE)
    if Team.objects.filter(name__iexact=name.strip()).exists():
        raise Conflict(f"A team named {name!r} already exists.", field="name")
    team = Team(name=name.strip(), description=description, manager=manager)
    _clean(team)
    team.save()
    return team


@transaction.atomic
def team_update(*, team: Team, actor: User, **fields) -> Team:
    policy.require(actor, policy.TEAMS_MANAGE)
    if "name" in fields and Team.objects.filter(name__iexact=fields["name"]).exclude(pk=team.pk).exists():
        raise Conflict(f"A team named {fields['name']!r} already exists.", field="name")
    for name, value in fields.items():
        setattr(team, name, value)
    _clean(team)
    team.save()
    return team


@transaction.atomic
def team_delete(*, team: Team, actor: User) -> None:
    policy.require(actor, policy.TEAMS_MANAGE)
    team.delete()


def token_create(*, user: User, name: str, days: int | None = None, actor: User | None) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns it with the raw secret, which is never stored or shown again."""
    if actor is not None and actor.pk != user.pk:
        policy.require(actor, policy.TOKENS_MANAGE_ALL)
    name = (name or "").strip()
    if not name:
        raise Invalid("Give the token a name.", field="name")
    if len(name) > 100:
        raise Invalid("Token names are at most 100 characters.", field="name")
    days = settings.API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 3650:
        raise Invalid("A token lasts between 1 and 3650 days.", field="days")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    try:
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=raw[:10],
            digest=hash_token(raw),
            expires_at=timezone.now() + timedelta(days=days),
        )
    except IntegrityError:  # a 256-bit collision: practically impossible, but never a 500
        raise Conflict("Could not make a unique token; try again.")
    return token, raw


@transaction.atomic
def token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    if not policy.can_manage_token(actor, token):
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_authenticate(raw: str) -> User | None:
    """The user a bearer token speaks for, or None when it is unknown, revoked or expired."""
    if not raw or not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=hash_token(raw), revoked_at__isnull=True, expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    # Record use at most once a minute: a busy integration should not write on every request.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
