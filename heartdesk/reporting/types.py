"""What the KPI engine returns: the dashboard, the API, the reports and the tests all read these shapes.

`selectors.metrics(filters)` -> `Metrics`; `selectors.trend(filters)` -> `list[TrendPoint]`;
`selectors.breakdown(filters, by=Dimension.TEAM)` -> `list[BreakdownRow]`. A figure over no data has value None
("no data", never 0) and n = 0; every figure carries its n and its 95 % confidence interval.
"""

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    GREEN = "green"  # meets its target
    AMBER = "amber"  # misses it by no more than catalogue.AMBER_MARGIN of the target
    RED = "red"
    NONE = "none"  # no target, or no data


class Dimension(StrEnum):
    AGENT = "agent"
    TEAM = "team"
    CHANNEL = "channel"
    PRIORITY = "priority"
    SEGMENT = "segment"
    TIER = "tier"
    ORGANIZATION = "organization"


class Grain(StrEnum):
    DAY = "day"
    WEEK = "week"  # ISO weeks, Monday first
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True)
class Figure:
    key: str  # catalogue key, e.g. "csat"
    value: float | None  # None: no data
    n: int  # responses, tickets, clocks or customers it rests on
    low: float | None = None  # 95 % confidence interval (None for counts and for no data)
    high: float | None = None
    target: float | None = None
    status: Status = Status.NONE
    previous: float | None = None  # the same figure over the previous period of the same length
    previous_n: int = 0
    significant: bool = False  # the change from `previous` is statistically meaningful (two-sided p < 0.05)

    @property
    def no_data(self) -> bool:
        return self.value is None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return round(self.value - self.previous, 2)

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "value": self.value,
            "n": self.n,
            "low": self.low,
            "high": self.high,
            "target": self.target,
            "status": self.status.value,
            "previous": self.previous,
            "previous_n": self.previous_n,
            "change": self.change,
            "significant": self.significant,
        }


@dataclass(frozen=True)
class Period:
    date_from: dt.date
    date_to: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


@dataclass
class Metrics:
    period: Period
    previous_period: Period
    figures: dict[str, Figure]  # catalogue order
    computed_from: str = "roll-ups"  # or "tickets and responses" when the filters combine dimensions

    def __getitem__(self, key: str) -> Figure:
        return self.figures[key]


@dataclass
class TrendPoint:
    start: dt.date
    label: str  # "2026-11-02", "Week of 2026-11-02", "November 2026", "2026 Q4"
    figures: dict[str, Figure] = field(default_factory=dict)


@dataclass
class BreakdownRow:
    key: str  # the dimension's value: a user/team/segment/tier/organization id as text, a channel or a priority
    label: str
    figures: dict[str, Figure] = field(default_factory=dict)
