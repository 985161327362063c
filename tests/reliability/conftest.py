"""Fixtures of the reliability tests (the process helpers live in processes.py)."""

from __future__ import annotations

import pytest


@pytest.fixture
def postgresql_only(database_url: str) -> None:
    """Skip the SQLite run before the app and its cast are built (list it first).

    Races between processes or concurrent transactions need PostgreSQL's row
    locks; SQLite serialises writers, so there is nothing to race.
    """
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers, so there is no race to run; PostgreSQL only")
