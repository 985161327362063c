"""Benchmark of complaint intake through HTTP, under gunicorn, against its ceilings.

Run from the repository root::

    .venv/bin/python bench/bench_intake.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_intake.py --requests 2000

Without ``DATABASE_URL`` it works on a fresh SQLite file (WAL) in a temporary
folder; with one, in a throw-away PostgreSQL schema, dropped at the end. The
migrations and the reference data are applied first (``--rows`` complaints
can be seeded too, so new rows land in a full table).

For each gunicorn worker class (``sync``: 2 workers; ``gthread``: 2 workers
of 4 threads; ``--workers`` changes the count), with ``ADUAN_SCHEDULER=0 RATELIMIT_ENABLED=0
ADUAN_SECURE_COOKIES=0``, a load generator on 127.0.0.1 (``--clients``
threads, each with its own keep-alive ``http.client`` connection, sharing a
fixed number of requests) measures, median of ``--runs`` runs:

* the ceilings, from ``bench/ceiling_app.py`` under the same settings: a bare
  Flask JSON POST answering 201, and one that INSERTs a ~1 KB row and commits
  in the same database;
* ``POST /api/v1/complaints`` (JSON, a fresh ``Idempotency-Key`` each);
* ``POST /complaints/new`` (the web form: each client GETs the form once for
  its session cookie and CSRF token, then posts with a fresh submission token
  each time, as a browser tab reloading the form would).

The load generator's own ceiling is measured first, against a trivial
asyncio HTTP server in another process: no row can go faster than it.
Latencies (p50/p95/p99) pool every timed request of a row. Exits 0 whatever
the numbers (1 if a server fails to start or answers with errors).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import logging
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
for folder in (REPO_ROOT, BENCH_DIR):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import seed as bench_seed  # noqa: E402

CATEGORY = "road-damage"
DESCRIPTION = (
    "Jalan berlubang besar di depan SD Negeri 3 Kabila, sudah tiga bulan tidak diperbaiki."
    " Saat hujan lubang tertutup air dan dua pengendara motor sudah jatuh minggu ini."
    " Mohon segera ditambal sebelum ada korban lagi. Lokasi tepat di tikungan dekat pasar."
)
GUNICORN = Path(sys.executable).with_name("gunicorn")
THREADS = 4  # per gthread worker
WORKER_CLASSES = {
    "sync": ["--worker-class", "sync"],
    "gthread": ["--worker-class", "gthread", "--threads", str(THREADS)],
}
# A trivial HTTP/1.1 keep-alive server: the load generator's own ceiling.
TRIVIAL_SERVER = """
import asyncio, sys

