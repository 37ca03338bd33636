"""The KPI formulas against hand-computed tables (no database)."""

import math
from fractions import Fraction

import pytest

from heartdesk.reporting import formulas
from heartdesk.reporting.catalogue import Better
from heartdesk.reporting.tally import Tally, estimate, figure


def close(a, b, tol=5e-4):
    return a is not None and b is not None and abs(a - b) <= tol


# k, n, value, low, high (Wilson 95 %; low/high by hand: (p + z²/2n ± z√(p(1−p)/n + z²/4n²)) / (1 + z²/n))
WILSON = [
    (0, 0, None, None, None),
    (1, 1, 1.0, 0.2065, 1.0),
    (0, 1, 0.0, 0.0, 0.7935),
    (9, 10, 0.9, 0.5958, 0.9821),
    (45, 50, 0.9, 0.7864, 0.9565),
    (0, 10, 0.0, 0.0, 0.2775),
]


@pytest.mark.parametrize(("k", "n", "value", "low", "high"), WILSON)
def test_wilson_matches_the_hand_computed_table(k, n, value, low, high):
    e = formulas.wilson(k, n)
    if value is None:
        assert e == formulas.NO_DATA
        return
    assert e.value == value and e.n == n
    assert close(e.low, low) and close(e.high, high)


# values, mean, low, high (t interval: mean ± t(0.975, n−1) · s/√n)
MEANS = [
    ([], None, None, None),
    ([4], 4.0, None, None),  # one answer: a mean, no interval
    ([4, 5], 4.5, 4.5 - 12.7062 * 0.5, 4.5 + 12.7062 * 0.5),  # s = 0.7071, s/√2 = 0.5
    ([5, 5, 5], 5.0, 5.0, 5.0),
    ([1, 2, 3, 4, 5], 3.0, 3.0 - 2.7764 * math.sqrt(2.5 / 5), 3.0 + 2.7764 * math.sqrt(2.5 / 5)),
]


@pytest.mark.parametrize(("values", "mean", "low", "high"), MEANS)
def test_the_t_interval_matches_the_hand_computed_table(values, mean, low, high):
    e = formulas.t_interval(len(values), sum(values), sum(v * v for v in values))
    assert e.value == mean and e.n == len(values)
    if low is None:
        assert e.low is None and e.high is None
    else:
        assert close(e.low, low, 1e-3) and close(e.high, high, 1e-3)


@pytest.mark.parametrize(("df", "critical"), [(1, 12.7062), (2, 4.3027), (4, 2.7764), (30, 2.0423), (1000, 1.9623)])
def test_the_t_critical_values_are_the_textbook_ones(df, critical):
    assert close(formulas.t_critical(df), critical, 1e-3)


# promoters, detractors, n, nps, low, high: adjusted Wald: n' = n+3, p' = (P+.75)/n', d' = (D+.75)/n',
# var = (p'+d'−(p'−d')²)/n', interval (p'−d') ± 1.96 √var
def _adjusted(p, d, n):
    n2 = n + 3
    pa, da = (p + 0.75) / n2, (d + 0.75) / n2
    half = 1.959964 * math.sqrt((pa + da - (pa - da) ** 2) / n2)
    return max(-1, pa - da - half), min(1, pa - da + half)


NPS = [
    (0, 0, 0, None),
    (1, 0, 1, 1.0),  # one promoter
    (0, 1, 1, -1.0),  # one detractor
    (0, 0, 1, 0.0),  # one passive
    (5, 2, 10, 0.3),
    (50, 10, 100, 0.4),
]


@pytest.mark.parametrize(("promoters", "detractors", "n", "value"), NPS)
def test_nps_and_its_adjusted_wald_interval(promoters, detractors, n, value):
    e = formulas.nps(promoters, detractors, n)
    assert e.value == value
    if value is not None:
        low, high = _adjusted(promoters, detractors, n)
        assert close(e.low, low, 1e-6) and close(e.high, high, 1e-6)
        assert -1 <= e.low <= e.high <= 1


def test_nps_boundaries_six_is_a_detractor_seven_and_eight_are_passive_nine_a_promoter():
    t = Tally()
    for score in (6, 7, 8, 9):
        t.c["nps_n"] += 1
        t.c["promoters"] += score >= 9
        t.c["detractors"] += score <= 6
    assert estimate(t, "nps").value == 0.0  # 1 promoter − 1 detractor of 4
    assert t.c["promoters"] == 1 and t.c["detractors"] == 1


def test_csat_boundary_four_is_satisfied_three_is_not():
    t = Tally()
    for rating in (3, 4):
        t.c["rated"] += 1
        t.c["satisfied"] += rating >= 4
        t.c["rating_sum"] += rating
        t.c["rating_squares"] += rating * rating
    assert estimate(t, "csat").value == 50.0
    assert estimate(t, "average_rating").value == 3.5


