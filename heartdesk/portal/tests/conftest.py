import pytest
from django.apps import apps
from django.core.cache import cache

from heartdesk.surveys.seed import seed as seed_survey
from heartdesk.tickets.seed import seed as seed_sla


@pytest.fixture(autouse=True)
def presets(request):
    """The seeded survey and SLA presets come from data migrations; a transactional test may have flushed them."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    seed_sla(apps)
    seed_survey(apps)


@pytest.fixture(autouse=True)
def fresh_cache(request, settings, tmp_path):
    """Throttle counters live in the cache; attachments go to a scratch directory."""
    settings.WEB_FORM_PER_HOUR = 5
    settings.MEDIA_ROOT = tmp_path
    if request.node.get_closest_marker("django_db") is not None:
        request.getfixturevalue("_django_db_helper")
        cache.clear()
    yield
