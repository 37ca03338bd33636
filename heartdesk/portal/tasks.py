"""Background jobs for the portal: thin, each calls a service."""

from django_tasks import task

from heartdesk.portal import services


@task()
def purge_used_sign_in_links() -> int:
    """The periodic purge (core/periodic.py names it): forget used links whose signatures have expired."""
    return services.used_sign_in_links_purge()
