"""Batch inserts for work that writes thousands of rows at once (the SLA sweep): `COPY` on PostgreSQL,
`executemany` on SQLite.

`bulk_create` spends most of its time composing one large statement in Python (and, on PostgreSQL, quoting every
value into it); these rows need none of what it gives back (ids, signals, conflict handling). Values still pass
through each field's `pre_save` and `get_db_prep_save`, so a row is stored exactly as the ORM would store it.
Call inside the caller's transaction.
"""

from collections.abc import Sequence

from django.db import connection, models


def insert(objs: Sequence[models.Model]) -> None:
    """Insert unsaved instances of one model (their primary keys stay unset)."""
    if not objs:
        return
    meta = objs[0]._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key and f.column]
    prepared: list[dict] = [{} for _ in fields]  # equal values (the batch's `now`, its ids) are prepared once

    def value(field, index, obj):
        raw = field.pre_save(obj, add=True)
        try:
            return prepared[index][raw]
        except KeyError:
            done = prepared[index][raw] = field.get_db_prep_save(raw, connection)
            return done
        except TypeError:  # unhashable (JSON)
            return field.get_db_prep_save(raw, connection)

    rows = [[value(f, i, obj) for i, f in enumerate(fields)] for obj in objs]
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)
