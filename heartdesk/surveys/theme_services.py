"""Writes of the feedback taxonomy (Theme rows). Responses keep the theme keys they were given; the analyzer
reads the taxonomy afresh after every change (surveys.themes caches by content)."""

import re

from django.db import transaction

from heartdesk.accounts import policy
from heartdesk.core.errors import Conflict, Invalid
from heartdesk.surveys.models import Theme

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")  # as insights.themes.Taxonomy reads it
MAX_KEYWORDS = 200


def _check(*, label: str, keywords) -> tuple[str, list[str]]:
    label = " ".join(str(label or "").split())
    if not label:
        raise Invalid("Give the theme a label.", field="label")
    if len(label) > 100:
        raise Invalid("The label is over 100 characters.", field="label")
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        raise Invalid("Keywords are a list of words or phrases.", field="keywords")
    clean: list[str] = []
    for i, word in enumerate(keywords):
        word = " ".join(word.lower().split())
        if not word.strip("* "):
            raise Invalid("A keyword is empty (or only wildcards).", field=f"keywords.{i}")
        if len(word) > 100:
            raise Invalid("A keyword is over 100 characters.", field=f"keywords.{i}")
        if word not in clean:
            clean.append(word)
    if not clean:
        raise Invalid("Give at least one keyword, or the theme will never match.", field="keywords")
    if len(clean) > MAX_KEYWORDS:
        raise Invalid(f"At most {MAX_KEYWORDS} keywords.", field="keywords")
    return label, clean


@transaction.atomic
def theme_create(*, key: str, label: str, keywords: list[str], active: bool = True, actor) -> Theme:
    policy.require(actor, policy.SURVEYS_MANAGE)
    key = str(key or "").strip().lower()
    if not _KEY.match(key):
        raise Invalid("The key is lower-case letters, digits and _, starting with a letter (at most 50).", field="key")
    label, keywords = _check(label=label, keywords=keywords)
    if Theme.objects.filter(key=key).exists():
        raise Conflict(f"A theme with the key {key!r} exists.", field="key")
    return Theme.objects.create(key=key, label=label, keywords=keywords, active=active)


@transaction.atomic
def theme_update(*, theme: Theme, label: str, keywords: list[str], active: bool = True, actor) -> Theme:
    """The key stays: responses already carry it."""
    policy.require(actor, policy.SURVEYS_MANAGE)
    theme = Theme.objects.select_for_update().get(pk=theme.pk)
    theme.label, theme.keywords = _check(label=label, keywords=keywords)
    theme.active = active
    theme.save()
    return theme


@transaction.atomic
def theme_delete(*, theme: Theme, actor) -> None:
    policy.require(actor, policy.SURVEYS_MANAGE)
    Theme.objects.filter(pk=theme.pk).delete()
