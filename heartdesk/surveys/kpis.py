"""The guides' satisfaction KPIs as pure arithmetic over counts (no ORM): selectors count in the database, this
module turns counts into figures. A figure over no data is "no data" (value None), never 0, and always carries n."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    value: float | None  # None: "no data"
    n: int  # how many responses (or invitations) the figure rests on

    @property
    def no_data(self) -> bool:
        return self.value is None


def percent(part: int, whole: int) -> Figure:
    if not whole:
        return Figure(None, 0)
    return Figure(round(100.0 * part / whole, 1), whole)


def csat_percent(satisfied: int, rated: int) -> Figure:
    """Ratings of 4 or 5 ÷ all ratings × 100 (PRODUCT.md)."""
    return percent(satisfied, rated)


def average(mean: float | None, n: int) -> Figure:
    if not n or mean is None:
        return Figure(None, 0)
    return Figure(round(float(mean), 2), n)


def nps(promoters: int, detractors: int, n: int) -> Figure:
    """% promoters (9–10) − % detractors (0–6), rounded to one decimal; passives (7–8) count only in n."""
    if not n:
        return Figure(None, 0)
    return Figure(round(100.0 * (promoters - detractors) / n, 1), n)


@dataclass(frozen=True)
class Kpis:
    responses: int
    csat: Figure
    average_rating: Figure
    nps: Figure
    promoters: int
    passives: int
    detractors: int
    resolved: Figure
    response_time_ok: Figure
    response_rate: Figure | None = None  # only for the whole period: invitations are not split by row

    def as_dict(self) -> dict:
        out = {
            "responses": self.responses,
            "csat_percent": _fig(self.csat),
            "average_rating": _fig(self.average_rating),
            "nps": _fig(self.nps),
            "promoters": self.promoters,
            "passives": self.passives,
            "detractors": self.detractors,
            "resolved_percent": _fig(self.resolved),
            "response_time_ok_percent": _fig(self.response_time_ok),
        }
        if self.response_rate is not None:
            out["response_rate_percent"] = _fig(self.response_rate)
        return out


def _fig(f: Figure) -> dict:
    return {"value": f.value, "n": f.n}


def kpis_from_counts(c: dict, response_rate: Figure | None = None) -> Kpis:
    """`c` holds the counts named by `selectors.KPI_COUNTS` (one aggregate row)."""
    rated = c["rated"] or 0
    nps_n = c["nps_n"] or 0
    promoters, detractors = c["promoters"] or 0, c["detractors"] or 0
    return Kpis(
        responses=c["responses"] or 0,
        csat=csat_percent(c["satisfied"] or 0, rated),
        average_rating=average(c["rating_avg"], rated),
        nps=nps(promoters, detractors, nps_n),
        promoters=promoters,
        passives=nps_n - promoters - detractors,
        detractors=detractors,
        resolved=percent(c["resolved_yes"] or 0, c["resolved_n"] or 0),
        response_time_ok=percent(c["time_ok_yes"] or 0, c["time_ok_n"] or 0),
        response_rate=response_rate,
    )
