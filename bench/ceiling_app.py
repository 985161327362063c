"""The ceilings of the intake benchmark: bare Flask apps under the same gunicorn settings.

``POST /json`` reads a JSON body and answers 201 with a small JSON document:
the web stack alone. ``POST /insert`` does the same and also INSERTs one
~1 KB row into ``bench_ceiling_rows`` and commits: the stack plus one durable
write, on the database of ``BENCH_DATABASE_URL`` (SQLite with the pragmas
Aduan uses, or PostgreSQL). Served as ``gunicorn --chdir bench ceiling_app:app``.

The SQLite pragmas are Aduan's own, not a copy: importing ``complaints.extensions``
registers its ``_sqlite_pragmas`` on every engine's connect, so the ceiling
commits with the same ``synchronous`` setting as the app it is compared with.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # gunicorn --chdir bench puts only bench/ on the path
    sys.path.insert(0, str(REPO_ROOT))

import complaints.extensions  # noqa: E402, F401 -- registers Aduan's SQLite pragmas on every engine

METADATA = sa.MetaData()
ROWS = sa.Table(
    "bench_ceiling_rows",
    METADATA,
    sa.Column("id", sa.Integer, primary_key=True),  # SERIAL on PostgreSQL, rowid on SQLite
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def create_table(url: str) -> None:
    """Create the table ``/insert`` writes to (run once, before gunicorn starts)."""
    engine = sa.create_engine(url)
    METADATA.create_all(engine)
    engine.dispose()


def _engine(url: str) -> sa.Engine:
    if not url.startswith("sqlite"):
        return sa.create_engine(url, pool_pre_ping=False)
    return sa.create_engine(url, connect_args={"timeout": 30})  # Aduan's pragmas: see above


def create_ceiling_app() -> Flask:
    app = Flask(__name__)
    url = os.environ.get("BENCH_DATABASE_URL", "")
    engine = _engine(url) if url else None
    insert = ROWS.insert()

    @app.post("/json")
    def bare_json() -> ResponseReturnValue:
        body = request.get_json()
        return jsonify({"received": len(body or {})}), 201

    @app.post("/insert")
    def bare_insert() -> ResponseReturnValue:
        if engine is None:
            return jsonify({"error": "BENCH_DATABASE_URL is not set"}), 500
        body = request.get_json() or {}
        text = str(body.get("description", "")).ljust(1000, ".")
        with engine.begin() as connection:
            connection.execute(insert, {"body": text, "created_at": datetime.now(UTC)})
        return jsonify({"stored": len(text)}), 201

    return app


app = create_ceiling_app()
