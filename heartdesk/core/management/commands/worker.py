import logging
import threading

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections

RQ_JOB_CLASS = "django_tasks_rq.Job"
TICK_SECONDS = 5
log = logging.getLogger(__name__)


def _ticker(stop: threading.Event) -> None:
    """Enqueue periodic jobs as they fall due (core/periodic.py); every worker ticks, each period runs once."""
    from heartdesk.core import periodic

    while not stop.wait(TICK_SECONDS):
        try:
            periodic.tick()
        except Exception:  # a database hiccup must not stop the worker; the next tick tries again
            log.exception("periodic tick failed")
        finally:
            close_old_connections()


class Command(BaseCommand):
    help = "Run a background worker: the database queue by default, Redis (RQ) when REDIS_URL is set."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Run what is queued now, in this process, then exit.")
        parser.add_argument("--no-periodic", action="store_true", help="Do not enqueue the periodic jobs.")

    def handle(self, *args, burst=False, no_periodic=False, verbosity=1, **options):
        stop = threading.Event()
        if not burst and not no_periodic:
            threading.Thread(target=_ticker, args=(stop,), daemon=True, name="periodic").start()
        try:
            self._work(burst, verbosity)
        finally:
            stop.set()

    def _work(self, burst, verbosity):
        if settings.REDIS_URL:
            if burst:
                # In-process and without django_rq's connection reset: what is queued runs here and now.
                import django_rq
                from rq import SimpleWorker

                worker = django_rq.get_worker("default", job_class=RQ_JOB_CLASS, worker_class=SimpleWorker)
                worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
                return
            self.stdout.write("worker: Redis queue at REDIS_URL")
            call_command("rqworker", "default", job_class=RQ_JOB_CLASS, with_scheduler=True, verbosity=verbosity)
        else:
            if not burst:
                self.stdout.write("worker: database queue")
            call_command("db_worker", batch=burst, reload=False, startup_delay=False, verbosity=verbosity)
