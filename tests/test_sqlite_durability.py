"""SQLite commits survive a power cut (security review, finding 10): synchronous=FULL.

SQLite's documentation (https://www.sqlite.org/pragma.html#pragma_synchronous):
in WAL mode with synchronous=NORMAL "a transaction committed in WAL mode with
synchronous=NORMAL might roll back following a power loss or system crash".
A complaint acknowledged with a tracking code must still be there, so every
SQLite connection Aduan opens runs with FULL (2).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from complaints import create_app
from complaints.extensions import db
from sla.scheduler import JobSpec, run_job
from tests.conftest import _test_config

FULL = 2


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(_test_config(f"sqlite:///{tmp_path / 'aduan.db'}"))
    yield app
    with app.app_context():
        db.engine.dispose()


def pragmas(connection: sa.Connection) -> tuple[int, str, int]:
    return (
        connection.exec_driver_sql("PRAGMA synchronous").scalar_one(),
        connection.exec_driver_sql("PRAGMA journal_mode").scalar_one(),
        connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one(),
    )


def test_the_apps_sqlite_connections_all_sync_fully(sqlite_app: Flask) -> None:
    with sqlite_app.app_context():
        assert db.session.execute(sa.text("PRAGMA synchronous")).scalar_one() == FULL
        # Two at once: the second is a fresh connection of the pool, not the first again.
        with db.engine.connect() as first, db.engine.connect() as second:
            assert pragmas(first) == pragmas(second) == (FULL, "wal", 1)
        db.engine.dispose()  # a pool that starts over opens new connections
        with db.engine.connect() as fresh:
            assert pragmas(fresh) == (FULL, "wal", 1)


def test_the_schedulers_jobs_sync_fully(sqlite_app: Flask) -> None:
    seen: list[int] = []

    def record() -> None:
        seen.append(db.session.execute(sa.text("PRAGMA synchronous")).scalar_one())

    # As the background scheduler runs a job: its own thread, its own app context.
    worker = threading.Thread(target=run_job, args=(sqlite_app, JobSpec("probe", record, 60)))
    worker.start()
    worker.join(timeout=30)
    assert seen == [FULL]


def test_any_other_engine_on_sqlite_syncs_fully(tmp_path: Path) -> None:
    # A CLI command's or a script's own engine: the pragmas follow every Engine.
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with engine.connect() as connection:
            assert pragmas(connection)[0] == FULL
    finally:
        engine.dispose()
