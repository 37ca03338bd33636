"""Text normalisation shared by search keys and imports (pure functions, no ORM)."""

import unicodedata


def search_key(text: str) -> str:
    """Case- and accent-folded form used in indexed prefix search ("Zoë Müller" -> "zoe muller")."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())[:200]


def prefix_upper_bound(prefix: str) -> str:
    """The smallest string greater than every string starting with `prefix` (for index range scans)."""
    return prefix + "\U0010ffff"
