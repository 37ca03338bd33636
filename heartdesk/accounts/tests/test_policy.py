import pytest

from heartdesk.accounts import policy
from heartdesk.accounts.choices import Role

EXPECTED = {
    policy.CUSTOMERS_VIEW: set(Role),
    policy.CUSTOMERS_EDIT: set(Role) - {Role.EXECUTIVE},
    policy.CUSTOMERS_DELETE: {Role.ACCOUNT_MANAGER, Role.SUPPORT_MANAGER, Role.ADMIN},
    policy.CUSTOMERS_ERASE: {Role.SUPPORT_MANAGER, Role.ADMIN},
    policy.CUSTOMERS_IMPORT: {Role.ACCOUNT_MANAGER, Role.SUPPORT_MANAGER, Role.ADMIN},
    policy.CUSTOMERS_EXPORT: {Role.ACCOUNT_MANAGER, Role.SUPPORT_MANAGER, Role.ADMIN, Role.EXECUTIVE},
    policy.CATALOG_MANAGE: {Role.SUPPORT_MANAGER, Role.ADMIN},
    policy.PEOPLE_MANAGE: {Role.ADMIN},
    policy.TEAMS_MANAGE: {Role.SUPPORT_MANAGER, Role.ADMIN},
}


@pytest.mark.parametrize("permission", EXPECTED)
def test_each_role_holds_exactly_its_permissions(cast, permission):
    holders = {role for role, user in cast.items() if policy.can(user, permission)}
    assert holders == EXPECTED[permission]


def test_an_inactive_user_holds_nothing(cast):
    user = cast[Role.ADMIN]
    user.is_active = False
    assert not policy.can(user, policy.CUSTOMERS_VIEW)


def test_an_unknown_permission_is_a_programming_error(cast):
    with pytest.raises(KeyError):
        policy.can(cast[Role.ADMIN], "customers.teleport")


def test_only_the_owner_or_an_admin_manages_a_token(cast):
    from heartdesk.accounts import services

    token, _ = services.token_create(user=cast[Role.AGENT], name="mine", actor=None)
    assert policy.can_manage_token(cast[Role.AGENT], token)
    assert policy.can_manage_token(cast[Role.ADMIN], token)
    assert not policy.can_manage_token(cast[Role.SUPPORT_MANAGER], token)
