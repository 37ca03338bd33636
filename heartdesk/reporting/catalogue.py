"""The KPIs of the guides, defined once: key, label, unit, which way is better, and the guides' default target.

Pure data (no ORM): the engine, the dashboard, the reports and the API all read these, so a label or a target is
written in one place. Targets can be changed per installation (`models.KpiTarget`); these are the defaults.
docs/METRICS.md defines each one exactly.
"""

from dataclasses import dataclass
from enum import StrEnum

# What an answer counts as (satisfied, promoter, detractor, poor) is defined once in surveys/scales.py (below
# reporting in the import order); the KPIs here count with it.
from heartdesk.surveys.scales import CSAT_SATISFIED_FROM, NPS_DETRACTOR_UP_TO, NPS_PROMOTER_FROM  # noqa: F401


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


class Kind(StrEnum):
    PROPORTION = "proportion"  # a % of n; Wilson interval
    MEAN = "mean"  # a mean of n values; t interval from the sum of squares
    NPS = "nps"  # % promoters − % detractors; adjusted-Wald interval
    QUANTILE = "quantile"  # a median or percentile of n values; distribution-free interval on order statistics
    COUNT = "count"  # a plain count (no interval)


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    label: str
    unit: str  # "%", "/5", "h", "" (a score or a count)
    kind: Kind
    better: Better
    target: float | None  # the guides' default; None: no target (shown without red/amber/green)
    source: str  # where the guides define it


KPIS: tuple[KpiDefinition, ...] = (
    KpiDefinition("csat", "CSAT", "%", Kind.PROPORTION, Better.HIGHER, 90.0, "000 §8.1, 004 §1"),
    KpiDefinition("average_rating", "Average rating", "/5", Kind.MEAN, Better.HIGHER, 4.5, "002 success metrics"),
    KpiDefinition("nps", "NPS", "", Kind.NPS, Better.HIGHER, 50.0, "000 §8.1, 002"),
    KpiDefinition("fcr", "First contact resolution", "%", Kind.PROPORTION, Better.HIGHER, 75.0, "000 §8.1"),
    KpiDefinition("resolution_time", "Average resolution time", "h", Kind.MEAN, Better.LOWER, 4.0, "000 §8.1"),
    KpiDefinition("resolution_time_median", "Median resolution time", "h", Kind.QUANTILE, Better.LOWER, None, ""),
    KpiDefinition("resolution_time_p90", "90th percentile resolution time", "h", Kind.QUANTILE, Better.LOWER, None, ""),
    KpiDefinition("resolved_48h", "Resolved within 48 hours", "%", Kind.PROPORTION, Better.HIGHER, 100.0, "004 §1"),
    KpiDefinition("first_response_time", "Average first response time", "h", Kind.MEAN, Better.LOWER, None, ""),
    KpiDefinition(
        "first_response_time_median", "Median first response time", "h", Kind.QUANTILE, Better.LOWER, None, ""
    ),
    KpiDefinition("sla_first_response", "SLA: first response met", "%", Kind.PROPORTION, Better.HIGHER, 95.0, ""),
    KpiDefinition("sla_next_update", "SLA: updates on time", "%", Kind.PROPORTION, Better.HIGHER, 95.0, ""),
    KpiDefinition("sla_resolution", "SLA: resolution met", "%", Kind.PROPORTION, Better.HIGHER, 95.0, ""),
    KpiDefinition("promises_kept", "Promises kept", "%", Kind.PROPORTION, Better.HIGHER, 95.0, "001"),
    KpiDefinition("backlog", "Open tickets now", "", Kind.COUNT, Better.LOWER, None, ""),
    KpiDefinition("tickets_created", "Tickets received", "", Kind.COUNT, Better.LOWER, None, ""),
    KpiDefinition("tickets_solved", "Tickets solved", "", Kind.COUNT, Better.HIGHER, None, ""),
    KpiDefinition("reopen_rate", "Reopen rate", "%", Kind.PROPORTION, Better.LOWER, None, ""),
    KpiDefinition("escalation_rate", "Escalation rate", "%", Kind.PROPORTION, Better.LOWER, None, "002"),
    KpiDefinition("complaints", "Complaints", "", Kind.COUNT, Better.LOWER, None, "003"),
    KpiDefinition("follow_up_closure", "Follow-ups closed", "%", Kind.PROPORTION, Better.HIGHER, 100.0, "004 §4"),
    KpiDefinition("response_rate", "Survey response rate", "%", Kind.PROPORTION, Better.HIGHER, None, ""),
    KpiDefinition("retention", "Customer retention", "%", Kind.PROPORTION, Better.HIGHER, 95.0, "002"),
)

BY_KEY: dict[str, KpiDefinition] = {k.key: k for k in KPIS}

# The CSAT gauge's bands (guide 000 §8.2): label, from, to (percent).
CSAT_BANDS: tuple[tuple[str, float, float], ...] = (
    ("Poor", 0.0, 50.0),
    ("Good", 50.0, 80.0),
    ("Excellent", 80.0, 100.0),
)

# Amber: the target is missed by no more than this share of the target (CSAT 90 → amber from 81).
AMBER_MARGIN = 0.10
