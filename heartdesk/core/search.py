from django.db import connection
from django.db.models import Q

from heartdesk.core.text import prefix_upper_bound


def prefix_q(field: str, prefix: str) -> Q:
    """Rows whose indexed `field` starts with `prefix`, written so each database answers from its index.

    SQLite compares bytes, so a half-open range works on the plain index. PostgreSQL's range order follows the
    collation, so it uses LIKE 'prefix%', served by the varchar_pattern_ops index Django adds to indexed fields.
    """
    if connection.vendor == "postgresql":
        return Q(**{f"{field}__startswith": prefix})
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix_upper_bound(prefix)})
