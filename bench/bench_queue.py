"""Benchmark of the staff queue page on a large complaints table.

Run from the repository root (PostgreSQL is the backend that matters)::

    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/bench_queue.py --rows 1000000
    .venv/bin/python bench/bench_queue.py --rows 100000      # SQLite

It seeds ``--rows`` complaints with ``bench/seed.py`` (a throw-away SQLite
file, or a throw-away PostgreSQL schema when ``DATABASE_URL`` is set), signs
in through the real login form (Flask's test client, so no network in the
timings) and times ``GET /staff/complaints``:

* the first page, for the regency-level supervisor (sees every unit) and for
  an officer of one unit, with a status filter, and without a filter;
* page ``--page`` (500 by default) of the filtered list, reached by following
  the page's own ``rel="next"`` link (the walk is not timed), then fetched
  again and again: whatever the link holds (offset or cursor), this is what a
  user clicking "Next" that many times gets.

Each row: p50/p95 over ``--repeat`` requests (after one untimed request).
Goal of the issue: p95 under 100 ms on PostgreSQL at 1M complaints.
Exits 0 whatever the numbers, 1 if a page does not answer 200.
"""

from __future__ import annotations

import argparse
import html
import logging
import os
import re
import statistics
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
for folder in (REPO_ROOT, BENCH_DIR):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import seed as bench_seed  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

QUEUE = "/staff/complaints"
STATUS_FILTER = "closed"  # the largest status, so page 500 exists from about 30k rows
_ANCHOR = re.compile(r"<a\s([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def next_link(page: str) -> str | None:
    """The URL of the page's ``rel="next"`` link, or None on the last page."""
    for anchor in _ANCHOR.finditer(page):
        attributes = dict(_ATTRIBUTE.findall(anchor.group(1)))
        if "next" in attributes.get("rel", "").split() and "href" in attributes:
            return html.unescape(attributes["href"])
    return None


def signed_in(client: FlaskClient, email: str, password: str) -> FlaskClient:
    page = client.get("/staff/login").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    if match is None:
        raise RuntimeError("the login form has no CSRF token")
    response = client.post(
        "/staff/login",
        data={"email": email, "password": password, "csrf_token": match.group(1)},
    )
    if response.status_code != 302:
        raise RuntimeError(f"signing in as {email} failed: {response.status_code}")
    return client


def walk(client: FlaskClient, url: str, pages: int) -> tuple[str, int]:
    """Follow ``rel="next"`` from ``url`` up to page ``pages``; the URL reached and its number."""
    number = 1
    while number < pages:
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        following = next_link(response.get_data(as_text=True))
        if following is None:
            break
        url, number = following, number + 1
    return url, number


def timed(client: FlaskClient, url: str, repeat: int) -> list[float]:
    client.get(url)  # untimed: templates compiled, caches warm
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        seconds.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    return seconds


def percentile(seconds: list[float], which: int) -> float:
    if len(seconds) < 2:
        return seconds[0]
    return statistics.quantiles(seconds, n=100, method="inclusive")[which - 1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="complaints to seed")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per row")
    parser.add_argument("--page", type=int, default=500, help="the deep page to time")
    options = parser.parse_args()
    if options.rows < 1 or options.repeat < 1 or options.page < 2:
        parser.error("--rows and --repeat must be positive, --page at least 2")
    logging.basicConfig(level=logging.WARNING)
    url, cleanup = bench_seed.throwaway_database(os.environ.get("DATABASE_URL"))
    app = None
    try:
        app = bench_seed.migrated_app(url)
        with app.app_context():
            seeded = bench_seed.seed(options.rows)
        print(
            f"\n{bench_seed.backend_name(url)}: {options.rows:,} complaints seeded"
            f" in {seeded['seconds']:.1f} s"
        )
        supervisor = signed_in(app.test_client(), seeded["supervisor"], seeded["password"])
        officer = signed_in(app.test_client(), seeded["officer"], seeded["password"])
        filtered = f"{QUEUE}?status={STATUS_FILTER}"
        deep_url, deep_number = walk(supervisor, filtered, options.page)
        rows = [
            ("supervisor, first page, no filter", timed(supervisor, QUEUE, options.repeat)),
            (
                f"supervisor, first page, status={STATUS_FILTER}",
                timed(supervisor, filtered, options.repeat),
            ),
            (
                f"supervisor, page {deep_number} via next links, status={STATUS_FILTER}",
                timed(supervisor, deep_url, options.repeat),
            ),
            (
                f"officer of {bench_seed.OFFICER_UNIT}, first page, status={STATUS_FILTER}",
                timed(officer, filtered, options.repeat),
            ),
        ]
    finally:
        bench_seed.release(app)
        cleanup()
    width = max(len(name) for name, _ in rows)
    print(f"\n{'queue page':<{width}}  {'p50 ms':>7}  {'p95 ms':>7}  {'goal p95':>9}")
    print("-" * (width + 30))
    for name, seconds in rows:
        print(
            f"{name:<{width}}  {percentile(seconds, 50) * 1000:>7.1f}"
            f"  {percentile(seconds, 95) * 1000:>7.1f}  {'< 100 ms':>9}"
        )
    print(f"\n{options.repeat} requests per row; page {deep_number} is {deep_url}")
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
