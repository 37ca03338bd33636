"""Evaluation of `sentiment.analyze` against TextBlob on human-rated sentences no one here wrote.

    python -m heartdesk.insights.evaluation            # the report in docs/METRICS.md (test part only)
    python -m heartdesk.insights.evaluation --tune     # the search that chose sentiment.PARAMS (tuning part only)

Data: the four "*_GroundTruth.txt" files in the `vaderSentiment` source distribution on PyPI (Hutto & Gilbert,
ICWSM 2014: Amazon product-review snippets, tweets, movie-review snippets, New York Times editorial snippets; each
sentence's mean rating by 20 people on -4..+4). They are fetched with pip at run time into a cache directory and
never committed.

Gold labels: mean ≤ -0.5 negative, mean ≥ +0.5 positive, else neutral (`gold_label`). Split: within each source
the sentences are ordered by SHA-256 of "source:id" and the first half is the tuning part, the rest the test part
(`split`): fixed once, independent of the analyzer, disjoint, and stratified by source.

The pure parts (parsing, labels, split, metrics) take plain data and are unit-tested without the download.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import timeit
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path

from heartdesk.insights import sentiment
from heartdesk.insights.sentiment import LABELS, NEGATIVE, NEUTRAL, POSITIVE

VADER_SDIST = "vaderSentiment==3.3.2"
SOURCES = {
    "amazonReviewSnippets": "product reviews",
    "tweets": "tweets",
    "movieReviewSnippets": "movie reviews",
    "nytEditorialSnippets": "editorials",
}
GOLD_MARGIN = 0.5
TEXTBLOB_MARGIN = 0.1  # the guide's rule: polarity > 0.1 positive, < -0.1 negative, else neutral


@dataclass(frozen=True)
class Item:
    source: str
    id: str
    rating: float  # mean human rating, -4..+4
    text: str

    @property
    def gold(self) -> str:
        return gold_label(self.rating)


def gold_label(rating: float, margin: float = GOLD_MARGIN) -> str:
    """A mean rating at least half a scale step from 0 carries that sign; closer to 0 it is neutral."""
    if rating <= -margin:
        return NEGATIVE
    if rating >= margin:
        return POSITIVE
    return NEUTRAL


def parse_ground_truth(text: str, source: str) -> list[Item]:
    """Rows "id<TAB>mean<TAB>sentence"; blank lines skipped; a malformed row raises ValueError naming it."""
    items = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = line.rstrip("\r").split("\t", 2)
        if len(parts) != 3:
            raise ValueError(f"{source} line {number}: expected id, rating and text separated by tabs")
        items.append(Item(source, parts[0].strip(), float(parts[1]), parts[2].strip()))
    return items


def split(items: Sequence[Item], tune_share: float = 0.5) -> tuple[list[Item], list[Item]]:
    """(tuning part, test part): per source, the first `tune_share` by SHA-256 of "source:id" is for tuning."""
    tune: list[Item] = []
    test: list[Item] = []
    for source in sorted({item.source for item in items}):
        ordered = sorted(
            (item for item in items if item.source == source),
            key=lambda item: hashlib.sha256(f"{item.source}:{item.id}".encode()).hexdigest(),
        )
        cut = round(len(ordered) * tune_share)
        tune += ordered[:cut]
        test += ordered[cut:]
    return tune, test


@dataclass(frozen=True)
class Metrics:
    n: int
    accuracy: float
    macro_f1: float
    precision: dict[str, float]
    recall: dict[str, float]
    f1: dict[str, float]


def metrics(gold: Sequence[str], predicted: Sequence[str]) -> Metrics:
    """Accuracy and per-class precision / recall / F1 over negative, neutral, positive; macro-F1 is their mean.

    A class with nothing predicted (or nothing gold) has precision (recall) 0, as scikit-learn's zero_division=0.
    """
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted differ in length")
    pairs = Counter(zip(gold, predicted, strict=True))
    precision, recall, f1 = {}, {}, {}
    for label in LABELS:
        tp = pairs[label, label]
        n_pred = sum(count for (_, p), count in pairs.items() if p == label)
        n_gold = sum(count for (g, _), count in pairs.items() if g == label)
        precision[label] = tp / n_pred if n_pred else 0.0
        recall[label] = tp / n_gold if n_gold else 0.0
        both = precision[label] + recall[label]
        f1[label] = 2 * precision[label] * recall[label] / both if both else 0.0
    correct = sum(count for (g, p), count in pairs.items() if g == p)
    return Metrics(
        n=len(gold),
        accuracy=correct / len(gold) if gold else 0.0,
        macro_f1=sum(f1.values()) / len(LABELS),
        precision=precision,
        recall=recall,
        f1=f1,
    )


def polarity_label(polarity: float, margin: float) -> str:
    if polarity > margin:
        return POSITIVE
    if polarity < -margin:
        return NEGATIVE
    return NEUTRAL


def textblob_labels(texts: Sequence[str]) -> list[str]:
    """The guide's baseline: TextBlob's default PatternAnalyzer polarity, ±0.1 (needs the "eval" extra)."""
    from textblob import TextBlob

    return [polarity_label(TextBlob(text).sentiment.polarity, TEXTBLOB_MARGIN) for text in texts]


def vader_labels(texts: Sequence[str]) -> list[str]:
    """Reference only: the vaderSentiment package's own analyzer with its documented ±0.05 rule."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    return [polarity_label(analyzer.polarity_scores(text)["compound"], 0.049999) for text in texts]


