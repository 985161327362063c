"""PostgreSQL stopped under load: clear 503s, no hang, recovery without a restart, nothing lost.

The test creates its own PostgreSQL cluster (initdb + pg_ctl in a temp dir
on a free port), so the shared server is never touched. gunicorn serves the
app on it while client threads keep filing complaints and opening pages;
the cluster is stopped with ``pg_ctl stop -m immediate`` (a crash, as far as
the server knows), left down for a while, and started again.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from complaints import create_app
from complaints.extensions import db
from complaints.models import Complaint
from complaints.seed import seed_reference_data
from tests.conftest import IN_CI, _migrate, _test_config
from tests.reliability.processes import (
    Gunicorn,
    PrivateCluster,
    app_environment,
    free_port,
    postgres_binaries_missing,
    request,
)

LOAD_THREADS = 4
OUTAGE_SECONDS = 3.0
# A request may take this long at most, outage or not: a hang is a failure.
REQUEST_CEILING = 8.0
RECOVERY_CEILING = 15.0

PAGES = [
    ("POST", "/api/v1/complaints?lang=en"),
    ("GET", "/complaints/new?lang=en"),
    ("GET", "/open311/v2/services.json"),
    ("GET", "/track/ADU-0000-0000?lang=en"),
]


@dataclass
class Answer:
    phase: str
    method: str
    path: str
    status: int
    seconds: float
    headers: dict[str, str]
    body: bytes


@dataclass
class Load:
    port: int
    phase: str = "before"
    answers: list[Answer] = field(default_factory=list)
    acknowledged: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _one_request(load: Load, method: str, path: str) -> None:
    phase = load.phase
    body = headers = None
    if method == "POST":
        body = {
            "category": "road-damage",
            "description": "Lampu jalan padam di depan kantor desa sejak minggu lalu.",
            "phone": "081234567890",
        }
        headers = {"Idempotency-Key": uuid.uuid4().hex}
    started = time.monotonic()
    try:
        status, answer_headers, answer = request(
            load.port, method, path, body, headers, timeout=REQUEST_CEILING
        )
    except (OSError, http.client.HTTPException) as error:
        status, answer_headers, answer = -1, {}, repr(error).encode()
    seconds = time.monotonic() - started
    # A request belongs to the outage only if it began and ended inside it.
    if load.phase != phase:
        phase = "transition"
    with load.lock:
        load.answers.append(Answer(phase, method, path, status, seconds, answer_headers, answer))
        if status == 201:
            load.acknowledged.append(json.loads(answer)["code"])


def _load(load: Load, offset: int) -> None:
    turn = offset
    while not load.stop.is_set():
        method, path = PAGES[turn % len(PAGES)]
        _one_request(load, method, path)
        turn += 1
        time.sleep(0.02)


def _wait_until_healthy(port: int, timeout: float) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            status, _, _ = request(port, "GET", "/healthz", timeout=REQUEST_CEILING)
        except (OSError, http.client.HTTPException):
            status = -1
        if status == 200:
            return time.monotonic() - started
        time.sleep(0.1)
    raise AssertionError(f"the service did not recover within {timeout} s")


@pytest.fixture
def private_cluster() -> Iterator[PrivateCluster]:
    message = postgres_binaries_missing()
    if message is not None:
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    cluster = PrivateCluster()
    try:
        cluster.initdb()
        cluster.start()
        _migrate(cluster.url)
        app = create_app(_test_config(cluster.url))
        with app.app_context():
            seed_reference_data()
            db.engine.dispose()
        yield cluster
    finally:
        cluster.destroy()


def _assert_clear_503(answer: Answer) -> None:
    assert answer.status == 503, (answer.path, answer.status, answer.body[:300])
    assert answer.headers.get("Retry-After", "").isdigit(), answer.headers
    text = answer.body.decode(errors="replace")
    assert "Traceback" not in text and "psycopg" not in text and "OperationalError" not in text
    if answer.path.startswith("/api/"):
        error = json.loads(text)["error"]
        assert error["code"] == "service_unavailable"
        assert error["reason"] == "database_unreachable"
    elif answer.path.startswith("/open311/"):
        assert json.loads(text)[0]["code"] == 503
    else:
        assert answer.headers["Content-Type"].startswith("text/html")
        assert "briefly unavailable" in text


def test_a_lost_database_gives_clear_503s_and_the_service_resumes_by_itself(
    private_cluster: PrivateCluster, tmp_path: Path
) -> None:
    log = tmp_path / "gunicorn.log"
    server = Gunicorn(app_environment(private_cluster.url), log, preload=True)
    load = Load(port=server.port)
    threads = [
        threading.Thread(target=_load, args=(load, offset), daemon=True)
        for offset in range(LOAD_THREADS)
    ]
    try:
        server.start()
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        load.phase = "stopping"
        private_cluster.stop("immediate")
        load.phase = "down"
        time.sleep(OUTAGE_SECONDS)
        status, _, health = request(server.port, "GET", "/healthz")
        load.phase = "starting"
        private_cluster.start()
        load.phase = "after"
        recovery = _wait_until_healthy(server.port, RECOVERY_CEILING)
        time.sleep(1.0)
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_CEILING + 2)
        server.stop()

    assert status == 503 and json.loads(health)["database"] == "unreachable", health
    during = [answer for answer in load.answers if answer.phase == "down"]
    before = [answer for answer in load.answers if answer.phase == "before"]
    after = [answer for answer in load.answers if answer.phase == "after"]
    assert before and during and after
    for answer in during:
        _assert_clear_503(answer)
    assert {answer.path for answer in during} == {path for _, path in PAGES}
    slowest = max(answer.seconds for answer in load.answers)
    assert slowest < REQUEST_CEILING
    assert not [a for a in load.answers if a.status == 500 or a.status < 0]
    assert all(answer.status != 503 for answer in after[-LOAD_THREADS * 2 :])
    assert any(answer.status == 201 for answer in after)

    engine = sa.create_engine(private_cluster.url)
    try:
        with engine.connect() as connection:
            stored = set(
                connection.scalars(
                    sa.select(Complaint.code).where(Complaint.code.in_(load.acknowledged))
                )
            )
    finally:
        engine.dispose()
    print(
        f"\ndatabase outage: {len(during)} requests during {OUTAGE_SECONDS:.0f} s answered 503 "
        f"(slowest request {slowest:.2f} s); recovered {recovery:.2f} s after PostgreSQL "
        f"was back, without a restart; acknowledged {len(load.acknowledged)} / "
        f"found {len(stored)}"
    )
    assert stored == set(load.acknowledged)


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_an_unreachable_database_answers_503_in_each_interface_s_own_format(
    method: str, path: str
) -> None:
    """Fast and without a cluster: nobody listens on the database port at all."""
    url = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/aduan"
    app = create_app({**_test_config(url), "TESTING": False})
    response = app.test_client().open(
        path, method=method, json={"category": "road-damage"} if method == "POST" else None
    )
    status, headers = response.status_code, dict(response.headers)
    _assert_clear_503(Answer("down", method, path, status, 0.0, headers, response.data))


def test_a_query_bug_is_still_a_500_not_hidden_as_an_outage(tmp_path: Path) -> None:
    """Only a failure to reach the database is an outage; a constraint violation is a bug."""
    app = create_app({**_test_config(f"sqlite:///{tmp_path / 'aduan.db'}"), "TESTING": False})

    def violates_a_constraint() -> str:
        raise sa.exc.IntegrityError("INSERT INTO complaints …", {}, Exception("UNIQUE failed"))

    app.add_url_rule("/reliability-test/bug", view_func=violates_a_constraint)
    response = app.test_client().get("/reliability-test/bug")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers


def test_a_connection_lost_after_the_view_answered_is_not_a_500(
    app: Flask, database_url: str
) -> None:
    """The server drops the connection between the view's answer and the session's close.

    Seen under load when PostgreSQL stopped: the view had answered, closing its
    session rolled back on the dead connection, and the error escaped Flask, so
    gunicorn sent its bare 500 page for a request that had succeeded.
    """
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating one server connection needs PostgreSQL")
    killer = sa.create_engine(database_url)

    def answers_then_loses_its_connection() -> str:
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with killer.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 5
            while (
                time.monotonic() < deadline
                and other.execute(
                    sa.text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                ).scalar_one()
            ):
                time.sleep(0.02)
        return "answered"

    app.add_url_rule("/reliability-test/lost-after", view_func=answers_then_loses_its_connection)
    try:
        client = app.test_client()
        response = client.get("/reliability-test/lost-after")
        assert response.status_code == 200 and response.text == "answered"
        # The pool replaced the dead connection: the next request is served normally.
        assert client.get("/healthz").status_code == 200
    finally:
        killer.dispose()
