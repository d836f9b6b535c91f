"""A batch of rows written in one go, on the transaction's own DBAPI connection.

A sweep writes thousands of outbox rows and occurrence changes a morning. Through SQLAlchemy, every
row's parameters went through its compiler (``construct_params``, then each value's type processor): a
quarter of a SQLite sweep; and on PostgreSQL psycopg parsed the 14,000 placeholders of each multi-row
page. Here each column's values go through the column type's own conversion (so what is stored is what
SQLAlchemy would store), once per distinct value, and then:

- PostgreSQL: one statement for the batch, a column an array unnested, in psycopg's binary format (in
  text format, escaping every element cost more than the server's work);
- SQLite: one ``executemany`` of plain tuples.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.engine import Connection


def write(connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[dict], *,
          postgresql: str, sqlite: str) -> int:
    """Run the statement for ``rows`` (dicts holding every one of ``columns``); the rows it affected.

    ``postgresql`` holds ``{rows}`` where the rows go, as a set of ``columns`` (``SELECT * FROM {rows}``,
    ``FROM {rows} AS new(...)``); ``sqlite`` takes one ``?`` a column, in the order of ``columns``.
    """
    dialect = connection.dialect
    values = [_converted(connection, table, name, [row[name] for row in rows]) for name in columns]
    dbapi_connection = connection.connection.dbapi_connection
    if dialect.name == "postgresql":
        casts = ", ".join(f"CAST(%b AS {table.c[name].type.compile(dialect=dialect)}[])" for name in columns)
        with dbapi_connection.cursor() as cursor:
            cursor.execute(postgresql.format(rows=f"unnest({casts})"), values)
            return cursor.rowcount
    cursor = dbapi_connection.cursor()
    try:
        cursor.executemany(sqlite, list(zip(*values, strict=True)))
        return cursor.rowcount
    finally:
        cursor.close()


def _converted(connection: Connection, table: Table, name: str, values: list[Any]) -> list[Any]:
    """``values`` of column ``name`` as the database takes them, each distinct value converted once (a
    batch repeats the same moments and statuses thousands of times)."""
    dialect = connection.dialect
    convert = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
    if convert is None:
        return values
    done: dict[Any, Any] = {}
    # Unhashable values (JSON payloads) by identity: the rows of one message share its payload object,
    # and every value stays alive, so no identity is reused, while ``values`` is held.
    done_objects: dict[int, Any] = {}
    converted = []
    for value in values:
        try:
            result = done[value]
        except KeyError:
            result = done[value] = convert(value)
        except TypeError:
            if id(value) not in done_objects:
                done_objects[id(value)] = convert(value)
            result = done_objects[id(value)]
        converted.append(result)
    return converted