async def serve(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            length = 0
            for line in head.split(b"\\r\\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            if length:
                await reader.readexactly(length)
            writer.write(b"HTTP/1.1 201 Created\\r\\nContent-Type: application/json\\r\\n"
                         b"Content-Length: 2\\r\\n\\r\\n{}")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()

async def main():
    server = await asyncio.start_server(serve, "127.0.0.1", int(sys.argv[1]))
    async with server:
        await server.serve_forever()

asyncio.run(main())
"""


@dataclass
class Request:
    method: str
    path: str
    body: bytes
    headers: dict[str, str]
    expected: int


@dataclass
class Load:
    """What one timed run measured."""

    seconds: float
    latencies: list[float]
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


@dataclass
class Row:
    name: str
    runs: list[Load]
    ceiling: Row | None = None

    @property
    def rate(self) -> float:
        return statistics.median(run.rate for run in self.runs)

    def percentile(self, which: int) -> float:
        latencies = sorted(itertools.chain.from_iterable(run.latencies for run in self.runs))
        if len(latencies) < 2:
            return latencies[0] if latencies else float("nan")
        return statistics.quantiles(latencies, n=100, method="inclusive")[which - 1]

    @property
    def errors(self) -> list[str]:
        return [error for run in self.runs for error in run.errors]


# A client makes the requests of one connection: ``setup`` once, then ``request(i)``.
ClientFactory = Callable[[http.client.HTTPConnection], Callable[[int], Request]]


def run_load(port: int, client: ClientFactory, total: int, clients: int) -> Load:
    """``total`` requests over ``clients`` keep-alive connections; wall time and latencies."""
    tickets = iter(range(total))
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    ready = threading.Barrier(clients + 1)

    def work() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            make = client(connection)
        finally:
            ready.wait()
        mine: list[float] = []
        while True:
            with lock:
                ticket = next(tickets, None)
            if ticket is None:
                break
            request = make(ticket)
            started = time.perf_counter()
            connection.request(request.method, request.path, request.body, request.headers)
            response = connection.getresponse()
            payload = response.read()
            mine.append(time.perf_counter() - started)
            if response.status != request.expected:
                errors.append(f"{request.path}: {response.status} {payload[:300]!r}")
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=work, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait(timeout=120)
    started = time.perf_counter()
    for thread in threads:
        thread.join(timeout=600)
    return Load(time.perf_counter() - started, latencies, errors)


def measure(name: str, port: int, client: ClientFactory, options: argparse.Namespace) -> Row:
    """A warm-up, then ``--runs`` timed runs of ``--requests`` requests."""
    run_load(port, client, options.clients * 2, options.clients)
    runs = [run_load(port, client, options.requests, options.clients) for _ in range(options.runs)]
    row = Row(name, runs)
    if row.errors:
        print(f"  {name}: {len(row.errors)} unexpected answers, first: {row.errors[0]}")
    return row


# --- the requests ----------------------------------------------------------------------


def json_client(path: str, expected: int, idempotent: bool = False) -> ClientFactory:
    def setup(_connection: http.client.HTTPConnection) -> Callable[[int], Request]:
        run = uuid.uuid4().hex[:12]  # per connection and run: every key is new

        def make(ticket: int) -> Request:
            body = {
                "kind": "complaint",
                "category": CATEGORY,
                "description": f"{DESCRIPTION} ({run}-{ticket})",
                "name": "Warga Kabila",
                "phone": "081234567890",
            }
            headers = {"Content-Type": "application/json"}
            if idempotent:
                headers["Idempotency-Key"] = f"bench-{run}-{ticket}"
            return Request("POST", path, json.dumps(body).encode(), headers, expected)

        return make

    return setup


def form_client(connection: http.client.HTTPConnection) -> Callable[[int], Request]:
    """GET the form once (session cookie, CSRF token), then post it again and again."""
    connection.request("GET", "/complaints/new")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = (response.getheader("Set-Cookie") or "").split(";")[0]
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if response.status != 200 or not cookie or match is None:
        raise RuntimeError(f"the form did not give a session and a CSRF token ({response.status})")
    token = match.group(1)

    def make(ticket: int) -> Request:
        fields = {
            "csrf_token": token,
            "submission_token": uuid.uuid4().hex,
            "kind": "complaint",
            "category": CATEGORY,
            "description": f"{DESCRIPTION} ({ticket})",
            "name": "Warga Kabila",
            "phone": "081234567890",
        }
        # The session cookie stays the one from the GET: the flash message each POST
        # adds is shown by the tracking page, which this client does not follow.
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}
        return Request("POST", "/complaints/new", urlencode(fields).encode(), headers, 302)

    return make


# --- servers -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(command: list[str], env: dict[str, str], port: int, probe: str) -> Iterator[None]:
    """Start a server process, wait until ``probe`` answers, stop it afterwards."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            _wait_until_up(process, port, probe, log, command)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)


def _wait_until_up(
    process: subprocess.Popen[bytes], port: int, probe: str, log: IO[bytes], command: list[str]
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", probe)
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    log.seek(0)
    output = log.read().decode(errors="replace")[-3000:]
    raise RuntimeError(f"the server did not start: {' '.join(command)}\n{output}")


def gunicorn(worker_class: str, workers: int, port: int, app: str, folder: Path) -> list[str]:
    return [
        str(GUNICORN),
        "--workers",
        str(workers),
        *WORKER_CLASSES[worker_class],
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(folder),
        "--log-level",
        "warning",
        app,
    ]


# --- the benchmark -----------------------------------------------------------------------


def main() -> int:
    options = _arguments()
    logging.basicConfig(level=logging.WARNING)
    url, cleanup = bench_seed.throwaway_database(os.environ.get("DATABASE_URL"))
    try:
        _prepare(url, options.rows)
        rows = _run(url, options)
    finally:
        cleanup()
    _print(rows, url, options)
    return 1 if any(row.errors for row in rows) else 0


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per run")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per row")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    parser.add_argument("--rows", type=int, default=0, help="complaints seeded beforehand")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--worker-classes",
        default="sync,gthread",
        help="comma-separated gunicorn worker classes (sync, gthread)",
    )
    options = parser.parse_args()
    options.worker_classes = [name.strip() for name in options.worker_classes.split(",")]
    unknown = set(options.worker_classes) - set(WORKER_CLASSES)
    if unknown:
        parser.error(f"unknown worker classes: {', '.join(sorted(unknown))}")
    if (
        options.requests < options.clients
        or min(options.clients, options.runs, options.workers) < 1
    ):
        parser.error("--requests must be at least --clients; --clients, --runs, --workers positive")
    return options


def _prepare(url: str, rows: int) -> None:
    """Migrations, reference data, optional complaints, and the ceiling's table."""
    from ceiling_app import create_table

    from complaints.extensions import db
    from complaints.seed import seed_reference_data

    app = bench_seed.migrated_app(url)
    with app.app_context():
        if rows:
            bench_seed.seed(rows)
        else:
            seed_reference_data()
            db.session.commit()
        db.engine.dispose()
    create_table(url)


def _run(url: str, options: argparse.Namespace) -> list[Row]:
    rows = []
    port = free_port()
    with server([sys.executable, "-c", TRIVIAL_SERVER, str(port)], {}, port, "/"):
        client_ceiling = measure(
            "load generator vs a trivial asyncio server",
            port,
            json_client("/json", 201),
            options,
        )
    rows.append(client_ceiling)
    aduan_env = {
        "DATABASE_URL": url,
        "ADUAN_SCHEDULER": "0",
        "RATELIMIT_ENABLED": "0",
        "ADUAN_SECURE_COOKIES": "0",
        "SECRET_KEY": "bench-intake-secret-key-not-for-production",
    }
    for worker_class in options.worker_classes:
        label = f"{worker_class} {options.workers}w"
        if worker_class == "gthread":
            label += f"x{THREADS}t"
        port = free_port()
        command = gunicorn(worker_class, options.workers, port, "ceiling_app:app", BENCH_DIR)
        with server(command, {"BENCH_DATABASE_URL": url}, port, "/"):
            bare_json = measure(
                f"{label}: bare Flask JSON POST", port, json_client("/json", 201), options
            )
            bare_json.ceiling = client_ceiling
            bare_insert = measure(
                f"{label}: bare Flask INSERT 1 KB + commit",
                port,
                json_client("/insert", 201),
                options,
            )
            bare_insert.ceiling = bare_json
        port = free_port()
        with server(
            gunicorn(worker_class, options.workers, port, "wsgi:app", REPO_ROOT),
            aduan_env,
            port,
            "/healthz",
        ):
            api = measure(
                f"{label}: Aduan POST /api/v1/complaints",
                port,
                json_client("/api/v1/complaints", 201, idempotent=True),
                options,
            )
            form = measure(
                f"{label}: Aduan POST /complaints/new (form)", port, form_client, options
            )
        api.ceiling = form.ceiling = bare_insert
        rows += [bare_json, bare_insert, api, form]
    return rows


def _print(rows: list[Row], url: str, options: argparse.Namespace) -> None:
    print(
        f"\nIntake on {bench_seed.backend_name(url)}: {options.clients} clients,"
        f" {options.requests} requests per run, median req/s of {options.runs} run(s);"
        " latencies over every timed request"
    )
    width = max(len(row.name) for row in rows)
    header = f"{'row':<{width}}  {'req/s':>8}  {'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}"
    print(f"{header}  {'ceiling req/s':>13}  {'ratio':>6}")
    print("-" * (len(header) + 23))
    for row in rows:
        ceiling = ""
        if row.ceiling is not None:
            ceiling = f"{row.ceiling.rate:>13.0f}  {row.rate / row.ceiling.rate:>6.0%}"
        print(
            f"{row.name:<{width}}  {row.rate:>8.0f}  {row.percentile(50) * 1000:>7.1f}"
            f"  {row.percentile(95) * 1000:>7.1f}  {row.percentile(99) * 1000:>7.1f}  {ceiling}"
        )
    print("\nceiling of a bare row: the row above it; of an Aduan row: the bare INSERT.")
    print("goal: Aduan >= 50 % of the bare INSERT, p95 < 50 ms at 8 clients")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    sys.exit(main())
