"""Sentiment of short feedback comments: `analyze(texts) -> list[Sentiment]`.

A lexicon-and-rules scorer, pure Python, no ORM and no network. Word valences come from two places:

* the general-purpose VADER lexicon (7,500 human-rated English words and emoticons, MIT licence), read from the
  installed `vaderSentiment` package so it is not copied here;
* Heartdesk's own support-domain lexicon and emoji list (`data/support_lexicon.txt`, `data/emoji.txt`), which
  override the general lexicon where a help desk means something else ("support", "help", "please" are neutral
  here) and add the complaints general lexicons miss ("still waiting", "no response", "for 3 days",
  "closed my ticket without …", "had to call twice").

The rules (our own implementation, in the spirit of Hutto & Gilbert 2014): a negator up to three tokens before a
word flips and damps it ("not good", "never answered" through the lexicon's outcome verbs); boosters and
dampeners ("very", "slightly") scale it; "but" / "however" weigh the clause after them more than the one before;
a word in capitals inside a text that is not all capitals is emphasised; exclamation marks push the total away
from zero. The sum is squashed to -1..1 and cut into labels by two thresholds.

The constants in `PARAMS` were chosen on the *tuning* half of the evaluation data only
(`python -m heartdesk.insights.evaluation --tune`), with negative recall weighed in, because survey comments are
mostly complaints and a missed complaint costs more than a misread compliment. See docs/METRICS.md.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

NEGATIVE, NEUTRAL, POSITIVE = "negative", "neutral", "positive"
LABELS = (NEGATIVE, NEUTRAL, POSITIVE)


@dataclass(frozen=True)
class Sentiment:
    label: str  # "negative" | "neutral" | "positive"
    score: float  # -1.0 .. 1.0; the sign agrees with the label unless the label is neutral


@dataclass(frozen=True)
class Params:
    """The scorer's tunable constants; `PARAMS` holds the values chosen on the tuning split."""

    negation: float = -0.74  # a negated valence is multiplied by this
    before_contrast: float = 0.5  # weight of the clause before "but"
    after_contrast: float = 1.5  # weight of the clause after "but"
    caps: float = 0.733  # added to a capitalised word's magnitude
    exclamation: float = 0.292  # added per "!" (up to four) in the direction of the total
    alpha: float = 15.0  # squash: total / sqrt(total² + alpha)
    negative_below: float = -0.04  # score ≤ this is negative
    positive_above: float = 0.04  # score ≥ this is positive


# Chosen by `python -m heartdesk.insights.evaluation --tune` on the tuning part (docs/METRICS.md).
PARAMS = Params(negation=-1.0, alpha=8.0, negative_below=-0.04, positive_above=0.04)


def _words(text: str) -> list[str]:
    return text.split()


_BOOSTERS = {
    **dict.fromkeys(
        _words(
            "absolutely amazingly awfully completely considerably decidedly deeply enormously entirely especially "
            "exceptionally extremely fabulously flipping flippin fricking frickin frigging friggin fully fucking "
            "greatly hella highly hugely incredibly intensely majorly more most particularly purely quite really "
            "remarkably so substantially thoroughly totally tremendously uber unbelievably unusually utterly very "
            "super"
        ),
        0.293,
    ),
    **dict.fromkeys(
        _words(
            "almost barely hardly just enough kinda kindof kind-of less little marginally occasionally "
            "partly scarcely slightly somewhat sorta sortof sort-of"
        ),
        -0.293,
    ),
}
_NEGATORS = frozenset(
    _words(
        "not no never none nobody nothing neither nor nowhere cannot cant dont didnt doesnt isnt arent wasnt werent "
        "wont wouldnt couldnt shouldnt hasnt havent hadnt aint without rarely seldom lack lacks lacked"
    )
)
_CONTRASTS = frozenset({"but", "however", "yet", "although", "though"})
# Tokens: ASCII emoticons, "<3", words (with inner apostrophes/hyphens), numbers, emoji, clause punctuation.
_TOKEN = re.compile(
    r"(?:[<>]?[:;=][\-o*']?[()\[\]dDpP/\\|@3]+)|<3|</3"
    r"|[A-Za-z0-9]+(?:['’\-][A-Za-z0-9]+)*"
    r"|[\U0001F000-\U0001FAFF\u2600-\u27BF]\ufe0f?"
    r"|[.,;:!?]"
)
_BOUNDARY = frozenset(".,;:?")


def _parse_lexicon(text: str, into: dict[tuple[str, ...], float], *, vader: bool = False) -> None:
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if vader:  # VADER's rows: token, mean, sd, ratings; a few keys hold spaces ("can't stand")
            tokens = [_norm(t) for t in parts[0].split()]
            if not all(_TOKEN.fullmatch(t) and t not in _BOUNDARY and t != "!" for t in tokens):
                continue  # an emoticon our tokenizer does not produce: it could only match stray punctuation
            key = tuple(tokens)
        else:
            key = tuple("<num>" if t == "<num>" else _norm(t) for t in parts[0].split())
        into[key] = float(parts[1])


