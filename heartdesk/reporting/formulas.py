"""KPI statistics as pure arithmetic (no ORM, no Django): intervals, quantiles, tests and the traffic light.

Every function takes counts and sums (what the database or the roll-ups hold) and returns plain numbers, so the
from-scratch path and the roll-up path run exactly the same arithmetic on exactly the same integers. Proportions
and NPS are returned as fractions (0..1, -1..1); callers scale to percent. "No data" is None, never 0.
"""

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

Z95 = 1.959963984540054  # two-sided 95 %
ALPHA = 0.05


# --- Distributions ---------------------------------------------------------------------------------------------


def normal_two_sided_p(z: float) -> float:
    """P(|Z| >= |z|) for a standard normal Z."""
    return math.erfc(abs(z) / math.sqrt(2.0))


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the regularized incomplete beta function (Lentz; Numerical Recipes 6.4)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 3e-15:
            break
    return h


def betainc(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function I_x(a, b)."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_two_sided_p(t: float, df: float) -> float:
    """P(|T| >= |t|) for Student's t with `df` degrees of freedom (df may be fractional: Welch)."""
    if df <= 0:
        return 1.0
    return betainc(df / 2.0, 0.5, df / (df + t * t))


@lru_cache(maxsize=4096)
def t_critical(df: float, alpha: float = ALPHA) -> float:
    """The two-sided critical value: P(|T| >= t) = alpha (bisection on the exact CDF)."""
    low, high = 0.0, 1.0
    while t_two_sided_p(high, df) > alpha:
        high *= 2.0
    for _ in range(100):
        mid = (low + high) / 2.0
        if t_two_sided_p(mid, df) > alpha:
            low = mid
        else:
            high = mid
    return (low + high) / 2.0


# --- Estimates with their 95 % intervals -----------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    value: float | None  # None: no data
    n: int
    low: float | None = None
    high: float | None = None


NO_DATA = Estimate(None, 0)


def wilson(k: int, n: int, z: float = Z95) -> Estimate:
    """k of n as a fraction, with the Wilson score interval (sound at 0 %, 100 % and small n)."""
    if n <= 0:
        return NO_DATA
    p = k / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Estimate(p, n, max(0.0, centre - half), min(1.0, centre + half))


def mean_and_variance(n: int, total: float, sum_squares: float) -> tuple[float | None, float | None]:
    """The mean and the sample variance (n - 1 denominator; None below 2 values) from n, Σx and Σx²."""
    if n <= 0:
        return None, None
    mean = total / n
    if n < 2:
        return mean, None
    return mean, max(0.0, (sum_squares - total * total / n) / (n - 1))


def t_interval(n: int, total: float, sum_squares: float) -> Estimate:
    """The mean of n values with Student's t interval; one value has a mean and no interval."""
    mean, variance = mean_and_variance(n, total, sum_squares)
    if mean is None:
        return NO_DATA
    if variance is None:
        return Estimate(mean, n)
    half = t_critical(n - 1) * math.sqrt(variance / n)
    return Estimate(mean, n, mean - half, mean + half)


def mean_with_spread(n: int, mean: float | None, variance: float | None) -> Estimate:
    """A mean computed elsewhere (exact, from seconds) with the t interval of a spread measured on another scale."""
    if not n or mean is None:
        return NO_DATA
    if variance is None or n < 2:
        return Estimate(mean, n)
    half = t_critical(n - 1) * math.sqrt(variance / n)
    return Estimate(mean, n, mean - half, mean + half)


def nps_adjusted(promoters: int, detractors: int, n: int) -> tuple[float, float, float]:
    """Adjusted-Wald (Rocks 2016) NPS: +3/4 promoter, +3/4 detractor, +3/2 passive; returns (nps', variance, n')."""
    n_adj = n + 3.0
    p = (promoters + 0.75) / n_adj
    d = (detractors + 0.75) / n_adj
    return p - d, (p + d - (p - d) ** 2) / n_adj, n_adj


def nps(promoters: int, detractors: int, n: int, z: float = Z95) -> Estimate:
    """% promoters − % detractors as a fraction (-1..1); the interval is the adjusted-Wald one, clipped to ±1."""
    if n <= 0:
        return NO_DATA
    centre, variance, _ = nps_adjusted(promoters, detractors, n)
    half = z * math.sqrt(variance)
    return Estimate((promoters - detractors) / n, n, max(-1.0, centre - half), min(1.0, centre + half))


# --- Quantiles from a histogram --------------------------------------------------------------------------------


def _value_at_ranks(histogram: dict[int, int], ranks: list[int]) -> list[int]:
    """The values at 1-based ranks (ascending) in the sorted multiset a {value: count} histogram describes."""
    wanted = sorted(set(ranks))
    found: dict[int, int] = {}
    seen = 0
    i = 0
    for value in sorted(histogram):
        seen += histogram[value]
        while i < len(wanted) and wanted[i] <= seen:
            found[wanted[i]] = value
            i += 1
        if i == len(wanted):
            break
    return [found[r] for r in ranks]


def quantile(histogram: dict[int, int], q: Fraction | str, z: float = Z95) -> Estimate:
    """The nearest-rank q-quantile: the value at rank ⌈q·n⌉ (integer arithmetic, so no float rounding moves it).

    The interval is distribution-free: the order statistics at ranks ⌊nq − z√(nq(1−q))⌋ and ⌈nq + z√(nq(1−q))⌉ + 1
    (the normal approximation to the binomial count below the quantile), clipped to 1..n.
    """
    q = Fraction(q)
    n = sum(histogram.values())
    if n <= 0:
        return NO_DATA
    rank = max(1, -(-q.numerator * n // q.denominator))
    nq = float(q) * n
    spread = z * math.sqrt(nq * (1 - float(q)))
    low_rank = min(n, max(1, math.floor(nq - spread)))
    high_rank = min(n, max(1, math.ceil(nq + spread) + 1))
    value, low, high = _value_at_ranks(histogram, [rank, low_rank, high_rank])
    return Estimate(float(value), n, float(low), float(high))


# --- Tests of a change from the previous period ----------------------------------------------------------------


def two_proportions_p(k1: int, n1: int, k2: int, n2: int) -> float | None:
    """Two-sided p of the pooled two-proportion z-test; None without data on either side."""
    if n1 <= 0 or n2 <= 0:
        return None
    pooled = (k1 + k2) / (n1 + n2)
    if pooled in (0.0, 1.0):
        return 1.0
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    return normal_two_sided_p((k1 / n1 - k2 / n2) / se)


def welch_p(n1: int, mean1: float, var1: float, n2: int, mean2: float, var2: float) -> float | None:
    """Two-sided p of Welch's t-test; None unless both sides have at least two values."""
    if n1 < 2 or n2 < 2 or var1 is None or var2 is None:
        return None
    a, b = var1 / n1, var2 / n2
    if a + b == 0:
        return 1.0 if mean1 == mean2 else 0.0
    t = (mean1 - mean2) / math.sqrt(a + b)
    df = (a + b) ** 2 / ((a * a / (n1 - 1) if a else 0.0) + (b * b / (n2 - 1) if b else 0.0))
    return t_two_sided_p(t, df)


def nps_difference_p(p1: int, d1: int, n1: int, p2: int, d2: int, n2: int) -> float | None:
    """Two-sided p of the change in NPS: z = ΔNPS' ÷ √(var'₁ + var'₂) on the adjusted-Wald estimates."""
    if n1 <= 0 or n2 <= 0:
        return None
    a, va, _ = nps_adjusted(p1, d1, n1)
    b, vb, _ = nps_adjusted(p2, d2, n2)
    return normal_two_sided_p((a - b) / math.sqrt(va + vb))


def significant(p: float | None) -> bool:
    return p is not None and p < ALPHA


# --- The traffic light -----------------------------------------------------------------------------------------


def status(value: float | None, target: float | None, better: str, margin: float = 0.10) -> str:
    """ "green" meets the target (≥ for higher-is-better, ≤ for lower-is-better: equal meets it), "amber" misses it
    by no more than `margin` × |target|, "red" otherwise, "none" without a target or without data."""
    if value is None or target is None:
        return "none"
    slack = margin * abs(target)
    if better == "lower":
        if value <= target:
            return "green"
        return "amber" if value <= target + slack else "red"
    if value >= target:
        return "green"
    return "amber" if value >= target - slack else "red"
