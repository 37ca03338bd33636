"""Every permission decision in Heartdesk: views, API handlers, and services all ask here.

A permission is a name; each maps to the roles that hold it. Object-level rules (whose token, which
organization a customer may see) are functions next to the table.
"""

from django.core.exceptions import PermissionDenied

from heartdesk.accounts.choices import Role

CUSTOMERS_VIEW = "customers.view"
CUSTOMERS_EDIT = "customers.edit"
CUSTOMERS_DELETE = "customers.delete"
CUSTOMERS_ERASE = "customers.erase"
CUSTOMERS_IMPORT = "customers.import"
CUSTOMERS_EXPORT = "customers.export"
CATALOG_MANAGE = "catalog.manage"  # segments and tiers
PEOPLE_VIEW = "people.view"
PEOPLE_MANAGE = "people.manage"  # staff users
TEAMS_MANAGE = "teams.manage"
TOKENS_MANAGE_ALL = "tokens.manage_all"
TICKETS_VIEW = "tickets.view"
TICKETS_WORK = "tickets.work"  # reply, note, change status/priority/assignee, escalate, link, RCA
TICKETS_IMPORT = "tickets.import"
SLA_MANAGE = "sla.manage"  # SLA policies, calendars, escalation rules, canned responses
MAIL_LOG_VIEW = "mail.view"  # the mail log and the outbox
NOTIFICATIONS_VIEW = "notifications.view"  # one's own notifications
SURVEYS_VIEW = "surveys.view"  # results, responses, comments
SURVEYS_MANAGE = "surveys.manage"  # build surveys, run campaigns, import responses
FOLLOW_UPS_WORK = "surveys.follow_up"  # close the loop with a dissatisfied customer
WEBHOOKS_MANAGE = "webhooks.manage"  # webhooks, their secrets and delivery logs
METRICS_VIEW = "metrics.view"  # the executive dashboard, /api/v1/metrics, manager reports and their downloads
METRICS_MANAGE = "metrics.manage"  # KPI targets

_ALL_STAFF = frozenset(Role.values)
_WORKERS = frozenset(
    {Role.AGENT, Role.SPECIALIST, Role.ENGINEER, Role.ACCOUNT_MANAGER, Role.SUPPORT_MANAGER, Role.ADMIN}
)
_MANAGERS = frozenset({Role.ACCOUNT_MANAGER, Role.SUPPORT_MANAGER, Role.ADMIN})

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    CUSTOMERS_VIEW: _ALL_STAFF,
    CUSTOMERS_EDIT: _WORKERS,
    CUSTOMERS_DELETE: _MANAGERS,
    CUSTOMERS_ERASE: frozenset({Role.SUPPORT_MANAGER, Role.ADMIN}),
    CUSTOMERS_IMPORT: _MANAGERS,
    CUSTOMERS_EXPORT: _MANAGERS | {Role.EXECUTIVE},
    CATALOG_MANAGE: frozenset({Role.SUPPORT_MANAGER, Role.ADMIN}),
    PEOPLE_VIEW: _ALL_STAFF,
    PEOPLE_MANAGE: frozenset({Role.ADMIN}),
    TEAMS_MANAGE: frozenset({Role.SUPPORT_MANAGER, Role.ADMIN}),
    TOKENS_MANAGE_ALL: frozenset({Role.ADMIN}),
    TICKETS_VIEW: _ALL_STAFF,
    TICKETS_WORK: _WORKERS,
    TICKETS_IMPORT: frozenset({Role.SUPPORT_MANAGER, Role.ADMIN}),
    SLA_MANAGE: frozenset({Role.SUPPORT_MANAGER, Role.ADMIN}),
    MAIL_LOG_VIEW: frozenset({Role.SUPPORT_MANAGER, Role.ADMIN}),
    NOTIFICATIONS_VIEW: _ALL_STAFF,
    SURVEYS_VIEW: _ALL_STAFF,
    SURVEYS_MANAGE: frozenset({Role.SUPPORT_MANAGER, Role.ACCOUNT_MANAGER, Role.ADMIN}),
    FOLLOW_UPS_WORK: _MANAGERS,
    WEBHOOKS_MANAGE: frozenset({Role.SUPPORT_MANAGER, Role.ADMIN}),
    METRICS_VIEW: _MANAGERS | {Role.EXECUTIVE},
    METRICS_MANAGE: frozenset({Role.SUPPORT_MANAGER, Role.ADMIN}),
}


def can(user, permission: str, obj=None) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if permission not in ROLE_PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    if user.is_superuser:
        return True
    return user.role in ROLE_PERMISSIONS[permission]


def require(user, permission: str, obj=None) -> None:
    """Raise PermissionDenied (403 in the UI and the API) unless `user` holds `permission`."""
    if not can(user, permission, obj):
        raise PermissionDenied(f"Your role does not allow {permission.replace('.', ': ')}.")


def can_manage_token(user, token) -> bool:
    return token.user_id == user.pk or can(user, TOKENS_MANAGE_ALL)


def can_view_reports(user) -> bool:
    """Whether `user` may open manager reports at all: the metrics roles, and any team's manager."""
    if can(user, METRICS_VIEW):
        return True
    return bool(user and user.is_authenticated and user.managed_teams.exists())


def can_view_report(user, team) -> bool:
    """Who may see the metrics may see every manager report; a team's manager may also see that team's reports
    (the ones emailed to them), whatever their role."""
    if can(user, METRICS_VIEW):
        return True
    return team is not None and user.is_authenticated and team.manager_id == user.pk
