"""Shared fixtures: the app on SQLite and on PostgreSQL, factories, the staff cast.

Every test that asks for ``app`` (or anything built on it) runs twice: once
on a SQLite file and once on the machine's PostgreSQL, each migrated once
per test session (and xdist worker) with the real Alembic migrations. Tables are emptied after
each test. Under ``CI=true`` a missing PostgreSQL fails the run instead of
skipping.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from typing import Any

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade

from complaints import auth, clock, create_app
from complaints.extensions import db
from complaints.intake import Contact, submit_complaint
from complaints.models import Category, Complaint, Status, Unit, User
from complaints.seed import seed_reference_data

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
IN_CI = os.environ.get("CI", "").lower() == "true"

# The browser fixtures (live_server, browser, open_browser) for every test module.
pytest_plugins = ("tests.browser_helpers",)

# Argon2 at argon2-cffi's cheapest parameters (its profile for tests): every
# password is still hashed and checked for real, with a few microseconds of
# work instead of about 0.2 s of CPU each (the cast alone is four hashes per
# test). The app's own parameters are kept here for test_password_hashing.
PRODUCTION_PASSWORD_HASHER = auth._hasher
auth._hasher = PasswordHasher.from_parameters(CHEAPEST)
auth._STAND_IN_HASH = auth._hasher.hash(uuid.uuid4().hex)

# A Wednesday inside office hours in Asia/Makassar (10:00 WITA).
DEFAULT_NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
STAFF_PASSWORD = "correct-horse-battery"


def _test_config(database_url: str) -> dict[str, Any]:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "RATELIMIT_ENABLED": False,
        "ADUAN_SCHEDULER": False,
        "SESSION_COOKIE_SECURE": False,
        "SERVER_NAME": "aduan.test",
        "PUBLIC_BASE_URL": "https://aduan.test",
    }


def _postgres_schema_url(schema: str) -> str:
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}"


class _Databases:
    """The worker's migrated databases: one SQLite file and one PostgreSQL schema.

    Each is made (and migrated) on first use and kept until the session ends.
    pytest runs a module's SQLite tests, then its PostgreSQL ones; a plain
    parametrised session fixture would be torn down and migrated again at
    every such switch, that is twice per test file.
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self._tmp_path_factory = tmp_path_factory
        self._urls: dict[str, str] = {}
        self._postgres_error: str | None = None
        self._schema: str | None = None
        self._admin_engine: sa.Engine | None = None

    def url(self, kind: str) -> str:
        if kind not in self._urls:
            if kind == "sqlite":
                path = self._tmp_path_factory.mktemp("db") / "aduan.db"
                url = f"sqlite:///{path}"
            else:
                url = self._postgres_schema()
            _migrate(url)
            self._urls[kind] = url
        return self._urls[kind]

    def _postgres_schema(self) -> str:
        if self._postgres_error is None:
            schema = f"aduan_test_{uuid.uuid4().hex[:10]}"
            engine = sa.create_engine(POSTGRES_URL)
            try:
                with engine.begin() as connection:
                    connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
            except sa.exc.OperationalError as error:
                engine.dispose()
                self._postgres_error = f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}"
            else:
                self._schema, self._admin_engine = schema, engine
                return _postgres_schema_url(schema)
        if IN_CI:
            pytest.fail(self._postgres_error)
        pytest.skip(self._postgres_error)

    def drop(self) -> None:
        if self._admin_engine is not None:
            with self._admin_engine.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{self._schema}" CASCADE'))
            self._admin_engine.dispose()


@pytest.fixture(scope="session")
def _databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Databases]:
    databases = _Databases(tmp_path_factory)
    yield databases
    databases.drop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, _databases: _Databases) -> str:
    """A migrated, empty database for this test session (and xdist worker)."""
    return _databases.url(request.param)


