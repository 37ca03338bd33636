"""`{% load policy %}{% if request.user|can:"sla.manage" %}`: templates ask the same policy module as views."""

from django import template

from heartdesk.accounts import policy

register = template.Library()


@register.filter
def can(user, permission: str) -> bool:
    return policy.can(user, permission)
