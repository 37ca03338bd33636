"""CSV export of survey responses with the results filters: one row per response, streamed in id batches,
through the customers export's BOM and formula-injection guard."""

from collections.abc import Iterator

from heartdesk.customers.exporting import stream_csv
from heartdesk.surveys.filters import ResultFilters
from heartdesk.surveys.selectors import responses_queryset

COLUMNS = [
    "submitted_at",
    "survey",
    "version",
    "ticket",
    "contact_email",
    "organization",
    "agent",
    "team",
    "channel",
    "segment",
    "tier",
    "csat",
    "resolved",
    "response_time_ok",
    "nps",
    "sentiment",
    "sentiment_score",
    "themes",
    "comment",
]
BATCH = 2000


def _yes_no(value) -> str:
    return "" if value is None else ("yes" if value else "no")


def response_rows(filters: ResultFilters) -> Iterator[list]:
    yield COLUMNS
    qs = responses_queryset(filters)
    last = 0
    while True:
        batch = list(qs.filter(id__gt=last).order_by("id")[:BATCH])
        if not batch:
            return
        for r in batch:
            yield [
                r.submitted_at.isoformat(),
                r.survey.name,
                r.version.number,
                r.ticket.reference if r.ticket else "",
                (r.contact.email or "") if r.contact else "",
                r.organization.name if r.organization else "",
                r.agent.username if r.agent else "",
                r.team.name if r.team else "",
                r.channel,
                r.segment.name if r.segment else "",
                r.tier.name if r.tier else "",
                "" if r.csat is None else r.csat,
                _yes_no(r.resolved),
                _yes_no(r.response_time_ok),
                "" if r.nps is None else r.nps,
                r.sentiment,
                "" if r.sentiment_score is None else r.sentiment_score,
                ", ".join(r.themes or []),
                r.comment,
            ]
        last = batch[-1].id


def stream(filters: ResultFilters) -> Iterator[str]:
    return stream_csv(response_rows(filters))
