"""`heartdesk rebuild-metrics`: the hyphenated name of rebuild_metrics (the project's command style)."""

from heartdesk.reporting.management.commands.rebuild_metrics import Command  # noqa: F401
