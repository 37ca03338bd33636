"""Helpers every background job uses: enqueue after commit, retry with exponential back-off."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue once the surrounding transaction commits, so a worker never sees a row that is not there yet."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs))


def backoff_seconds(attempt: int) -> int:
    return min(600, 5 * 2 ** (attempt - 1))


def retry_later(task, *args, attempt: int, max_attempts: int = MAX_ATTEMPTS, **kwargs) -> bool:
    """Schedule attempt `attempt + 1` after a back-off; False when the attempts are used up."""
    if attempt >= max_attempts:
        return False
    delay = backoff_seconds(attempt)
    runner = task
    if task.get_backend().supports_defer:
        runner = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    log.warning("job %s failed on attempt %s; retrying in %ss", task.name, attempt, delay)
    runner.enqueue(*args, attempt=attempt + 1, **kwargs)
    return True
