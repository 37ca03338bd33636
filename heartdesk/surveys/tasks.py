"""Survey jobs: thin, idempotent (each invitation is claimed by its state before its mail is written)."""

from django_tasks import task

from heartdesk.surveys import services


@task()
def send_due_invitations() -> int:
    return services.send_due()
