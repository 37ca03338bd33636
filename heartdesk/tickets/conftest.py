import pytest
from django.apps import apps

from heartdesk.tickets.seed import seed


@pytest.fixture(autouse=True)
def sla_presets(request):
    """The SLA presets come from a data migration; a transactional test before this one may have flushed them."""
    if request.node.get_closest_marker("django_db") is None:
        return
    request.getfixturevalue("_django_db_helper")
    seed(apps)
