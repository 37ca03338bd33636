"""Periodic jobs, registered in one place; any number of workers tick, each period's run is enqueued once.

`heartdesk worker` calls `tick()` every few seconds beside its queue. A job is a django-tasks Task path and an
interval; the claim is a conditional UPDATE on `PeriodicJob.next_run_at`, so two workers never enqueue one period
twice, and the jobs themselves are idempotent anyway.
"""

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from heartdesk.core import jobs
from heartdesk.core.models import PeriodicJob

log = logging.getLogger(__name__)

# name -> (task path, seconds between runs)
SCHEDULE: dict[str, tuple[str, int]] = {
    "sla_sweep": ("heartdesk.tickets.tasks.sla_sweep", 30),
    "notification_email": ("heartdesk.messaging.tasks.send_due_notifications", 60),
    "survey_invitations": ("heartdesk.surveys.tasks.send_due_invitations", 60),
    "survey_campaigns": ("heartdesk.surveys.tasks_campaigns.campaign_send_due", 60),
    "survey_campaign_reminders": ("heartdesk.surveys.tasks_campaigns.campaign_remind_due", 300),
    "stuck_mail": ("heartdesk.messaging.tasks.requeue_stuck_mail", 120),
    "stuck_inbound_mail": ("heartdesk.tickets.tasks.requeue_stuck_inbound_mail", 120),
    "webhook_retries": ("heartdesk.webhooks.tasks.deliver_due_task", 60),
    "metrics_rollups": ("heartdesk.reporting.tasks.refresh_rollups", 60),
    "manager_reports": ("heartdesk.reporting.report_tasks.send_due_reports", 3600),
    "portal_used_links": ("heartdesk.portal.tasks.purge_used_sign_in_links", 3600),
}


def tick(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every job whose time has come; returns the names enqueued by this call."""
    now = now or timezone.now()
    enqueued = []
    for name, (path, every) in SCHEDULE.items():
        try:
            task = jobs.task_named(path)
        except (ImportError, AttributeError):
            continue
        job = PeriodicJob.objects.filter(name=name).first()
        if job is None:
            try:
                with transaction.atomic():
                    PeriodicJob.objects.create(name=name, next_run_at=now)
            except IntegrityError:
                pass
            job = PeriodicJob.objects.get(name=name)
        if job.next_run_at > now:
            continue
        claimed = PeriodicJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
            next_run_at=now + dt.timedelta(seconds=every), last_run_at=now
        )
        if claimed:
            task.enqueue()
            enqueued.append(name)
    return enqueued
