"""Background jobs of the customer database: thin wrappers that claim work and call the import service."""

import logging

from django_tasks import task

from heartdesk.core.jobs import MAX_ATTEMPTS, retry_later
from heartdesk.customers import importing

log = logging.getLogger(__name__)


@task()
def run_contact_import(import_id: int, attempt: int = 1) -> str:
    job = importing.claim(import_id)
    if job is None:
        return "skipped: not pending"
    try:
        job = importing.run_import(job)
    except Exception as exc:
        log.exception("contact import %s failed", import_id)
        final = attempt >= MAX_ATTEMPTS
        importing.release(import_id, error=f"{type(exc).__name__}: {exc}", final=final)
        if not final:
            retry_later(run_contact_import, import_id, attempt=attempt)
        raise
    return job.status
