"""Bulk INSERTs of many rows, for the hot paths (the SLA sweep).

On PostgreSQL the rows go through ``COPY … FROM STDIN``: an executemany
there (psycopg 3 has no multi-row VALUES rewrite for INSERTs without
RETURNING) runs one INSERT per row on the server, several times the cost of
the rows themselves. COPY fires the same triggers and checks the same
constraints, in the session's transaction.

On SQLite, which runs in-process, one executemany. SQLAlchemy converts every
bound value of every row through its column type (for an instant: to UTC,
then to SQLite's text form), which is most of its cost; values that are the
same in every row (the sweep's ``now``) are converted once and bound as they
are instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from psycopg import sql
from sqlalchemy import bindparam, insert
from sqlalchemy.types import UserDefinedType

from .extensions import db


class _AsStored(UserDefinedType[Any]):
    """A value already converted for the driver, bound as it is.

    Not NullType: SQLAlchemy would give an untyped bind the column's type,
    and so convert the value a second time.
    """

    cache_ok = True


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
    dialect = db.session.get_bind().dialect
    if dialect.name == "postgresql":
        _copy_rows(table_name, rows, shared)
        return
    constants = {}
    for name, value in shared.items():
        # The dialect's own variant of the type (SQLite's DATETIME text form), as
        # SQLAlchemy itself would use; the generic one leaves it to the driver.
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        stored = processor(value) if processor is not None else value
        # A bind named unlike the column (SQLAlchemy reserves column names for
        # the VALUES clause), holding the converted value once for every row.
        constants[name] = bindparam(f"shared_{name}", stored, type_=_AsStored())
    db.session.execute(insert(table).values(constants), list(rows))


def _copy_rows(
    table_name: str, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any]
) -> None:
    """The PostgreSQL path: one COPY on the session's own connection and transaction."""
    table = db.metadata.tables[table_name]
    dialect = db.session.get_bind().dialect
    names = list(rows[0])
    # Each column's SQLAlchemy conversion (UTC instants, JSON), as an INSERT would apply.
    processors = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    constants = []
    for name, value in shared.items():
        processor = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        constants.append(processor(value) if processor is not None else value)
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table_name),
        sql.SQL(", ").join(sql.Identifier(name) for name in [*names, *shared]),
    )
    driver_connection = db.session.connection().connection.driver_connection
    assert driver_connection is not None
    with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [
                row[name] if processor is None else processor(row[name])
                for name, processor in zip(names, processors, strict=True)
            ]
            copy.write_row([*values, *constants])
