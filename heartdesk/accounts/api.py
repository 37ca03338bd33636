"""REST endpoints for staff users, teams and API tokens."""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import Field

from heartdesk.accounts import policy, selectors, services
from heartdesk.accounts.choices import Role
from heartdesk.accounts.models import ApiToken, Team, User
from heartdesk.core.errors import Invalid, NotFound

router = Router(tags=["people"])


class TeamRef(Schema):
    id: int
    name: str


class UserOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    email: str
    role: Role
    is_active: bool
    teams: list[TeamRef]

    @staticmethod
    def resolve_teams(obj):
        return list(obj.teams.all())


class UserIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, pattern=r"^[\w.@+-]+$")
    role: Role
    email: str | None = Field(None, max_length=254)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    password: str | None = Field(None, min_length=10, max_length=128)
    team_ids: list[int] = []


class UserPatch(Schema):
    role: Role | None = None
    email: str | None = Field(None, max_length=254)
    first_name: str | None = Field(None, max_length=150)
    last_name: str | None = Field(None, max_length=150)
    is_active: bool | None = None
    team_ids: list[int] | None = None


class TeamOut(Schema):
    id: int
    name: str
    description: str
    manager_id: int | None
    member_ids: list[int]

    @staticmethod
    def resolve_member_ids(obj):
        return [m.pk for m in obj.members.all()]


class TeamIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    description: str = Field("", max_length=300)
    manager_id: int | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    username: str
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None
    is_active: bool

    @staticmethod
    def resolve_username(obj):
        return obj.user.username


class TokenCreated(TokenOut):
    token: str = Field(..., description="The bearer token. Shown only now; store it safely.")


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    days: int | None = Field(None, ge=1, le=3650)
    user_id: int | None = Field(None, description="Admins may make a token for another user.")


def _teams(ids: list[int]) -> list[Team]:
    teams = list(Team.objects.filter(pk__in=ids))
    missing = set(ids) - {t.pk for t in teams}
    if missing:
        raise Invalid(f"There is no team with id {sorted(missing)[0]}.", field="team_ids")
    return teams


@router.get("/me", response=UserOut)
def me(request):
    return request.user


@router.get("/users", response=list[UserOut])
def list_users(request):
    policy.require(request.user, policy.PEOPLE_VIEW)
    return selectors.user_list()


@router.post("/users", response={201: UserOut})
def create_user(request, payload: UserIn):
    policy.require(request.user, policy.PEOPLE_MANAGE)
    data = payload.dict()
    teams = _teams(data.pop("team_ids"))
    data["email"] = data["email"] or ""
    return Status(201, services.user_create(actor=request.user, teams=teams, **data))


@router.patch("/users/{int:user_id}", response=UserOut)
def update_user(request, user_id: int, payload: UserPatch):
    policy.require(request.user, policy.PEOPLE_MANAGE)
    user = get_object_or_404(User, pk=user_id)
    data = payload.dict(exclude_unset=True)
    if "team_ids" in data:
        data["teams"] = _teams(data.pop("team_ids") or [])
    if "email" in data:
        data["email"] = data["email"] or ""
    return services.user_update(user=user, actor=request.user, **data)


@router.get("/teams", response=list[TeamOut])
def list_teams(request):
    policy.require(request.user, policy.PEOPLE_VIEW)
    return selectors.team_list()


def _manager(manager_id: int | None) -> User | None:
    if manager_id is None:
        return None
    user = User.objects.filter(pk=manager_id, is_active=True).first()
    if user is None:
        raise Invalid(f"There is no active user with id {manager_id}.", field="manager_id")
    return user


@router.post("/teams", response={201: TeamOut})
def create_team(request, payload: TeamIn):
    team = services.team_create(
        actor=request.user,
        name=payload.name,
        description=payload.description,
        manager=_manager(payload.manager_id),
    )
    return Status(201, team)


@router.put("/teams/{int:team_id}", response=TeamOut)
def update_team(request, team_id: int, payload: TeamIn):
    team = get_object_or_404(Team, pk=team_id)
    return services.team_update(
        team=team,
        actor=request.user,
        name=payload.name,
        description=payload.description,
        manager=_manager(payload.manager_id),
    )


@router.delete("/teams/{int:team_id}", response={204: None})
def delete_team(request, team_id: int):
    services.team_delete(team=get_object_or_404(Team, pk=team_id), actor=request.user)
    return Status(204, None)


@router.get("/tokens", response=list[TokenOut])
def list_tokens(request):
    return selectors.token_list(actor=request.user)


@router.post("/tokens", response={201: TokenCreated})
def create_token(request, payload: TokenIn):
    owner = request.user
    if payload.user_id is not None and payload.user_id != request.user.pk:
        policy.require(request.user, policy.TOKENS_MANAGE_ALL)
        owner = User.objects.filter(pk=payload.user_id).first()
        if owner is None:
            raise Invalid(f"There is no user with id {payload.user_id}.", field="user_id")
    token, raw = services.token_create(user=owner, name=payload.name, days=payload.days, actor=request.user)
    token.token = raw
    return Status(201, token)


@router.delete("/tokens/{int:token_id}", response={204: None})
def revoke_token(request, token_id: int):
    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None or not policy.can_manage_token(request.user, token):
        raise NotFound("No such token.")
    services.token_revoke(token=token, actor=request.user)
    return Status(204, None)
