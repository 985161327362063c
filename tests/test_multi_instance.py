"""Several hosts: two gunicorn instances and two sweeps on one PostgreSQL and one Redis.

The deployment in ``deploy/``, shrunk onto 127.0.0.1: each instance is
gunicorn with ``deploy/gunicorn.conf.py`` (one gthread worker of four threads) and the
in-process scheduler off; the SLA sweep runs as separate ``flask sla sweep``
processes, two at once as if two hosts ran it. A client alternates between
the instances and sees one service: one queue, one rate limit, each
escalation step fired once.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import runpy
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from sqlalchemy import func, select

from complaints.auth import create_user
from complaints.config import load_config
from complaints.extensions import db
from complaints.models import Complaint, ComplaintEvent, Escalation
from sla.sweep import sweep
from tests.api_helpers import bearer
from tests.redis_helpers import REDIS_URL, delete_keys, keys_under, new_prefix, redis_or_skip
from tests.reliability.processes import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
START_TIMEOUT = 20.0
REQUEST_TIMEOUT = 10.0
# The public API's write limit per client (complaints.api.views.PUBLIC_WRITE_LIMIT).
WRITES_PER_MINUTE = 10

# Straight to 127.0.0.1, whatever http_proxy the environment sets.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

# One PostgreSQL schema: SQLite is one host's database, not several hosts'.
postgresql_only = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def environment(database_url: str) -> dict[str, str]:
    """What /etc/aduan/aduan.env holds on every host, pointed at the test services."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("TWILIO_")}
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=REDIS_URL,
        SECRET_KEY="multi-instance-test-secret",
        ADUAN_SCHEDULER="0",
        ADUAN_SECURE_COOKIES="0",
        PUBLIC_BASE_URL="https://aduan.test",
        RATELIMIT_ENABLED="1",
        ADUAN_LOG_LEVEL="WARNING",
    )
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return env


def stop(*processes: subprocess.Popen[bytes]) -> None:
    """Kill each process group we started (gunicorn and its workers): nothing in them to save."""
    for process in processes:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
    for process in processes:
        process.wait(timeout=10)


class Instance:
    """One host's web tier: gunicorn with the deploy config on its own port."""

    def __init__(self, env: dict[str, str], key_prefix: str, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # Flask-Limiter's key prefix keeps this run's counts apart from any other on the Redis.
        factory = f"complaints:create_app({{'RATELIMIT_KEY_PREFIX': {key_prefix!r}}})"
        self.log = log
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "-c",
                str(ROOT / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "1",
                factory,
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_until_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                status, _body, _headers = self.request("GET", "/healthz", timeout=1)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.base} did not become healthy:\n{self.log.read_text()[-3000:]}")

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = REQUEST_TIMEOUT,
    ) -> tuple[int, Any, dict[str, str]]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with OPENER.open(request, timeout=timeout) as response:
                return (
                    response.status,
                    json.loads(response.read() or b"null"),
                    dict(response.headers),
                )
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null"), dict(error.headers)


@pytest.fixture
def shared_redis() -> Iterator[tuple[redis.Redis, str]]:
    client = redis_or_skip()
    prefix = new_prefix("multi")
    yield client, prefix
    delete_keys(client, prefix)
    client.close()


@pytest.fixture
def two_instances(
    app: Flask, database_url: str, shared_redis: tuple[redis.Redis, str], tmp_path: Path
) -> Iterator[tuple[Instance, Instance]]:
    _client, prefix = shared_redis
    env = environment(database_url)
    instances: list[Instance] = []
    try:
        instances = [Instance(env, prefix, tmp_path / f"gunicorn-{n}.log") for n in (1, 2)]
        deadline = time.monotonic() + START_TIMEOUT
        for instance in instances:
            instance.wait_until_healthy(deadline)
        yield instances[0], instances[1]
    finally:
        stop(*(instance.process for instance in instances))


def run_sweeps_at_once(env: dict[str, str], moment: datetime, count: int) -> list[dict[str, Any]]:
    """``count`` ``flask sla sweep --now`` processes started together; their JSON summaries."""
    command = [str(BIN / "flask"), "--app", "wsgi", "sla", "sweep", "--now", moment.isoformat()]
    processes = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        for _ in range(count)
    ]
    summaries = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=30)
            assert process.returncode == 0, err.decode()
            summaries.append(json.loads(out))
    finally:
        stop(*processes)
    return summaries


def complaint_body(number: int) -> dict[str, Any]:
    return {
        "category": "road-damage",
        "description": f"Jalan berlubang nomor {number} di Desa Tanggilingo, dua motor jatuh.",
        "address": "Desa Tanggilingo, Kabila",
    }


