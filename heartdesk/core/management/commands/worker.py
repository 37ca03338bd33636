from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run a background worker: the database queue by default, Redis (RQ) when REDIS_URL is set."

    def add_arguments(self, parser):
        parser.add_argument("--burst", action="store_true", help="Run what is queued now, then exit.")

    def handle(self, *args, burst=False, verbosity=1, **options):
        if settings.REDIS_URL:
            self.stdout.write("worker: Redis queue at REDIS_URL")
            call_command("rqworker", "default", with_scheduler=True, burst=burst, verbosity=verbosity)
        else:
            self.stdout.write("worker: database queue")
            call_command("db_worker", batch=burst, reload=False, startup_delay=False, verbosity=verbosity)
