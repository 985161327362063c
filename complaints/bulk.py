"""Bulk INSERTs of many rows, for the hot paths (the SLA sweep).

Every value still goes through its column type's SQLAlchemy conversion
(instants to UTC and, on SQLite, to its text form; JSON to text), so the
rows stored are exactly what an ORM insert would store. What is left out is
the per-row work around it:

* on PostgreSQL the rows go through ``COPY … FROM STDIN``: an executemany
  there (psycopg 3 has no multi-row VALUES rewrite for INSERTs without
  RETURNING) runs one INSERT per row on the server, several times the cost
  of the rows themselves. COPY fires the same triggers and checks the same
  constraints;
* on SQLite, which runs in-process, one driver-level executemany, without
  SQLAlchemy's parameter bookkeeping for each row.

Values that are the same in every row (the sweep's ``now``) are converted
once. Both run on the session's connection, inside its transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from psycopg import sql
from sqlalchemy import Table

from .extensions import db


def insert_rows(
    table_name: str, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any]
) -> None:
    """INSERT ``rows`` into ``table_name``, each completed with the ``shared`` column values.

    ``rows`` must all have the same keys, disjoint from ``shared``'s. Runs in
    the session's transaction; returns nothing (no RETURNING).
    """
    if not rows:
        return
    table = db.metadata.tables[table_name]
    names = [*rows[0], *shared]
    connection = db.session.connection()
    values = _converted(table, rows, shared)
    if connection.dialect.name == "postgresql":
        copy_rows = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table_name), sql.SQL(", ").join(map(sql.Identifier, names))
        )
        driver_connection = connection.connection.driver_connection
        assert driver_connection is not None
        with driver_connection.cursor() as cursor, cursor.copy(copy_rows) as copy:
            for row in values:
                copy.write_row(row)
        return
    assert connection.dialect.paramstyle == "qmark"  # SQLite's
    quote = connection.dialect.identifier_preparer.quote
    marks = ", ".join("?" * len(names))
    # Only quoted names from our own metadata go into the text; the values are bound.
    into = f"INSERT INTO {quote(table_name)} ({', '.join(map(quote, names))})"
    connection.exec_driver_sql(f"{into} VALUES ({marks})", list(values))


def _converted(
    table: Table, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any]
) -> Iterator[tuple[Any, ...]]:
    """Each row's values as the driver receives them, then the shared ones."""
    dialect = db.session.get_bind().dialect

    def processor(name: str) -> Any:
        # The dialect's own variant of the type (SQLite's DATETIME text form), as
        # SQLAlchemy itself uses; the generic one would leave it to the driver.
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    constants = []
    for name, value in shared.items():
        convert = processor(name)
        constants.append(convert(value) if convert is not None else value)
    tail = tuple(constants)
    columns = [(name, processor(name)) for name in rows[0]]
    for row in rows:
        yield (
            *(row[name] if convert is None else convert(row[name]) for name, convert in columns),
            *tail,
        )