def heartdesk_labels(texts: Sequence[str]) -> list[str]:
    return [s.label for s in sentiment.analyze(list(texts))]


# --- data ------------------------------------------------------------------------------------------------------


def default_cache_dir() -> Path:
    base = os.environ.get("HEARTDESK_DATA_DIR") or tempfile.gettempdir()
    return Path(base) / "cache" / "sentiment-eval"


def load_items(cache_dir: Path) -> list[Item]:
    """Download the sdist once (pip, no wheels, no dependencies) and read its four ground-truth files."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    sdists = sorted(cache_dir.glob("vaderSentiment-*.tar.gz"))
    if not sdists:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", VADER_SDIST]
            + ["-d", str(cache_dir)],
            check=True,
        )
        sdists = sorted(cache_dir.glob("vaderSentiment-*.tar.gz"))
    with tarfile.open(sdists[-1]) as sdist:
        inner_member = next(m for m in sdist.getmembers() if m.name.endswith("hutto_ICWSM_2014.tar.gz"))
        inner_bytes = sdist.extractfile(inner_member).read()
    items: list[Item] = []
    with tarfile.open(fileobj=io.BytesIO(inner_bytes)) as inner:
        for member in inner.getmembers():
            name = Path(member.name).name
            source = name.removesuffix("_GroundTruth.txt")
            if name.endswith("_GroundTruth.txt") and source in SOURCES:
                items += parse_ground_truth(inner.extractfile(member).read().decode("utf-8"), source)
    if {item.source for item in items} != set(SOURCES):
        raise RuntimeError(f"expected ground truth for {sorted(SOURCES)} in {sdists[-1]}")
    return items


# --- tuning ----------------------------------------------------------------------------------------------------


def objective(m: Metrics) -> float:
    """What tuning maximises: macro-F1, plus a quarter of negative recall (survey comments are mostly complaints)."""
    return m.macro_f1 + 0.25 * m.recall[NEGATIVE]


def tune(items: Sequence[Item]) -> tuple[sentiment.Params, Metrics]:
    """Grid search on the tuning part only: scorer constants, then the two label thresholds on the raw scores."""
    gold = [item.gold for item in items]
    texts = [item.text for item in items]
    best: tuple[float, sentiment.Params, Metrics] | None = None
    thresholds = [x / 100 for x in range(0, 41, 4)]
    for negation, before, after, alpha in product((-0.5, -0.74, -1.0), (0.5, 0.75, 1.0), (1.0, 1.5), (8.0, 15.0)):
        params = replace(sentiment.PARAMS, negation=negation, before_contrast=before, after_contrast=after, alpha=alpha)
        scores = [sentiment.score(text, params) for text in texts]
        for neg, pos in product(thresholds, thresholds):
            predicted = [NEGATIVE if s <= -neg else POSITIVE if s >= pos else NEUTRAL for s in scores]
            m = metrics(gold, predicted)
            if best is None or objective(m) > best[0]:
                best = (objective(m), replace(params, negative_below=-neg, positive_above=pos), m)
    assert best is not None
    return best[1], best[2]


# --- report ----------------------------------------------------------------------------------------------------


def throughput(texts: Sequence[str], analyzer: Callable[[list[str]], object], repeat: int = 3) -> float:
    """Texts per second, best of `repeat` runs over all of them, in this one process (one core)."""
    batch = list(texts)
    seconds = min(timeit.repeat(lambda: analyzer(batch), number=1, repeat=repeat))
    return len(batch) / seconds


def _row(name: str, m: Metrics) -> str:
    return (
        f"| {name} | {m.accuracy:.3f} | {m.macro_f1:.3f} | {m.recall[NEGATIVE]:.3f} | {m.precision[NEGATIVE]:.3f} "
        f"| {m.f1[NEGATIVE]:.3f} | {m.f1[NEUTRAL]:.3f} | {m.f1[POSITIVE]:.3f} |"
    )


def report(items: Sequence[Item], *, with_speed: bool = True) -> str:
    tune_part, test_part = split(items)
    lines = [
        f"Data: {len(items)} sentences from {VADER_SDIST}; tuning part {len(tune_part)}, test part {len(test_part)}.",
        "",
        "| part | source | n | negative | neutral | positive |",
        "|---|---|---|---|---|---|",
    ]
    for part_name, part in (("tuning", tune_part), ("test", test_part)):
        for source in [*SOURCES, None]:
            chosen = [i for i in part if source is None or i.source == source]
            counts = {label: sum(1 for i in chosen if i.gold == label) for label in LABELS}
            lines.append(
                f"| {part_name} | {SOURCES.get(source, 'all')} | {len(chosen)} | {counts[NEGATIVE]} "
                f"| {counts[NEUTRAL]} | {counts[POSITIVE]} |"
            )
    systems = {
        "TextBlob polarity ±0.1 (guide)": textblob_labels,
        "Heartdesk `analyze`": heartdesk_labels,
        "VADER 3.3.2 as shipped ±0.05 (reference)": vader_labels,
    }
    header = [
        "| system | accuracy | macro-F1 | neg. recall | neg. precision | neg. F1 | neu. F1 | pos. F1 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    predictions = {
        name: dict(zip(test_part, fn([i.text for i in test_part]), strict=True)) for name, fn in systems.items()
    }
    for source in [None, *SOURCES]:
        chosen = [i for i in test_part if source is None or i.source == source]
        title = "Test part, all sources" if source is None else f"Test part, {SOURCES[source]}"
        lines += ["", f"{title} (n = {len(chosen)}):", "", *header]
        gold = [i.gold for i in chosen]
        for name in systems:
            lines.append(_row(name, metrics(gold, [predictions[name][i] for i in chosen])))
    if with_speed:
        texts = [i.text for i in test_part]
        words = sum(len(t.split()) for t in texts) / len(texts)
        lines += [
            "",
            f"Speed on one core over the {len(texts)} test sentences ({words:.1f} words on average), best of 3: "
            f"Heartdesk `analyze` {throughput(texts, sentiment.analyze):,.0f} texts/s; "
            f"TextBlob {throughput(texts, textblob_labels, repeat=1):,.0f} texts/s.",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m heartdesk.insights.evaluation", description=__doc__.split("\n")[0])
    parser.add_argument("--tune", action="store_true", help="search sentiment.PARAMS on the tuning part")
    parser.add_argument("--cache-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args(argv)
    items = load_items(args.cache_dir)
    if args.tune:
        params, m = tune(split(items)[0])
        print(params)
        print(_row("tuning part", m))
        return 0
    print(report(items, with_speed=not args.no_speed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
