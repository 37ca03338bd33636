import pytest
from django.apps import apps

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
