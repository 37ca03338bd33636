"""What an answer means on the guides' scales: satisfied, promoter, detractor, poor (guide 000 §8).

One definition, read by the survey results, the follow-up rules and the KPI engine (`reporting/catalogue.py`
names it beside the KPIs). It sits in surveys because reporting is above surveys in the import order."""

from django.db.models import Q

CSAT_SATISFIED_FROM = 4  # CSAT: share of ratings 4 or 5 of 5
CSAT_POOR_UP_TO = 2  # a rating of 1 or 2 is a poor answer
NPS_PROMOTER_FROM = 9  # NPS: promoters 9-10, passives 7-8, detractors 0-6
NPS_DETRACTOR_UP_TO = 6


def satisfied(csat: int | None) -> bool:
    return csat is not None and csat >= CSAT_SATISFIED_FROM


def promoter(nps: int | None) -> bool:
    return nps is not None and nps >= NPS_PROMOTER_FROM


def poor_rating(csat: int | None) -> bool:
    return csat is not None and csat <= CSAT_POOR_UP_TO


def detractor(nps: int | None) -> bool:
    return nps is not None and nps <= NPS_DETRACTOR_UP_TO


# The same rules as database conditions on Response rows.
SATISFIED = Q(csat__gte=CSAT_SATISFIED_FROM)
PROMOTERS = Q(nps__gte=NPS_PROMOTER_FROM)
DETRACTORS = Q(nps__lte=NPS_DETRACTOR_UP_TO)
POOR_ANSWER = Q(csat__lte=CSAT_POOR_UP_TO) | DETRACTORS  # the guides' detractor, or a CSAT of 1 or 2