@postgresql_only
def test_two_instances_share_one_queue_one_rate_limit_and_one_sweep(
    app: Flask,
    database_url: str,
    shared_redis: tuple[redis.Redis, str],
    two_instances: tuple[Instance, Instance],
) -> None:
    redis_client, prefix = shared_redis
    first, second = two_instances
    instances = (first, second)

    # 1. A client alternating between the hosts: the write limit is counted once, in Redis.
    answers = [
        instances[n % 2].request("POST", "/api/v1/complaints", complaint_body(n))
        for n in range(WRITES_PER_MINUTE + 3)
    ]
    statuses = [status for status, _body, _headers in answers]
    assert statuses == [201] * WRITES_PER_MINUTE + [429] * 3, statuses
    assert keys_under(redis_client, prefix), "the rate limit was not counted in Redis"
    codes = {body["code"] for status, body, _headers in answers if status == 201}
    assert len(codes) == WRITES_PER_MINUTE

    # 2. One queue: staff see every complaint on either host, whichever took it.
    with app.app_context():
        admin = create_user("admin@bonebolangokab.go.id", "admin", "multi-instance-pw-2026")
        db.session.commit()
        token = bearer(admin)
    for instance in instances:
        status, body, _headers = instance.request(
            "GET", "/api/v1/complaints?limit=50", headers=token
        )
        assert status == 200
        assert {item["code"] for item in body["items"]} == codes

    # 3. Two sweeps race over the same due complaints: every step fires once.
    moment = datetime.now(UTC) + timedelta(days=30)
    with app.app_context():
        expected = sweep(moment, dry_run=True)
        db.session.rollback()
    assert expected.reminded + expected.escalated >= WRITES_PER_MINUTE  # something is due
    summaries = run_sweeps_at_once(environment(database_url), moment, count=2)
    fired = sum(s["reminded"] + s["escalated"] for s in summaries)
    assert sum(s["errors"] for s in summaries) == 0
    with app.app_context():
        steps = db.session.scalar(select(func.count(Escalation.id))) or 0
        step_events = (
            db.session.scalar(
                select(func.count(ComplaintEvent.id)).where(
                    ComplaintEvent.kind.in_(("escalation", "reminder"))
                )
            )
            or 0
        )
        complaints = db.session.scalar(select(func.count(Complaint.id)))
    assert fired == expected.reminded + expected.escalated == steps == step_events
    assert complaints == WRITES_PER_MINUTE


# --- the deploy files stay in step with the app ------------------------------------------------


def settings_read_by_the_app() -> set[str]:
    config = (ROOT / "complaints" / "config.py").read_text()
    names = set(re.findall(r'env_\w+\(\s*env,\s*"([A-Z][A-Z0-9_]+)"', config))
    names |= set(re.findall(r'env(?:\.get\(|\[)"([A-Z][A-Z0-9_]+)"', config))
    names |= set(
        re.findall(r'os\.environ\.get\("([A-Z][A-Z0-9_]+)"', (ROOT / "wsgi.py").read_text())
    )
    return names


def test_the_env_example_explains_every_setting_the_app_reads() -> None:
    example = (ROOT / "deploy" / "aduan.env.example").read_text()
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, re.MULTILINE))
    read = settings_read_by_the_app()
    assert {"DATABASE_URL", "REDIS_URL", "ADUAN_PROXY_HOPS", "PUBLIC_BASE_URL"} <= read
    assert read - documented == set()


def test_nginx_accepts_exactly_the_uploads_the_app_accepts(tmp_path: Path) -> None:
    app_limit = load_config(tmp_path, env={})["MAX_CONTENT_LENGTH"]
    site = (ROOT / "deploy" / "nginx" / "aduan.conf").read_text()
    match = re.search(r"client_max_body_size (\d+)m;", site)
    assert match is not None
    assert int(match.group(1)) * 1024 * 1024 == app_limit
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header} " in site


def test_the_web_unit_runs_gunicorn_without_the_scheduler_and_one_unit_runs_it() -> None:
    web = (ROOT / "deploy" / "systemd" / "aduan-web.service").read_text()
    scheduler = (ROOT / "deploy" / "systemd" / "aduan-scheduler.service").read_text()
    (web_start,) = re.findall(r"^ExecStart=(.*)$", web, re.MULTILINE)
    assert "ADUAN_SCHEDULER=0" in web_start and "gunicorn.conf.py wsgi:app" in web_start
    assert re.search(r"^ExecStart=\S+/flask --app wsgi sla run$", scheduler, re.MULTILINE)
    for unit in (web, scheduler):
        assert "EnvironmentFile=/etc/aduan/aduan.env" in unit
        assert "NoNewPrivileges=yes" in unit and "ProtectSystem=strict" in unit


def test_the_gunicorn_config_logs_no_query_strings() -> None:
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert settings["worker_class"] == "gthread" and settings["workers"] >= 2
    log_format = settings["access_log_format"]
    assert "%(U)s" in log_format  # the path alone
    assert not {"%(r)s", "%(q)s", "%(f)s"} & set(re.findall(r"%\(\w\)s", log_format))
