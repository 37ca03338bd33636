from django.db.models import QuerySet

from heartdesk.accounts import policy
from heartdesk.accounts.models import ApiToken, Team, User


def user_list() -> QuerySet[User]:
    return User.objects.filter(is_active=True).prefetch_related("teams").order_by("username")


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("manager").prefetch_related("members").order_by("name")


def token_list(*, actor: User) -> QuerySet[ApiToken]:
    tokens = ApiToken.objects.select_related("user")
    if not policy.can(actor, policy.TOKENS_MANAGE_ALL):
        tokens = tokens.filter(user=actor)
    return tokens.order_by("-created_at")


def account_managers() -> QuerySet[User]:
    return User.objects.filter(is_active=True).order_by("first_name", "last_name", "username")
