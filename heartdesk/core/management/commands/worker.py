from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

RQ_JOB_CLASS = "django_tasks_rq.Job"


class Command(BaseCommand):
    help = "Run a background worker: the database queue by default, Redis (RQ) when REDIS_URL is set."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Run what is queued now, in this process, then exit.")

    def handle(self, *args, burst=False, verbosity=1, **options):
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
