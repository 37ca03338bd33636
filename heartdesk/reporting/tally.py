"""The additive counts every KPI is made from, and the KPIs made from them (pure: no ORM).

A `Tally` holds integer counters and two minute histograms. Tallies add: the tally of a period is the sum of its
days' tallies, whether those come from the roll-ups (`DailyFigures` rows) or straight from tickets, clocks and
responses (`scratch`). `figures()` turns one tally (and the previous period's) into catalogue Figures, so both paths
share every line of arithmetic after counting; that is why they agree exactly.
"""

from fractions import Fraction

from heartdesk.reporting import formulas
from heartdesk.reporting.catalogue import AMBER_MARGIN, BY_KEY, KPIS, Kind
from heartdesk.reporting.types import Figure, Status

# Stored per (day, dimension, key) in DailyFigures; every one is a plain additive integer.
COUNTERS: tuple[str, ...] = (
    # tickets by created_at
    "created",
    "complaints",
    # tickets by solved_at
    "solved",
    "res_seconds",  # Σ (solved_at − created_at) in whole seconds
    "res_minutes",  # Σ and Σ² of the same in whole minutes: the spread of the mean, without the histogram
    "res_minute_squares",
    "res_48h",
    "reopened",
    "escalated",
    "fcr_n",  # first_contact_resolution known
    "fcr_yes",
    # tickets by first_response_at
    "frt_n",
    "frt_seconds",
    "frt_minutes",
    "frt_minute_squares",
    # SLA clocks by stopped_at (fulfilled or breached; cancelled never count)
    "fr_n",
    "fr_met",
    "nu_n",
    "nu_met",
    "rs_n",
    "rs_met",
    "pr_n",
    "pr_met",
    # survey responses by submitted_at
    "responses",
    "rated",
    "satisfied",
    "rating_sum",
    "rating_squares",
    "nps_n",
    "promoters",
    "detractors",
    # invitations by sent_at
    "sent",
    "answered",
    # follow-ups by created_at
    "fu_n",
    "fu_closed",
)
FCR_COUNTERS = ("fcr_n", "fcr_yes")
HISTOGRAMS = ("res_hist", "frt_hist")  # {whole minutes: tickets}


class Tally:
    """Counters, histograms, and the live figures a read adds (backlog; retention's customers at start and kept)."""

    __slots__ = ("c", "res_hist", "frt_hist", "backlog", "ret_start", "ret_kept")

    def __init__(self):
        self.c: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.res_hist: dict[int, int] = {}
        self.frt_hist: dict[int, int] = {}
        self.backlog: int | None = None
        self.ret_start = 0
        self.ret_kept = 0

    def add(self, other: "Tally", *, fcr: bool = True) -> "Tally":
        """Add `other` in place; `fcr=False` leaves out its FCR counts (a day still inside the reopen window)."""
        c, o = self.c, other.c
        for name in COUNTERS:
            c[name] += o[name]
        if not fcr:
            for name in FCR_COUNTERS:
                c[name] -= o[name]
        merge(self.res_hist, other.res_hist)
        merge(self.frt_hist, other.frt_hist)
        return self

    def __bool__(self) -> bool:
        return any(self.c.values())

    def __eq__(self, other) -> bool:
        return (
            isinstance(other, Tally)
            and self.c == other.c
            and self.res_hist == other.res_hist
            and self.frt_hist == other.frt_hist
        )

    def __repr__(self) -> str:
        counts = {k: v for k, v in self.c.items() if v}
        return f"Tally({counts}, res={len(self.res_hist)}, frt={len(self.frt_hist)})"


def merge(into: dict[int, int], histogram: dict[int, int]) -> None:
    for value, count in histogram.items():
        into[value] = into.get(value, 0) + count


def total(tallies, *, fcr_ok=lambda day: True) -> Tally:
    """Sum {day: Tally} (or (day, tally) pairs); FCR counts only from days `fcr_ok` accepts."""
    out = Tally()
    items = tallies.items() if isinstance(tallies, dict) else tallies
    for day, tally in items:
        out.add(tally, fcr=fcr_ok(day))
    return out


# --- From counts to figures --------------------------------------------------------------------------------------

PERCENT = {
    # key: (numerator counter, denominator counter)
    "csat": ("satisfied", "rated"),
    "fcr": ("fcr_yes", "fcr_n"),
    "resolved_48h": ("res_48h", "solved"),
    "sla_first_response": ("fr_met", "fr_n"),
    "sla_next_update": ("nu_met", "nu_n"),
    "sla_resolution": ("rs_met", "rs_n"),
    "promises_kept": ("pr_met", "pr_n"),
    "reopen_rate": ("reopened", "solved"),
    "escalation_rate": ("escalated", "solved"),
    "follow_up_closure": ("fu_closed", "fu_n"),
    "response_rate": ("answered", "sent"),
}
COUNTS = {"tickets_created": "created", "tickets_solved": "solved", "complaints": "complaints"}
HOURS = {  # mean hours: (n counter, Σ seconds, Σ minutes, Σ minutes²)
    "resolution_time": ("solved", "res_seconds", "res_minutes", "res_minute_squares"),
    "first_response_time": ("frt_n", "frt_seconds", "frt_minutes", "frt_minute_squares"),
}
QUANTILES = {  # key: (histogram, q): the only figures that need the histograms
    "resolution_time_median": ("res_hist", Fraction(1, 2)),
    "resolution_time_p90": ("res_hist", Fraction(9, 10)),
    "first_response_time_median": ("frt_hist", Fraction(1, 2)),
}


