"""``flask backup --out FILE``: a consistent copy of the database while the app runs.

- SQLite: the online backup API (``sqlite3.Connection.backup``) copies the
  pages under SQLite's own locking, so writers in other workers may carry on.
  The copy is a single self-contained file (rollback journal, not WAL).
  Restore: stop the app, remove ``aduan.db-wal`` and ``aduan.db-shm``, copy
  the backup over ``aduan.db`` (or ``sqlite3 aduan.db ".restore FILE"``).
- PostgreSQL: ``pg_dump --format=custom`` of the app's database (of its
  schema and the extensions only when that is not ``public``; pg_dump 14 or
  later), a snapshot taken in one transaction. Restore into a fresh, empty
  database:
  ``pg_restore --no-owner --dbname=postgresql://USER@HOST/NEWDB FILE``.

The file appears only when the backup is complete: it is written under a
temporary name in the same folder and renamed at the end.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from psycopg.conninfo import make_conninfo
from sqlalchemy import text
from sqlalchemy.engine import URL

from .extensions import db

# Query parameters of a SQLAlchemy URL that libpq does not take from pg_dump's command.
_NOT_FOR_PG_DUMP = {"options"}


class BackupFailed(RuntimeError):
    """The backup could not be made; the message says why."""


@dataclass(frozen=True)
class BackupResult:
    database: str
    out: Path
    bytes: int

    def as_json(self) -> dict[str, Any]:
        return {"database": self.database, "out": str(self.out), "bytes": self.bytes}


def backup_database(out: Path, *, timeout: float | None = None) -> BackupResult:
    """Write a consistent backup of the app's database to ``out`` (replacing it)."""
    url = db.engine.url
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    os.close(handle)
    partial = Path(name)
    try:
        if url.get_backend_name() == "sqlite":
            _backup_sqlite(url, partial)
        elif url.get_backend_name() == "postgresql":
            _backup_postgresql(url, partial, timeout)
        else:
            raise BackupFailed(f"no backup method for {url.get_backend_name()} databases")
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
    return BackupResult(url.get_backend_name(), out, out.stat().st_size)


def _backup_sqlite(url: URL, partial: Path) -> None:
    if not url.database or url.database == ":memory:":
        raise BackupFailed("an in-memory SQLite database has nothing to back up")
    source = sqlite3.connect(url.database, timeout=30)
    target = sqlite3.connect(partial)
    try:
        # All pages in one step: one consistent snapshot. Under WAL a reader
        # does not block writers, so the app carries on meanwhile.
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it
        check = target.execute("PRAGMA quick_check").fetchone()
        if check is None or check[0] != "ok":
            raise BackupFailed(f"the copy failed its integrity check: {check}")
    finally:
        target.close()
        source.close()


def _backup_postgresql(url: URL, partial: Path, timeout: float | None) -> None:
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupFailed("pg_dump is not installed (Debian/Ubuntu: postgresql-client)")
    schema = db.session.scalar(text("SELECT current_schema()"))
    db.session.rollback()
    parts: dict[str, object] = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "dbname": url.database,
    }
    # sslmode, sslrootcert … pass through; a repeated key keeps its last value.
    for key, value in url.query.items():
        if key not in _NOT_FOR_PG_DUMP:
            parts[key] = value if isinstance(value, str) else value[-1]
    conninfo = make_conninfo(**{key: str(value) for key, value in parts.items() if value})
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = str(url.password)  # never on the command line (ps)
    command = [program, "--format=custom", "--no-owner", f"--file={partial}"]
    # The whole database when the app lives in ``public`` (restores cleanly into a
    # fresh database); only the app's schema when it shares a database with others,
    # plus the extensions its indexes use (pg_trgm), which --schema alone leaves out.
    if schema != "public":
        command += [f"--schema={schema}", "--extension=*"]
    command.append(f"--dbname={conninfo}")
    try:
        finished = subprocess.run(  # noqa: S603 -- fixed program, our own arguments
            command,
            env=environment,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BackupFailed(f"pg_dump did not finish within {timeout} s") from None
    if finished.returncode != 0:
        raise BackupFailed(f"pg_dump failed: {finished.stderr.strip()}")


@click.command("backup")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write (replaced if it exists).",
)
@with_appcontext
def backup_command(out: Path) -> None:
    """Back up the database while the app runs; print a JSON summary."""
    try:
        result = backup_database(out)
    except (BackupFailed, sqlite3.Error) as failure:
        raise click.ClickException(f"backup failed: {failure}") from None
    click.echo(json.dumps(result.as_json()))
