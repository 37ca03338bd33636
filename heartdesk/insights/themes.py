"""Themes of a feedback comment from a configurable taxonomy: `themes_for(text, taxonomy) -> list[str]`.

A theme is a key, a label and keyword patterns. A pattern is a word or phrase matched on whole words,
case-insensitively, with `*` as a word-ending wildcard ("refund*" matches "refunds", "refunded"); a comment gets
every theme one of whose patterns it contains, in the taxonomy's order. The database stores custom themes as
rows of key + label + keywords and builds a `Taxonomy` with `Taxonomy.from_rows`; `DEFAULT_TAXONOMY` is the seed.
Pure: no ORM import (STYLE rule 12).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_KEY = re.compile(r"^[a-z][a-z0-9_]{0,49}$")


@dataclass(frozen=True)
class Theme:
    label: str
    patterns: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """Theme key -> Theme (label, patterns); the order of `themes` is the order `themes_for` reports."""

    themes: dict[str, Theme]
    _matchers: dict[str, re.Pattern[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_matchers", {key: _compile(t.patterns) for key, t in self.themes.items()})

    @classmethod
    def from_rows(cls, rows: list[dict[str, Any]]) -> Taxonomy:
        """Build from rows {"key", "label", "keywords"}; keywords a list of strings or one comma-separated string.

        Raises ValueError naming the row and field: "row 2: key: ..." for a missing or malformed key (lower-case
        letters, digits, underscores, starting with a letter), a duplicate key, an empty label, or no keywords.
        """
        themes: dict[str, Theme] = {}
        for number, row in enumerate(rows, 1):
            if not isinstance(row, dict):
                raise ValueError(f"row {number}: expected a mapping with key, label and keywords")
            key = row.get("key")
            if not isinstance(key, str) or not _KEY.match(key):
                raise ValueError(f"row {number}: key: must be lower-case letters, digits and underscores, got {key!r}")
            if key in themes:
                raise ValueError(f"row {number}: key: {key!r} appears twice")
            label = row.get("label")
            if not isinstance(label, str) or not label.strip():
                raise ValueError(f"row {number}: label: must be a non-empty string")
            keywords = row.get("keywords")
            if isinstance(keywords, str):
                keywords = keywords.split(",")
            if not isinstance(keywords, list | tuple) or not all(isinstance(k, str) for k in keywords):
                raise ValueError(f"row {number}: keywords: must be a list of strings or a comma-separated string")
            patterns = tuple(dict.fromkeys(" ".join(k.lower().split()) for k in keywords if k.strip()))
            if not patterns:
                raise ValueError(f"row {number}: keywords: needs at least one keyword")
            if any(p.strip("* ") == "" for p in patterns):
                raise ValueError(f"row {number}: keywords: a keyword cannot be only wildcards")
            themes[key] = Theme(label.strip(), patterns)
        return cls(themes)

    def label(self, key: str) -> str:
        return self.themes[key].label


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str]:
    parts = []
    for pattern in patterns:
        words = [re.escape(w.rstrip("*")) + (r"\w*" if w.endswith("*") else "") for w in pattern.split()]
        parts.append(r"\W+".join(words))
    # Apostrophes are folded before matching ("didn’t" = "didn't"); \b keeps "bill" from matching "ability".
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.IGNORECASE)


def themes_for(text: str, taxonomy: Taxonomy | None = None) -> list[str]:
    """Keys of the themes whose patterns occur in `text`, in taxonomy order; [] when none do."""
    taxonomy = taxonomy or DEFAULT_TAXONOMY
    text = text.replace("’", "'")
    return [key for key, matcher in taxonomy._matchers.items() if matcher.search(text)]


DEFAULT_TAXONOMY = Taxonomy.from_rows(
    [
        {
            "key": "response_time",
            "label": "Response time",
            "keywords": [
                "slow*",
                "wait*",
                "still waiting",
                "took forever",
                "takes forever",
                "too long",
                "long time",
                "days",
                "weeks",
                "hours",
                "fast*",
                "quick*",
                "prompt*",
                "response time",
                "no response",
                "no reply",
                "never answered",
                "never heard back",
                "never got back",
                "delay*",
                "late",
                "on hold",
                "asap",
                "immediately",
                "right away",
                "overdue",
                "hasn't replied",
                "took ages",
                "for ages",
            ],
        },
        {
            "key": "resolution_quality",
            "label": "Resolution quality",
            "keywords": [
                "resolv*",
                "unresolved",
                "solv*",
                "fix*",
                "solution",
                "workaround",
                "not resolved",
                "still broken",
                "reopen*",
                "closed my ticket",
                "closed the ticket",
                "same problem",
                "same issue",
                "problem persists",
                "issue persists",
                "sorted it",
                "sorted out",
                "didn't help",
                "did not help",
                "root cause",
            ],
        },
        {
            "key": "agent_knowledge",
            "label": "Agent knowledge",
            "keywords": [
                "knowledg*",
                "clueless",
                "no idea",
                "no clue",
                "didn't know",
                "did not know",
                "expert*",
                "competent",
                "incompetent",
                "understood",
                "didn't understand",
                "did not understand",
                "wrong answer",
                "wrong information",
                "inexperienced",
                "experienced",
                "skilled",
                "trained",
                "untrained",
                "know what they",
                "knew what",
            ],
        },
        {
            "key": "agent_attitude",
            "label": "Agent attitude",
            "keywords": [
                "rude*",
                "polite*",
                "impolite",
                "friendly",
                "unfriendly",
                "kindly",
                "patient*",
                "impatient",
                "courteous",
                "dismissive",
                "condescending",
                "arrogant",
                "attitude",
                "respect*",
                "disrespect*",
                "empath*",
                "caring",
                "cared",
                "helpful",
                "unhelpful",
                "professional*",
                "unprofessional",
                "hung up",
                "sarcastic",
                "went above and beyond",
                "above and beyond",
                "nice",
                "lovely",
            ],
        },
        {
            "key": "communication",
            "label": "Communication",
            "keywords": [
                "communicat*",
                "explain*",
                "unclear",
                "clear answer",
                "clear explanation",
                "clearly explained",
                "confus*",
                "update*",
                "kept me informed",
                "keep me informed",
                "informed",
                "follow up",
                "follow-up",
                "followed up",
                "no update",
                "listen*",
                "language",
                "jargon",
                "canned response",
                "copy paste",
                "copy and paste",
                "generic",
                "repeat myself",
                "had to explain",
                "ignored",
                "ignoring",
                "understand me",
            ],
        },
        {
            "key": "product_defect",
            "label": "Product defect",
            "keywords": [
                "bug*",
                "buggy",
                "crash*",
                "broken",
                "error*",
                "glitch*",
                "defect*",
                "doesn't work",
                "does not work",
                "not working",
                "stopped working",
                "outage",
                "down again",
                "data loss",
                "lost my data",
                "freez*",
                "malfunction*",
                "faulty",
            ],
        },
        {
            "key": "billing",
            "label": "Billing",
            "keywords": [
                "bill*",
                "invoice*",
                "charg*",
                "overcharg*",
                "refund*",
                "payment*",
                "paid",
                "pay",
                "price*",
                "pricing",
                "subscription*",
                "renewal",
                "fee*",
                "credit card",
                "discount*",
                "cancel my subscription",
                "money",
            ],
        },
        {
            "key": "documentation",
            "label": "Documentation",
            "keywords": [
                "documentation",
                "docs",
                "doc",
                "manual",
                "guide*",
                "tutorial*",
                "faq*",
                "help center",
                "help centre",
                "knowledge base",
                "kb article",
                "article*",
                "instructions",
                "how-to",
                "self-service",
                "self service",
            ],
        },
        {
            "key": "process",
            "label": "Process",
            "keywords": [
                "process",
                "procedure*",
                "policy",
                "policies",
                "bureaucra*",
                "red tape",
                "transferr*",
                "escalat*",
                "passed around",
                "runaround",
                "run around",
                "form",
                "forms",
                "verification",
                "verify",
                "hoops",
                "had to call",
                "call twice",
                "called twice",
                "multiple times",
                "several times",
                "three times",
                "another ticket",
                "new ticket",
                "portal",
                "phone tree",
                "ivr",
                "too many steps",
                "steps",
            ],
        },
    ]
)