def _r(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places)


def _proportion(t: Tally, key: str) -> tuple[int, int]:
    if key == "retention":
        return t.ret_kept, t.ret_start
    k, n = PERCENT[key]
    return t.c[k], t.c[n]


def _hours_stats(t: Tally, key: str) -> tuple[int, float | None, float | None]:
    """n, mean hours (exact, from seconds) and the variance in hours² (from the whole minutes' Σ and Σ²)."""
    n_name, seconds_name, minutes_name, squares_name = HOURS[key]
    n = t.c[n_name]
    if not n:
        return 0, None, None
    mean = t.c[seconds_name] / n / 3600.0
    _, variance_minutes = formulas.mean_and_variance(n, t.c[minutes_name], t.c[squares_name])
    return n, mean, None if variance_minutes is None else variance_minutes / 3600.0


def _rating_stats(t: Tally) -> tuple[int, float | None, float | None]:
    n = t.c["rated"]
    mean, variance = formulas.mean_and_variance(n, t.c["rating_sum"], t.c["rating_squares"])
    return n, mean, variance


def estimate(t: Tally, key: str) -> formulas.Estimate:
    """One KPI of one tally, in display units (percent, NPS points, hours, /5, counts), unrounded."""
    kind = BY_KEY[key].kind
    if key == "backlog":
        return formulas.NO_DATA if t.backlog is None else formulas.Estimate(float(t.backlog), t.backlog)
    if kind == Kind.COUNT:
        n = t.c[COUNTS[key]]
        return formulas.Estimate(float(n), n)
    if kind == Kind.PROPORTION:
        e = formulas.wilson(*_proportion(t, key))
        return e if e.value is None else formulas.Estimate(100 * e.value, e.n, 100 * e.low, 100 * e.high)
    if key == "nps":
        e = formulas.nps(t.c["promoters"], t.c["detractors"], t.c["nps_n"])
        return e if e.value is None else formulas.Estimate(100 * e.value, e.n, 100 * e.low, 100 * e.high)
    if key == "average_rating":
        return formulas.t_interval(t.c["rated"], t.c["rating_sum"], t.c["rating_squares"])
    if key in HOURS:
        n, mean, variance = _hours_stats(t, key)
        return formulas.mean_with_spread(n, mean, variance)
    hist_name, q = QUANTILES[key]
    e = formulas.quantile(getattr(t, hist_name), q)
    if e.value is None:
        return e
    return formulas.Estimate(e.value / 60.0, e.n, e.low / 60.0, e.high / 60.0)


def change_p(key: str, now: Tally, before: Tally) -> float | None:
    """The p-value of the change from `before` to `now`; None where no test applies (counts, quantiles)."""
    kind = BY_KEY[key].kind
    if kind == Kind.PROPORTION:
        return formulas.two_proportions_p(*_proportion(now, key), *_proportion(before, key))
    if key == "nps":
        return formulas.nps_difference_p(
            now.c["promoters"], now.c["detractors"], now.c["nps_n"],
            before.c["promoters"], before.c["detractors"], before.c["nps_n"],
        )  # fmt: skip
    if kind == Kind.MEAN:
        stats = _rating_stats if key == "average_rating" else lambda t: _hours_stats(t, key)
        n1, m1, v1 = stats(now)
        n2, m2, v2 = stats(before)
        if m1 is None or m2 is None:
            return None
        return formulas.welch_p(n1, m1, v1, n2, m2, v2)
    return None


def places(key: str) -> int:
    unit = BY_KEY[key].unit
    return 2 if unit in ("h", "/5") else (0 if BY_KEY[key].kind == Kind.COUNT else 1)


def figure(key: str, now: Tally, *, target: float | None, before: Tally | None = None, compare: bool = True) -> Figure:
    """The Figure of `key`: value and interval rounded for display, n, target, status and (with `before`) the
    previous period's value and whether the change is significant (two-sided p < 0.05, both periods with data)."""
    definition = BY_KEY[key]
    e = estimate(now, key)
    digits = places(key)
    value = _r(e.value, digits)
    status = Status(formulas.status(value, target, definition.better.value, AMBER_MARGIN))
    previous, previous_n, is_significant = None, 0, False
    if before is not None and compare and key != "backlog":
        p = estimate(before, key)
        previous, previous_n = _r(p.value, digits), p.n
        if e.value is not None and p.value is not None:
            is_significant = formulas.significant(change_p(key, now, before))
    return Figure(
        key=key,
        value=value,
        n=e.n,
        low=_r(e.low, digits),
        high=_r(e.high, digits),
        target=target,
        status=status,
        previous=previous,
        previous_n=previous_n,
        significant=is_significant,
    )


def figures(
    now: Tally, *, targets: dict[str, float | None], before: Tally | None = None, keys=None
) -> dict[str, Figure]:
    keys = keys or tuple(k.key for k in KPIS)
    return {key: figure(key, now, target=targets.get(key), before=before) for key in keys}
