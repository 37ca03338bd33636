"""Helpers every background job uses: enqueue by name after commit, retry with exponential back-off.

Domain code names a job by its dotted path ("heartdesk.messaging.tasks.send_outbound_email") and never imports a
`tasks.py`: the tasks import the services, so an import the other way would be a loop.
"""

import logging
from datetime import timedelta
from functools import cache
from importlib import import_module

from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


@cache
def task_named(path: str):
    """The django-tasks Task at `path` (module.attribute), imported on first use."""
    module, _, name = path.rpartition(".")
    return getattr(import_module(module), name)


def _task(task):
    return task_named(task) if isinstance(task, str) else task


def enqueue(task, *args, **kwargs):
    """Enqueue now; `task` is a Task or its dotted path."""
    return _task(task).enqueue(*args, **kwargs)


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue once the surrounding transaction commits, so a worker never sees a row that is not there yet."""
    transaction.on_commit(lambda: _task(task).enqueue(*args, **kwargs))


def backoff_seconds(attempt: int) -> int:
    return min(600, 5 * 2 ** (attempt - 1))


def retry_later(task, *args, attempt: int, max_attempts: int = MAX_ATTEMPTS, **kwargs) -> bool:
    """Schedule attempt `attempt + 1` after a back-off; False when the attempts are used up."""
    task = _task(task)
    if attempt >= max_attempts:
        return False
    delay = backoff_seconds(attempt)
    runner = task
    if task.get_backend().supports_defer:
        runner = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    log.warning("job %s failed on attempt %s; retrying in %ss", task.name, attempt, delay)
    runner.enqueue(*args, attempt=attempt + 1, **kwargs)
    return True
