"""Flask extensions, created here and bound to the app in create_app()."""

from __future__ import annotations

import sqlite3
from typing import Any

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_compress import Compress
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

from .ratelimit import client_address, warn_if_proxy_ignored

# Named constraints so Alembic migrations are stable on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address)
limiter.request_filter(warn_if_proxy_ignored)
babel = Babel()
compress = Compress()
bootstrap = Bootstrap5()


# Set on every SQLite connection of the process (the app's, the scheduler's, a
# CLI command's, the benchmark ceiling's): WAL for concurrent readers, enforced
# foreign keys, and synchronous=FULL. FULL, not NORMAL: SQLite's documentation
# (https://www.sqlite.org/pragma.html#pragma_synchronous) says "WAL mode ... with
# synchronous=NORMAL ... a transaction committed in WAL mode with
# synchronous=NORMAL might roll back following a power loss or system crash".
# A citizen who was given a tracking code must find the complaint after a
# power cut; FULL syncs the WAL at every commit (bench/README.md: its cost).
SQLITE_PRAGMAS = ("journal_mode=WAL", "foreign_keys=ON", "synchronous=FULL")


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection of every engine: :data:`SQLITE_PRAGMAS`."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()
