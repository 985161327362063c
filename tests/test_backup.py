"""``flask backup``: back up, keep working, restore into a fresh database, read it back.

SQLite uses the online backup API; PostgreSQL uses pg_dump's custom format,
restored with pg_restore into a database created for the test.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy.engine import URL, make_url

from complaints import create_app
from complaints.extensions import db
from complaints.intake import Contact, submit_complaint
from complaints.models import Complaint
from complaints.seed import seed_reference_data
from tests.conftest import IN_CI, POSTGRES_URL, MakeComplaint, _test_config, category

RESTORE_TIMEOUT = 120


def run_backup(app: Flask, out: Path) -> dict[str, object]:
    import json

    result = app.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.output))


@contextmanager
def restored(app: Flask, backup: Path, tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh database restored from ``backup``."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite":
        copy = tmp_path / "restored.db"
        shutil.copyfile(backup, copy)
        restored_app = create_app(_test_config(f"sqlite:///{copy}"))
        try:
            yield restored_app
        finally:
            with restored_app.app_context():
                db.engine.dispose()
        return

    name = f"aduan_restore_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    target = make_url(POSTGRES_URL).set(database=name)
    try:
        _pg_restore(backup, target)
        # The backup holds the test's own schema; the app finds it by its search_path.
        restored_url = target.update_query_dict({"options": url.query["options"]})
        restored_app = create_app(_test_config(restored_url.render_as_string(hide_password=False)))
        try:
            yield restored_app
        finally:
            with restored_app.app_context():
                db.engine.dispose()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_backup_restores_into_a_fresh_database_the_app_can_read(
    app: Flask, make_complaint: MakeComplaint, tmp_path: Path
) -> None:
    kept = [
        make_complaint(description="Lampu jalan mati di Jalan Nani Wartabone sejak Senin."),
        make_complaint(status="in_progress", description="Saluran air tersumbat di pasar."),
    ]
    codes = {complaint.code: complaint.status for complaint in kept}
    backup = tmp_path / "aduan.backup"

    summary = run_backup(app, backup)
    assert summary["database"] == make_url(app.config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    assert summary["bytes"] == backup.stat().st_size > 0
    later = make_complaint(description="Dibuat setelah cadangan, tidak boleh ada di pemulihan.")
    first_code, later_code = kept[0].code, later.code

    with restored(app, backup, tmp_path) as restored_app, restored_app.app_context():
        found = {c.code: c.status for c in db.session.scalars(sa.select(Complaint))}
        assert found == codes
        assert later_code not in found
        client = restored_app.test_client()
        page = client.get(f"/track/{first_code}")
        assert page.status_code == 200
        assert "Nani Wartabone" in page.get_data(as_text=True)


def test_a_backup_replaces_its_file_only_when_complete(app: Flask, tmp_path: Path) -> None:
    backup = tmp_path / "aduan.backup"
    backup.write_bytes(b"yesterday's backup")
    run_backup(app, backup)
    assert backup.read_bytes() != b"yesterday's backup"
    assert [path.name for path in tmp_path.iterdir()] == ["aduan.backup"]  # no partial left


def test_a_backup_into_an_unwritable_place_fails_clearly(app: Flask, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(blocker / "x.backup")])
    assert result.exit_code != 0


@contextmanager
def fresh_postgres_database() -> Iterator[sa.URL]:
    """A new, empty PostgreSQL database (the app in ``public``, as in production)."""
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"aduan_backup_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        if IN_CI:
            pytest.fail(f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}")
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES_URL}")
    try:
        yield make_url(POSTGRES_URL).set(database=name)
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_the_documented_pg_restore_command_restores_a_production_layout(tmp_path: Path) -> None:
    backup = tmp_path / "aduan.backup"
    with fresh_postgres_database() as url:
        source = create_app(_test_config(url.render_as_string(hide_password=False)))
        with source.app_context():
            upgrade()
            seed_reference_data()
            code = submit_complaint(
                channel="web",
                category=category("road-damage"),
                description="Jembatan kayu di Desa Tapa rapuh dan berbahaya.",
                contact=Contact(phone="081234567890"),
            ).complaint.code
            assert run_backup(source, backup)["database"] == "postgresql"
            # Back to what a fresh database is (one empty public schema): creating and
            # dropping a second database would cost seconds of checkpoints.
            db.session.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
            db.engine.dispose()

        _pg_restore(backup, url)

        target = create_app(_test_config(url.render_as_string(hide_password=False)))
        try:
            page = target.test_client().get(f"/track/{code}")
            assert page.status_code == 200
            assert "Desa Tapa" in page.get_data(as_text=True)
        finally:
            with target.app_context():
                db.engine.dispose()


def _pg_restore(backup: Path, target: URL) -> None:
    """The documented restore: ``pg_restore --no-owner --exit-on-error`` into ``target``."""
    libpq = target.set(drivername="postgresql").render_as_string(hide_password=False)
    finished = subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq}", str(backup)],
        capture_output=True,
        text=True,
        timeout=RESTORE_TIMEOUT,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
