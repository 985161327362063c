"""Peak memory of a worker serving the report and streaming the CSV export of every row.

Run from the repository root::

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_memory.py --rows 1000000
    .venv/bin/python bench/bench_memory.py --rows 100000      # SQLite

It seeds ``--rows``/10 complaints with ``bench/seed.py`` (a throw-away SQLite
file or PostgreSQL schema), measures, appends rows up to ``--rows`` and
measures again, so the two figures show whether memory grows with N.

Each measurement is a fresh worker process (``--worker``): it builds the app,
signs in as the regency-level supervisor and serves one request (its
baseline), then ``GET /staff/reports`` for the last full year and ``GET
/staff/reports/complaints.csv`` over the whole seeded period, reading the
export chunk by chunk as a client would, through the WSGI app (Flask's test
client, unbuffered). It reports its own peak resident set (``VmHWM`` from
``/proc/self/status``). Goal of the issue: under 300 MB and not growing with N.
Exits 0 whatever the numbers, 1 if a request fails.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
for folder in (REPO_ROOT, BENCH_DIR):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import seed as bench_seed  # noqa: E402
from bench_queue import signed_in  # noqa: E402

REPORT = "/staff/reports?from=2025-01-01&to=2025-12-31"
EXPORT = "/staff/reports/complaints.csv?from=2024-01-01&to=2026-12-31"
GOAL_MB = 300


def peak_rss_mb() -> float:
    """This process's high-water mark of resident memory (Linux ``VmHWM``)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def worker(url: str) -> dict[str, Any]:
    """One worker's figures: baseline, after the report, after the export."""
    app = bench_seed.bench_app(url)
    client = signed_in(app.test_client(), bench_seed.SUPERVISOR_EMAIL, bench_seed.BENCH_PASSWORD)
    figures: dict[str, Any] = {"baseline_mb": peak_rss_mb()}
    started = time.perf_counter()
    report = client.get(REPORT)
    if report.status_code != 200:
        raise RuntimeError(f"{REPORT} answered {report.status_code}")
    figures["report_seconds"] = time.perf_counter() - started
    figures["report_mb"] = peak_rss_mb()
    started = time.perf_counter()
    export = client.get(EXPORT, buffered=False)
    if export.status_code != 200:
        raise RuntimeError(f"{EXPORT} answered {export.status_code}")
    lines = size = 0
    for chunk in export.iter_encoded():
        lines += chunk.count(b"\n")
        size += len(chunk)
    export.close()
    figures["export_seconds"] = time.perf_counter() - started
    figures["export_lines"] = lines
    figures["export_mb"] = size / 1024 / 1024
    figures["peak_mb"] = peak_rss_mb()
    return figures


def measure(url: str) -> dict[str, Any]:
    """Run ``worker`` in a fresh process and read its figures."""
    completed = subprocess.run(
        [sys.executable, __file__, "--worker", url],
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"the worker failed:\n{completed.stderr[-3000:]}")
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="complaints at the end")
    parser.add_argument("--worker", metavar="URL", help=argparse.SUPPRESS)
    options = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if options.worker:
        print(json.dumps(worker(options.worker)))
        return 0
    if options.rows < 10:
        parser.error("--rows must be at least 10")
    url, cleanup = bench_seed.throwaway_database(os.environ.get("DATABASE_URL"))
    results = []
    app = None
    try:
        app = bench_seed.migrated_app(url)
        seeded = 0
        for size in (options.rows // 10, options.rows):
            with app.app_context():
                bench_seed.seed(size - seeded)
            bench_seed.release(app)
            seeded = size
            results.append((size, measure(url)))
    finally:
        bench_seed.release(app)
        cleanup()
    _print(results, url)
    return 0


def _print(results: list[tuple[int, dict[str, Any]]], url: str) -> None:
    print(f"\nWorker memory on {bench_seed.backend_name(url)} (peak RSS, VmHWM)")
    header = (
        f"{'complaints':>10}  {'baseline MB':>11}  {'+report MB':>10}  {'+CSV MB':>8}"
        f"  {'CSV rows':>9}  {'CSV MB':>7}  {'report s':>8}  {'CSV s':>6}  {'goal':>8}"
    )
    print(header)
    print("-" * len(header))
    for size, figures in results:
        print(
            f"{size:>10,}  {figures['baseline_mb']:>11.0f}  {figures['report_mb']:>10.0f}"
            f"  {figures['peak_mb']:>8.0f}  {figures['export_lines'] - 1:>9,}"
            f"  {figures['export_mb']:>7.1f}  {figures['report_seconds']:>8.2f}"
            f"  {figures['export_seconds']:>6.1f}  {'< ' + str(GOAL_MB) + ' MB':>8}"
        )
    (small, first), (large, last) = results
    growth = last["peak_mb"] - first["peak_mb"]
    print(f"\npeak grows by {growth:+.0f} MB from {small:,} to {large:,} complaints")


if __name__ == "__main__":
    sys.exit(main())