@cache
def _lexicon() -> dict[tuple[str, ...], float]:
    lexicon: dict[tuple[str, ...], float] = {}
    # Fails loudly (ModuleNotFoundError) if the runtime dependency is missing: it is in requirements.lock.
    _parse_lexicon(
        resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text("utf-8"), lexicon, vader=True
    )
    data = resources.files("heartdesk.insights").joinpath("data")
    for name in ("emoji.txt", "support_lexicon.txt"):  # later files override earlier ones
        _parse_lexicon(data.joinpath(name).read_text("utf-8"), lexicon)
    return lexicon


def _norm(token: str) -> str:
    """Lower case; "didn't" and "didn’t" become "didnt", the way people also type it."""
    token = token.lower().replace("’", "'").rstrip("\ufe0f")
    return token.replace("'", "") if token.endswith("n't") else token


@cache
def _phrase_lengths() -> dict[str, int]:
    """First token -> the longest lexicon entry starting with it, so most tokens need one dictionary look-up."""
    lengths: dict[str, int] = {}
    for key in _lexicon():
        lengths[key[0]] = max(lengths.get(key[0], 0), len(key))
    return lengths


def analyze(texts: list[str], params: Params = PARAMS) -> list[Sentiment]:
    """Label each text negative / neutral / positive with a score in -1..1; order and length are kept.

    Empty or wordless texts are neutral with score 0. Pure and thread-safe; about 20k short comments a second on
    one core (docs/METRICS.md).
    """
    lexicon, lengths = _lexicon(), _phrase_lengths()
    return [_label(_score(text, lexicon, lengths, params), params) for text in texts]


def _label(score: float, params: Params) -> Sentiment:
    if score <= params.negative_below:
        return Sentiment(NEGATIVE, score)
    if score >= params.positive_above:
        return Sentiment(POSITIVE, score)
    return Sentiment(NEUTRAL, score)


def score(text: str, params: Params = PARAMS) -> float:
    """The raw score in -1..1 before labelling (the evaluation tunes the label thresholds on it)."""
    return _score(text, _lexicon(), _phrase_lengths(), params)


def _score(text: str, lexicon: dict[tuple[str, ...], float], lengths: dict[str, int], p: Params) -> float:
    raw = _TOKEN.findall(text)
    if not raw:
        return 0.0
    words = [t for t in raw if t[0].isalpha()]
    shouting = any(w.isupper() and len(w) > 1 for w in words) and not all(w.isupper() for w in words)
    tokens = [_norm(t) for t in raw]
    keys = ["<num>" if t.isdigit() else t for t in tokens]
    n = len(tokens)
    exclamations = 0
    contrast_at = -1
    scored_until = 0
    valences: list[tuple[int, float]] = []  # (position, valence) of each sentiment-bearing unit
    i = 0
    while i < n:
        key = keys[i]
        if key == "!":
            exclamations += 1
            i += 1
            continue
        if key in _CONTRASTS:
            contrast_at = i
        span, valence = 0, 0.0
        for length in range(min(lengths.get(key, 0), n - i), 0, -1):
            found = lexicon.get(tuple(keys[i : i + length]))
            if found is not None:
                span, valence = length, found
                break
        if not span or (span == 1 and (key in _BOOSTERS or key in _NEGATORS)):
            # Negators and boosters modify what follows; a lone "no" is not itself a complaint.
            i += max(span, 1)
            continue
        if valence:
            if shouting and any(raw[j].isupper() and len(raw[j]) > 1 for j in range(i, i + span)):
                valence += math.copysign(p.caps, valence)
            negated = False
            for back, scale in ((1, 1.0), (2, 0.95), (3, 0.9)):
                j = i - back
                if j < scored_until or keys[j] in _BOUNDARY or keys[j] in _CONTRASTS:
                    # A negator inside an earlier phrase ("did not work :(") belongs to that phrase.
                    break
                boost = _BOOSTERS.get(keys[j])
                if boost:
                    valence += math.copysign(boost * scale, valence)
                elif keys[j] in _NEGATORS:
                    negated = True
            if negated:
                valence *= p.negation
            valences.append((i, valence))
            scored_until = i + span
        i += span
    if not valences:
        return 0.0
    total = 0.0
    for position, valence in valences:
        if contrast_at >= 0:
            valence *= p.before_contrast if position < contrast_at else p.after_contrast
        total += valence
    if total and exclamations:
        total += math.copysign(min(exclamations, 4) * p.exclamation, total)
    return max(-1.0, min(1.0, total / math.sqrt(total * total + p.alpha)))
