"""The ticket-history import page: upload a file, check it (dry run) or import it, read the report."""

from heartdesk.accounts import policy
from heartdesk.accounts.decorators import permission_required
from heartdesk.core.history_import import import_page as history_import_page
from heartdesk.tickets import importing


@permission_required(policy.TICKETS_IMPORT)
def import_page(request):
    return history_import_page(
        request,
        run=importing.import_tickets,
        template="tickets/import.html",
        help_text="A JSON or CSV export from your previous help desk.",
    )
