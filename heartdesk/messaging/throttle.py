"""Public forms count posts per address and per email in the cache: an hour's window, one counter per key.

A fixed one-hour window counted in Django's cache (`cache.add` then `cache.incr`: atomic on Redis; on the database
cache two simultaneous posts may both count as one, which only loosens the limit by a post). django-ratelimit 4.1.0
does exactly this on the same cache and flags the database cache as unsupported, so it would add a dependency
without adding safety.
"""

import time

from django.core.cache import cache


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def over_limit(kind: str, value: str, *, per_hour: int) -> bool:
    """Count one more post for `value` in this hour's window; True when that goes over `per_hour`."""
    window = int(time.time() // 3600)
    key = f"webform:{kind}:{value.lower()}:{window}"
    cache.add(key, 0, timeout=3700)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3700)
        count = 1
    return count > per_hour