# histogram, q, value (nearest rank: the value at rank ⌈q·n⌉)
QUANTILES = [
    ({}, "1/2", None),
    ({7: 1}, "1/2", 7),
    ({1: 1, 2: 1}, "1/2", 1),  # rank ⌈1⌉ = 1
    ({1: 1, 2: 1, 3: 1}, "1/2", 2),  # rank ⌈1.5⌉ = 2
    ({10: 9, 1000: 1}, "9/10", 10),  # rank 9 of 10
    ({10: 8, 1000: 2}, "9/10", 1000),
    ({5: 70}, "9/10", 5),
    (dict.fromkeys(range(1, 71), 1), "9/10", 63),  # ⌈0.9 × 70⌉ = 63 exactly (floats would say 64)
    ({3: 2, 1: 2}, "1/2", 1),  # order of the histogram does not matter
]


@pytest.mark.parametrize(("histogram", "q", "value"), QUANTILES)
def test_nearest_rank_quantiles(histogram, q, value):
    e = formulas.quantile(histogram, Fraction(q))
    assert e.value == (None if value is None else float(value))
    if value is not None:
        assert e.low <= e.value <= e.high


def test_the_quantile_interval_brackets_the_median_by_order_statistics():
    e = formulas.quantile(dict.fromkeys(range(1, 101), 1), Fraction(1, 2))
    # ranks ⌊50 − 1.96·5⌋ = 40 and ⌈50 + 9.8⌉ + 1 = 61
    assert (e.value, e.low, e.high) == (50.0, 40.0, 61.0)


def test_two_proportions_z_test_by_hand():
    # 45/50 vs 30/50: pooled 0.75, se = √(0.75·0.25·(2/50)) = 0.0866, z = 0.3/0.0866 = 3.464, p = 0.000532
    assert close(formulas.two_proportions_p(45, 50, 30, 50), 0.000532, 1e-5)
    assert formulas.two_proportions_p(1, 2, 1, 2) == 1.0
    assert formulas.two_proportions_p(0, 0, 1, 2) is None
    assert formulas.two_proportions_p(5, 5, 3, 3) == 1.0  # all met on both sides: nothing to test


def test_welch_t_test_by_hand():
    # [1,2,3,4,5] vs [3,4,5,6,7]: t = −2/√(0.5+0.5) = −2, df = 8, p = 0.0805
    assert close(formulas.welch_p(5, 3.0, 2.5, 5, 5.0, 2.5), 0.0805, 1e-4)
    assert formulas.welch_p(1, 3.0, None, 5, 5.0, 2.5) is None
    assert formulas.welch_p(3, 5.0, 0.0, 3, 4.0, 0.0) == 0.0


def test_nps_difference_test():
    assert formulas.nps_difference_p(50, 10, 100, 50, 10, 100) == 1.0
    assert formulas.nps_difference_p(80, 5, 100, 20, 60, 100) < 1e-6
    assert formulas.nps_difference_p(1, 0, 1, 0, 0, 0) is None


STATUS = [
    (None, 90, "higher", "none"),
    (95, None, "higher", "none"),
    (90, 90, "higher", "green"),
    (81, 90, "higher", "amber"),
    (80.9, 90, "higher", "red"),
    (3.9, 4, "lower", "green"),
    (4.0, 4, "lower", "green"),  # "< 4 h": equal counts as met (documented)
    (4.4, 4, "lower", "amber"),
    (4.5, 4, "lower", "red"),
    (45, 50, "higher", "amber"),
    (-10, 50, "higher", "red"),
]


@pytest.mark.parametrize(("value", "target", "better", "expected"), STATUS)
def test_status(value, target, better, expected):
    assert formulas.status(value, target, better) == expected


def test_a_figure_over_no_data_is_none_never_zero():
    f = figure("csat", Tally(), target=90.0, before=Tally())
    assert f.value is None and f.n == 0 and f.status == "none" and f.previous is None and not f.significant


def test_resolution_time_mean_is_exact_from_seconds_and_quantiles_are_whole_minutes():
    t = Tally()
    for seconds in (90, 3600, 7230):
        t.c["solved"] += 1
        t.c["res_seconds"] += seconds
        t.res_hist[seconds // 60] = t.res_hist.get(seconds // 60, 0) + 1
    assert estimate(t, "resolution_time").value == pytest.approx((90 + 3600 + 7230) / 3 / 3600)
    assert estimate(t, "resolution_time_median").value == 1.0  # 60 minutes
    assert estimate(t, "resolution_time_p90").value == 120 / 60  # 7230 s = 120 whole minutes
    assert Better.LOWER == "lower"
