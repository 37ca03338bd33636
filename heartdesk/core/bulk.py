"""Batch inserts for work that writes thousands of rows at once (the SLA sweep): `COPY` on PostgreSQL,
`executemany` on SQLite.

`bulk_create` spends most of its time composing one large statement in Python (and, on PostgreSQL, quoting every
value into it); these rows need none of what it gives back (ids, signals, conflict handling). Values still pass
through each field's `get_db_prep_save` (plain strings, numbers and None, which it returns unchanged, excepted), so
a row is stored exactly as the ORM would store it. Call inside the caller's transaction.
"""

from collections.abc import Sequence

from django.db import connection, models

_AS_IS = (int, str, bool, type(None))


def insert_rows(model: type[models.Model], rows: Sequence[dict]) -> None:
    """Insert rows given as {field attname: value} without building model instances (the cheaper way for
    thousands); a missing field takes its default."""
    if not rows:
        return
    fields = _fields(model)
    unknown = set().union(*rows) - {f.attname for f in fields}
    if unknown:  # a typo or a field that moved would otherwise be dropped without a word
        raise ValueError(f"{model.__name__} has no field {', '.join(sorted(unknown))}")
    prepared: list[dict] = [{} for _ in fields]  # equal values (the batch's `now`) are prepared once

    def value(index: int, field, row: dict):
        raw = row[field.attname] if field.attname in row else field.get_default()
        if type(raw) in _AS_IS and not isinstance(field, models.JSONField):
            return raw
        try:
            return prepared[index][raw]
        except KeyError:
            done = prepared[index][raw] = field.get_db_prep_save(raw, connection)
            return done
        except TypeError:  # unhashable (a JSON document)
            return field.get_db_prep_save(raw, connection)

    values = [[value(i, f, row) for i, f in enumerate(fields)] for row in rows]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)


def _fields(model) -> list:
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.column]
