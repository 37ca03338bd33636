"""Metrics jobs: thin and idempotent (rebuilding a day twice writes the same rows)."""

from django_tasks import task

from heartdesk.reporting import rollups


@task()
def refresh_rollups() -> int:
    """Rebuild the roll-ups of the days marked dirty since the last run (registered as "metrics_rollups")."""
    return rollups.refresh_dirty()
