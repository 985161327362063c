"""The benchmark scripts run at a tiny size on SQLite and PostgreSQL, so they never rot.

Each backend starts every script at once as a subprocess (hundreds of rows, a
few dozen HTTP requests, one gunicorn configuration), bounded by a timeout,
and each test reads one script's exit status and the rows of its table.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import IN_CI, POSTGRES_URL

REPO_ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 240  # seconds for every script of one backend, started together

# name: arguments; the calendar needs no database, so it runs with SQLite only.
SCRIPTS = {
    "seed": ["bench/seed.py", "--rows", "300"],
    "intake": [
        "bench/bench_intake.py",
        "--requests",
        "24",
        "--runs",
        "1",
        "--worker-classes",
        "gthread",
        "--workers",
        "1",
    ],
    "queue": ["bench/bench_queue.py", "--rows", "300", "--repeat", "3", "--page", "3"],
    "memory": ["bench/bench_memory.py", "--rows", "300"],
    "sweep": ["bench/bench_sweep.py", "--rows", "200", "--repeat", "1"],
    "metrics": ["bench/bench_metrics.py", "--rows", "200", "--repeat", "1"],
    "calendar": ["bench/bench_calendar.py", "--repeats", "1"],
    "lapor": ["bench/bench_lapor_import.py", "--rows", "200"],
    "routing": ["bench/bench_routing.py", "--suggestions", "20"],
}
# The routing bench's accuracy table reads no database, so PostgreSQL learns the
# smallest history the script takes; SQLite learns one large enough to hold out
# the complaints an automatic threshold needs, so that column is filled too.
ROUTING_SIZES = {"sqlite": 300, "postgresql": 100}


@dataclass
class Finished:
    returncode: int
    output: str
    seconds: float

    def explain(self) -> str:
        return f"exit {self.returncode} after {self.seconds:.0f} s:\n{self.output[-4000:]}"


def _environment(backend: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    if backend == "postgresql":
        env["DATABASE_URL"] = POSTGRES_URL
        env["TEST_POSTGRES_URL"] = POSTGRES_URL
    return env


def _require_postgres() -> None:
    engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect():
            pass
    except sa.exc.OperationalError as error:
        message = f"PostgreSQL is not reachable at {POSTGRES_URL}: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()


def _run_all(backend: str) -> dict[str, Finished]:
    """Start every script for ``backend`` at once; wait for all, killing any that overruns."""
    names = [name for name in SCRIPTS if backend == "sqlite" or name != "calendar"]
    started = time.monotonic()
    processes = {}
    for name in names:
        arguments = list(SCRIPTS[name])
        if name == "metrics":
            arguments += ["--backend", backend]
        if name == "routing":
            arguments += ["--sizes", str(ROUTING_SIZES[backend])]
        processes[name] = subprocess.Popen(
            [sys.executable, *arguments],
            cwd=REPO_ROOT,
            env=_environment(backend),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    finished = {}
    try:
        for name, process in processes.items():
            remaining = max(1.0, TIMEOUT - (time.monotonic() - started))
            try:
                output, _ = process.communicate(timeout=remaining)
            except subprocess.TimeoutExpired:
                process.kill()
                output, _ = process.communicate(timeout=30)
                output += f"\n(killed after {TIMEOUT} s)"
            finished[name] = Finished(process.returncode, output, time.monotonic() - started)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
                process.wait(timeout=30)
    return finished


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def bench_runs(request: pytest.FixtureRequest) -> Iterator[tuple[str, dict[str, Finished]]]:
    backend = request.param
    if backend == "postgresql":
        _require_postgres()
    yield backend, _run_all(backend)


def _table_row(finished: Finished, pattern: str) -> re.Match[str]:
    assert finished.returncode == 0, finished.explain()
    match = re.search(pattern, finished.output, re.MULTILINE)
    assert match is not None, f"no row matching {pattern!r}; {finished.explain()}"
    return match


NUMBER = r"[\d,]+(?:\.\d+)?"


def test_the_intake_ceiling_commits_with_the_apps_sqlite_pragmas(tmp_path: Path) -> None:
    """The bare-INSERT ceiling must pay for the same fsyncs as Aduan, or the ratio lies."""
    sys.path.insert(0, str(REPO_ROOT / "bench"))
    try:
        import ceiling_app
    finally:
        sys.path.remove(str(REPO_ROOT / "bench"))
    engine = ceiling_app._engine(f"sqlite:///{tmp_path / 'ceiling.db'}")
    app_engine = sa.create_engine(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        with engine.connect() as ceiling, app_engine.connect() as app:
            for pragma in ("synchronous", "journal_mode", "foreign_keys"):
                expected = app.exec_driver_sql(f"PRAGMA {pragma}").scalar_one()
                assert ceiling.exec_driver_sql(f"PRAGMA {pragma}").scalar_one() == expected
            assert ceiling.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL
    finally:
        engine.dispose()
        app_engine.dispose()


def test_the_seeder_writes_the_complaints_and_their_history(bench_runs):
    backend, runs = bench_runs
    label = "PostgreSQL" if backend == "postgresql" else "SQLite"
    _table_row(runs["seed"], rf"^{label}.*: 300 complaints in {NUMBER} s")
    _table_row(runs["seed"], r"^\s+complaints\s+300$")
    events = _table_row(runs["seed"], r"^\s+complaint_events\s+([\d,]+)$")
    assert int(events.group(1).replace(",", "")) > 300  # more than one per complaint


def test_the_intake_bench_prints_every_row_with_its_ceiling(bench_runs):
    _, runs = bench_runs
    _table_row(runs["intake"], rf"^load generator vs a trivial asyncio server\s+{NUMBER}")
    for row in (
        "bare Flask JSON POST",
        "bare Flask INSERT 1 KB \\+ commit",
        "Aduan POST /api/v1/complaints",
        "Aduan POST /complaints/new \\(form\\)",
    ):
        # req/s, p50, p95, p99, the ceiling's req/s and the ratio to it
        _table_row(runs["intake"], rf"^gthread 1wx4t: {row}\s+(?:{NUMBER}\s+){{5}}\d+%$")


def test_the_queue_bench_follows_next_links_to_the_deep_page(bench_runs):
    _, runs = bench_runs
    _table_row(runs["queue"], rf"^supervisor, first page, status=closed\s+{NUMBER}\s+{NUMBER}")
    _table_row(runs["queue"], rf"^supervisor, page 3 via next links, status=closed\s+{NUMBER}")
    _table_row(runs["queue"], rf"^officer of PUPR, first page, status=closed\s+{NUMBER}")


def test_the_memory_bench_streams_every_row_at_both_sizes(bench_runs):
    _, runs = bench_runs
    for size in ("30", "300"):
        # complaints, baseline, +report and +CSV peaks, then the CSV's rows: all of them
        _table_row(runs["memory"], rf"^\s+{size}\s+(?:\d+\s+){{3}}{size}\s+")


def test_the_sweep_report_and_calendar_benches_still_run(bench_runs):
    backend, runs = bench_runs
    _table_row(runs["sweep"], rf"^sweep, nothing due\s+{NUMBER}")
    _table_row(runs["metrics"], rf"^\[{backend}\] full report, read afresh:\s+{NUMBER} ms")
    _table_row(runs["metrics"], rf"^\[{backend}\] full report, stored parts:\s+{NUMBER} ms")
    if backend == "sqlite":
        _table_row(runs["calendar"], rf"^add_working_days\(t, 60\)\s+{NUMBER}")


def test_the_lapor_import_bench_times_every_step(bench_runs):
    _, runs = bench_runs
    # 200 rows: none has the impossible date the export gives every 500th row
    _table_row(
        runs["lapor"], rf"^read and check the .xlsx, write nothing\s+(?:{NUMBER}\s+){{3}}200 good"
    )
    _table_row(runs["lapor"], rf"^--history --create-units\s+(?:{NUMBER}\s+){{3}}200 imported")
    _table_row(
        runs["lapor"], rf"^the same file again\s+(?:{NUMBER}\s+){{3}}0 imported, 200 present"
    )
    _table_row(runs["lapor"], rf"^new reports, semicolon .csv\s+(?:{NUMBER}\s+){{3}}200 imported")


def test_the_routing_bench_compares_with_the_baseline_and_times_suggestions(bench_runs):
    backend, runs = bench_runs
    size = ROUTING_SIZES[backend]
    for model in ("routing", "baseline"):
        # top-1, top-3, macro-F1 as percentages, then the training seconds and peak memory
        _table_row(runs["routing"], rf"^\s+{size} {model}\s+(?:{NUMBER}\s+){{3}}")
    if backend == "sqlite":
        # the automatic threshold, its coverage and precision, as percentages
        _table_row(runs["routing"], rf"^\s+{size} routing\s+(?:{NUMBER}\s+){{6}}")
    _table_row(runs["routing"], rf"^  suggest\(\) 20 texts: p50\s+{NUMBER}\s+p95\s+{NUMBER}")
    _table_row(runs["routing"], rf"^  POST /api/v1/routing/suggest: p50\s+{NUMBER}")