def _migrate(url: str) -> None:
    app = create_app(_test_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _empty_all_tables() -> None:
    """Delete every row and restart the id sequences, as a fresh database has them.

    On PostgreSQL one DELETE per table (children first, in one round trip) is
    many times faster than TRUNCATE, which makes new files for every table.
    """
    tables = [table.name for table in db.metadata.sorted_tables]
    if db.engine.dialect.name == "postgresql":
        deletes = " ".join(f'DELETE FROM "{name}";' for name in reversed(tables))
        db.session.execute(
            sa.text(
                f"DO $$ BEGIN {deletes}"
                " PERFORM setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false)"
                " FROM pg_sequences"
                " WHERE schemaname = current_schema() AND last_value IS NOT NULL;"
                " END $$"
            )
        )
    else:
        for name in reversed(tables):
            db.session.execute(sa.text(f'DELETE FROM "{name}"'))
    db.session.commit()


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own application context.

    Tests often hold an app context open (``app_ctx``) to use the database
    directly; without this, requests would share that context's ``g`` — and
    with it Flask-Login's current user and Flask-WTF's CSRF token — across
    different clients, as no real server ever would.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The application on a freshly emptied database with the reference data loaded."""
    application = create_app(_test_config(database_url))
    application.test_client_class = IsolatedClient
    clock.set_now(DEFAULT_NOW)
    with application.app_context():
        seed_reference_data()
    yield application
    clock.set_now(None)
    with application.app_context():
        db.session.rollback()
        _empty_all_tables()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """Run the test body inside an application context (for service-level tests)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def set_now() -> Iterator[Callable[[datetime], None]]:
    """Move the clock; reset at the end of the test."""
    yield clock.set_now
    clock.set_now(DEFAULT_NOW)


def csrf_token_from(html: str) -> str:
    """The CSRF token of the page's first form (its attributes in any order)."""
    field = re.search(r'<input[^>]*\bname="csrf_token"[^>]*>', html)
    assert field is not None, "the page has no CSRF token"
    value = re.search(r'\bvalue="([^"]+)"', field.group(0))
    assert value is not None, "the CSRF field has no value"
    return value.group(1)


def visible_text(html: str) -> str:
    """What a person reads: the page without its tags (attributes are not shown).

    ``<wbr>`` (a place a long word may wrap) shows nothing; every other tag is a space.
    """
    html = html.replace("<wbr>", "")
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def open_as_reporter(client: FlaskClient, code: str) -> None:
    """Open the reporter's link (the acknowledgement's) in ``client``: it acts as the reporter."""
    from complaints import reporter_keys

    response = client.get(f"/track/{code}?key={reporter_keys.derive(code)}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/track/{code}")


def hidden_value(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html)
    assert match is not None, f"the page has no hidden field {name}"
    return match.group(1)


def category(code: str) -> Category:
    found = db.session.scalar(sa.select(Category).where(Category.code == code))
    assert found is not None
    return found


def unit(code: str) -> Unit:
    found = db.session.scalar(sa.select(Unit).where(Unit.code == code))
    assert found is not None
    return found


def run_at_once(app: Flask, work: Callable[[], object], copies: int = 2) -> list[BaseException]:
    """Run ``work`` in ``copies`` threads released together, each in its own app context.

    Returns what the threads raised (a race test asserts there is nothing).
    """
    start = threading.Barrier(copies)
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                start.wait()
                work()
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


@dataclass
class Cast:
    """The fixed cast of every access test."""

    officer_a: User  # officer of unit A (PUPR)
    officer_b: User  # officer of unit B (DLH)
    supervisor: User  # supervisor of unit A
    admin: User


@pytest.fixture
def cast(app_ctx: Flask) -> Cast:
    from complaints.auth import create_user

    people = Cast(
        officer_a=create_user(
            "alice@bonebolangokab.go.id", "officer", STAFF_PASSWORD, unit_code="PUPR"
        ),
        officer_b=create_user(
            "bob@bonebolangokab.go.id", "officer", STAFF_PASSWORD, unit_code="DLH"
        ),
        supervisor=create_user(
            "charlie@bonebolangokab.go.id", "supervisor", STAFF_PASSWORD, unit_code="PUPR"
        ),
        admin=create_user("dana@bonebolangokab.go.id", "admin", STAFF_PASSWORD),
    )
    db.session.commit()
    return people


MakeComplaint = Callable[..., Complaint]


@pytest.fixture
def make_complaint(app_ctx: Flask) -> MakeComplaint:
    """Factory: a complaint that went through intake and the workflow to ``status``."""
    from complaints import workflow
    from complaints.workflow import Actor

    counter = iter(range(1, 1_000_000))

    def make(
        status: str = Status.RECEIVED.value,
        category_code: str = "road-damage",
        description: str = "Jalan berlubang di depan sekolah dasar, berbahaya bagi anak-anak.",
        phone: str | None = None,
        name: str | None = None,
        email: str | None = None,
        channel: str = "web",
        **options: Any,
    ) -> Complaint:
        result = submit_complaint(
            channel=channel,
            category=category(category_code),
            description=description,
            contact=Contact(name=name, phone=phone, email=email),
            external_id=f"factory-{next(counter)}-{uuid.uuid4().hex[:6]}",
            **options,
        )
        complaint = result.complaint
        actor = Actor.system("test")
        path: dict[str, list[Callable[[], object]]] = {
            Status.RECEIVED: [],
            Status.VERIFIED: [lambda: workflow.verify_complaint(complaint, actor)],
            Status.REJECTED: [
                lambda: workflow.reject_complaint(complaint, actor, "Bukan wewenang")
            ],
            Status.IN_PROGRESS: [
                lambda: workflow.verify_complaint(complaint, actor),
                lambda: workflow.start_work(complaint, actor),
            ],
            Status.RESOLVED: [
                lambda: workflow.verify_complaint(complaint, actor),
                lambda: workflow.start_work(complaint, actor),
                lambda: workflow.resolve_complaint(complaint, actor, "Sudah diperbaiki."),
            ],
            Status.CLOSED: [
                lambda: workflow.verify_complaint(complaint, actor),
                lambda: workflow.start_work(complaint, actor),
                lambda: workflow.resolve_complaint(complaint, actor, "Sudah diperbaiki."),
                lambda: workflow.confirm_resolution(complaint),
            ],
        }
        if status == Status.MERGED:
            original = make()
            steps: list[Callable[[], object]] = [
                lambda: workflow.merge_complaint(complaint, actor, original)
            ]
        else:
            steps = path[Status(status)]
        for step in steps:
            step()
        workflow.commit()
        return complaint

    return make
