"""The themes taxonomy as configured (Theme rows), read once per change, handed to the pure analyzer."""

from heartdesk.insights.themes import Taxonomy
from heartdesk.insights.themes import themes_for as _themes_for
from heartdesk.surveys.models import Theme

_CACHE: dict[tuple, Taxonomy] = {}


def taxonomy() -> Taxonomy:
    rows = list(Theme.objects.filter(active=True).order_by("key").values("key", "label", "keywords"))
    key = tuple((r["key"], r["label"], tuple(r["keywords"])) for r in rows)
    found = _CACHE.get(key)
    if found is None:
        _CACHE.clear()
        found = _CACHE[key] = Taxonomy.from_rows(rows)
    return found


def themes_for(text: str) -> list[str]:
    return _themes_for(text, taxonomy())
