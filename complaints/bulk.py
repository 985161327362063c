"""Bulk INSERTs of many rows with one executemany, for the hot paths (the SLA sweep).

SQLAlchemy converts every bound value of every row through its column type
(for an instant: to UTC, then to SQLite's text form), which is most of the
cost of a large executemany. Values that are the same in every row (the
sweep's ``now``) are converted here once and bound untyped instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

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
