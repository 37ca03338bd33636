from django.db.models import Q

from heartdesk.core.text import prefix_upper_bound


def prefix_q(field: str, prefix: str) -> Q:
    """Rows whose indexed `field` starts with `prefix`, as a half-open range the index answers in order.

    Correct when the column compares bytewise: always on SQLite, and on PostgreSQL for the key columns, which the
    migrations give the "C" collation.
    """
    return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix_upper_bound(prefix)})
