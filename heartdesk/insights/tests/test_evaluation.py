import pytest

from heartdesk.insights.evaluation import (
    Item,
    gold_label,
    metrics,
    parse_ground_truth,
    polarity_label,
    split,
    textblob_labels,
)
from heartdesk.insights.sentiment import NEGATIVE, NEUTRAL, POSITIVE


@pytest.mark.parametrize(
    ("rating", "label"),
    [
        (-4.0, NEGATIVE),
        (-0.5, NEGATIVE),
        (-0.49, NEUTRAL),
        (0.0, NEUTRAL),
        (0.49, NEUTRAL),
        (0.5, POSITIVE),
        (4, POSITIVE),
    ],
)
def test_gold_labels_come_from_the_mean_rating(rating, label):
    assert gold_label(rating) == label


@pytest.mark.parametrize(
    ("polarity", "label"),
    [(-1.0, NEGATIVE), (-0.11, NEGATIVE), (-0.1, NEUTRAL), (0.0, NEUTRAL), (0.1, NEUTRAL), (0.11, POSITIVE)],
)
def test_the_textblob_rule_is_the_guides_plus_minus_point_one(polarity, label):
    assert polarity_label(polarity, 0.1) == label


def test_it_parses_ground_truth_rows():
    text = "1\t2.26666666667\tGreat film.\r\n2\t-0.6\tEffective but too tepid biopic\r\n\r\n"
    assert parse_ground_truth(text, "movies") == [
        Item("movies", "1", 2.26666666667, "Great film."),
        Item("movies", "2", -0.6, "Effective but too tepid biopic"),
    ]
    with pytest.raises(ValueError, match="movies line 1"):
        parse_ground_truth("1\tno tabs enough", "movies")


def _items():
    return [Item(source, str(n), (n % 9) - 4.0, f"{source} {n}") for source in ("a", "b") for n in range(101)]


def test_the_split_is_disjoint_complete_and_stratified():
    items = _items()
    tune, test = split(items)
    assert not set(tune) & set(test)
    assert set(tune) | set(test) == set(items)
    for source in ("a", "b"):
        assert sum(1 for i in tune if i.source == source) in (50, 51)


def test_the_split_is_deterministic_and_independent_of_input_order():
    items = _items()
    assert split(items) == split(items)
    assert {*split(list(reversed(items)))[0]} == {*split(items)[0]}
    assert split(items, 0.6)[0] != split(items)[0]


def test_metrics_on_a_tiny_table():
    gold = [NEGATIVE, NEGATIVE, NEGATIVE, NEUTRAL, POSITIVE, POSITIVE]
    predicted = [NEGATIVE, NEGATIVE, NEUTRAL, NEUTRAL, POSITIVE, NEGATIVE]
    m = metrics(gold, predicted)
    assert m.n == 6
    assert m.accuracy == pytest.approx(4 / 6)
    assert m.recall == pytest.approx({NEGATIVE: 2 / 3, NEUTRAL: 1.0, POSITIVE: 0.5})
    assert m.precision == pytest.approx({NEGATIVE: 2 / 3, NEUTRAL: 0.5, POSITIVE: 1.0})
    f1 = {NEGATIVE: 2 / 3, NEUTRAL: 2 / 3, POSITIVE: 2 / 3}
    assert m.f1 == pytest.approx(f1)
    assert m.macro_f1 == pytest.approx(2 / 3)


def test_metrics_give_zero_for_a_class_never_predicted():
    m = metrics([NEGATIVE, POSITIVE], [NEGATIVE, NEGATIVE])
    assert m.recall[POSITIVE] == 0.0
    assert m.precision[POSITIVE] == 0.0
    assert m.f1[NEUTRAL] == 0.0
    assert m.macro_f1 == pytest.approx((2 / 3) / 3)
    with pytest.raises(ValueError):
        metrics([NEGATIVE], [])


def test_the_textblob_baseline_needs_no_corpus_download():
    pytest.importorskip("textblob")
    assert textblob_labels(["This is great.", "This is terrible.", "The invoice number."]) == [
        POSITIVE,
        NEGATIVE,
        NEUTRAL,
    ]
