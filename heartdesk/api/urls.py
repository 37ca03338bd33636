from ninja import NinjaAPI

from heartdesk.api import problems
from heartdesk.api.auth import API_AUTH

api = NinjaAPI(
    title="Heartdesk API",
    version="1",
    description="Customer database, help desk and satisfaction platform. Errors are RFC 9457 problem details.",
    auth=API_AUTH,
    urls_namespace="api",
)
problems.install(api)

from heartdesk.accounts.api import router as accounts_router  # noqa: E402
from heartdesk.calendars.api import router as calendars_router  # noqa: E402
from heartdesk.customers.api import router as customers_router  # noqa: E402
from heartdesk.messaging.api import router as messaging_router  # noqa: E402
from heartdesk.reporting.api import router as metrics_router  # noqa: E402
from heartdesk.reporting.report_api import router as reports_router  # noqa: E402
from heartdesk.surveys.api import router as surveys_router  # noqa: E402
from heartdesk.surveys.builder_api import router as survey_builder_router  # noqa: E402
from heartdesk.tickets.api import router as tickets_router  # noqa: E402
from heartdesk.tickets.import_api import router as ticket_import_router  # noqa: E402
from heartdesk.tickets.sla.api import router as sla_router  # noqa: E402
from heartdesk.webhooks.api import router as webhooks_router  # noqa: E402

api.add_router("/", accounts_router)
api.add_router("/", customers_router)
api.add_router("/", messaging_router)
api.add_router("/", calendars_router)
api.add_router("/", ticket_import_router)  # before tickets_router: /tickets/import is not a ticket id
api.add_router("/", tickets_router)
api.add_router("/", sla_router)
api.add_router("/", webhooks_router)
api.add_router("/", survey_builder_router)
api.add_router("/", surveys_router)
api.add_router("/", metrics_router)
api.add_router("/", reports_router)
