"""Benchmark: the full assessment report over many complaints, beside a bare GROUP BY.

Bulk-seeds ``--rows`` complaints (default 1,000,000) with their events,
escalations and survey answers straight in SQL (``generate_series`` on
PostgreSQL, a recursive CTE on SQLite), then times, for one year:

* the bare aggregate ``SELECT unit_id, count(*) … GROUP BY unit_id``;
* ``complaints.metrics.report()`` (every figure, durations included);
* ``GET /stats`` served from its cache.

Goal (issue 7): the report within 3× the bare aggregate and under 2 s on
PostgreSQL; ``/stats`` from cache under 20 ms.

    .venv/bin/python bench/bench_metrics.py --rows 100000
    .venv/bin/python bench/bench_metrics.py --rows 100000 --backend postgresql

The seed stores each complaint's working-time durations with
``durations.backfill`` (``flask report backfill-durations``: what the
workflow stores as each moment is recorded, timed on its own line), so the
report aggregates stored integers, with durations for every unit, category,
channel and kind.

Latest figures (29 Nov 2026; two cores shared with other jobs at a load
average of 3 to 14, so every time is several times an idle machine's and
only the ratio to the bare aggregate measured in the same run compares;
full report: median of 3 runs, durations: one run):

    rows  backend     bare GROUP BY  full report  ratio  durations  /stats cached
    100k  PostgreSQL       41.7 ms       624 ms    15×     225 ms      4.4 ms
    100k  SQLite            9.1 ms     2,758 ms   302×     845 ms      5.5 ms
    1M    PostgreSQL        401 ms     9,378 ms    23×   6,241 ms         —
    1M    PostgreSQL        654 ms     6,731 ms    10×   5,098 ms       3.4 ms   (make bench, 12:00)
    1M    SQLite            125 ms      24.7 s    198×    12.9 s       5.6 ms

Since the report stores an ended period's parts (``complaints/metrics/stored.py``),
the script times both: read afresh (``fresh=True``: the refresh button,
``flask report``, the scheduler's preparation after a change) and served
from the stored parts (every other report of an ended period); and the
scheduler's preparation when nothing changed. Before the stored parts were
kept by the app's change marks instead of database triggers (December 2026:
see bench/README.md), 1M, machine otherwise quiet, 29 Nov 15:08-15:17:

    backend     bare GROUP BY  read afresh      stored parts
    PostgreSQL       136 ms    3,743 ms (27×)   79.5 ms (0.6×)
    SQLite          56.7 ms     12.0 s (213×)    122 ms (2.1×)

With the change marks, 1M, 6 Dec 17:16-18:07, load average about 1 (the
code before, with the triggers, in brackets, run the same hour)::

    backend     bare GROUP BY  read afresh        stored parts     preparation  backfill
    PostgreSQL       211 ms    5,820 ms (28×)     119 ms (0.6×)    14.8 ms      295 s
                    [204 ms]  [5,711 ms (28×)]   [119 ms (0.6×)]
    SQLite           139 ms     21.8 s (157×)     248 ms (1.8×)     9.3 ms       54 s
                    [141 ms]   [21.9 s (155×)]   [249 ms (1.8×)]

About the read-afresh figures above:

The SQLite rows are with per-minute histograms (new here); at 100k the
durations step took 1,695 and 1,661 ms with the previous ordered read against
845 and 1,263 ms now, runs interleaved on the same machine (the full
report 2,791 and 2,762 ms against 2,758 and 1,850 ms; the other steps
swing by half between runs at this load). At 1M on one seeded database:
24.6 s with the previous ordered read, 9.8 and 10.9 s with histograms
(run before and after it); medians and 90th percentiles differ by 0.02
hours at most, counts and means not at all. PostgreSQL's durations code
did not change: its 100k row differs from the previous figures (24×)
by load only (the old code measured 558 ms, 13×, in the same session),
and its 1M row is the previous run's.

Not met at 1M when read afresh: exact medians and 90th percentiles for five breakdowns
cost PostgreSQL one sort per breakdown and measure (``percentile_cont``
in GROUPING SETS), single-threaded, where the bare aggregate is a parallel
hash scan. Histograms built by hash aggregates were measured there and
lost: for the time to resolve at 1M, ``percentile_cont`` over the five
grouping sets took 1.6 to 1.8 s in psql; the hashed per-minute GROUPING
SETS 2.0 to 2.5 s (310k buckets for 650k durations: spread over
thousands of minutes they hardly compress), before Python would even
merge them; picking the percentiles in SQL with a running ``sum() OVER``
2.6 to 3.2 s, with ``work_mem`` at 4 MB or 256 MB. The other steps
(grouped counts about 2.5×, backlog 2×, indicator 27 evidence 2.5× the
bare aggregate) add the rest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa

BENCH_DIR = Path(__file__).resolve().parent
for folder in (BENCH_DIR.parent, BENCH_DIR):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

import seed as bench_seed  # noqa: E402
from flask_migrate import upgrade  # noqa: E402

from complaints import clock, durations, metrics  # noqa: E402
from complaints.extensions import db  # noqa: E402
from complaints.seed import seed_reference_data  # noqa: E402
from sla.policies import working_calendar  # noqa: E402

POSTGRES_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
YEAR_SECONDS = 365 * 86_400
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def _timestamp(dialect: str, seconds: str) -> str:
    """SQL for 2025-01-01 00:00 UTC plus ``seconds`` (an SQL integer expression)."""
    if dialect == "postgresql":
        return f"(TIMESTAMPTZ '2025-01-01 00:00:00+00' + make_interval(secs => {seconds}))"
    return (
        f"(strftime('%Y-%m-%d %H:%M:%S', '2025-01-01 00:00:00', '+' || ({seconds}) || "
        f"' seconds') || '.000000')"
    )


def _series(dialect: str, rows: int) -> tuple[str, str]:
    """(WITH prefix, FROM clause) yielding i = 1..rows."""
    if dialect == "postgresql":
        return "", f"generate_series(1::bigint, {rows}) AS s(i)"  # i * 7919 passes 2^31
    return (
        f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows}) ",
        "s",
    )


def seed(rows: int) -> None:
    """Insert ``rows`` complaints spread over 2025 with a realistic mix of outcomes."""
    dialect = db.engine.dialect.name
    prefix, source = _series(dialect, rows)
    created = f"((i * 7919) % {YEAR_SECONDS})"
    verified = f"({created} + (i * 13) % 300000)"
    responded = f"({verified} + (i * 17) % 400000)"
    resolved = f"({responded} + (i * 29) % 2000000)"
    # status by i % 20: 0 received, 1 rejected, 2 merged, 3-4 verified, 5-6 in progress,
    # 7-9 resolved, 10-19 closed
    status = (
        "CASE WHEN i % 20 = 0 THEN 'received' WHEN i % 20 = 1 THEN 'rejected' "
        "WHEN i % 20 = 2 THEN 'merged' WHEN i % 20 < 5 THEN 'verified' "
        "WHEN i % 20 < 7 THEN 'in_progress' WHEN i % 20 < 10 THEN 'resolved' ELSE 'closed' END"
    )
    channel = (
        "CASE WHEN i % 10 < 4 THEN 'web' WHEN i % 10 = 4 THEN 'telegram' "
        "WHEN i % 10 = 5 THEN 'sms' WHEN i % 10 = 6 THEN 'counter' "
        "WHEN i % 10 < 9 THEN 'lapor' ELSE 'api' END"
    )
    kind = (
        "CASE WHEN i % 7 = 0 THEN 'aspiration' WHEN i % 7 = 1 THEN 'information_request' "
        "ELSE 'complaint' END"
    )
    ts = lambda seconds: _timestamp(dialect, seconds)  # noqa: E731
    when = lambda condition, seconds: f"CASE WHEN {condition} THEN {ts(seconds)} END"  # noqa: E731
    false, true = ("false", "true") if dialect == "postgresql" else ("0", "1")
    categories = db.session.scalar(sa.text("SELECT count(*) FROM categories"))
    insert = f"""
        {prefix}
        INSERT INTO complaints (
            code, kind, channel, external_id, lapor_id, status, priority, category_id, unit_id,
            description, anonymous, confidential, locale, created_at, updated_at,
            verified_at, first_response_at, in_progress_at, resolved_at, closed_at,
            rejected_at, merged_at, reopened_count, verify_due_at, response_due_at,
            resolve_due_at, escalation_level, rejection_reason, citizen_confirmed,
            hidden_from_public, version)
        SELECT
            'B' || i, {kind}, {channel}, 'bench-' || i,
            CASE WHEN i % 10 IN (7, 8) THEN 'LAPOR-' || i END,
            {status}, 'normal', c.id, c.default_unit_id,
            'Keluhan uji beban nomor ' || i, {false}, CASE WHEN i % 13 = 0 THEN {true}
            ELSE {false} END, 'id', {ts(created)}, {ts(created)},
            {when("i % 20 >= 3", verified)},
            {when("i % 20 >= 5", responded)},
            {when("i % 20 >= 5", responded)},
            {when("i % 20 >= 7", resolved)},
            {when("i % 20 >= 10", resolved + " + 86400")},
            {when("i % 20 = 1", created + " + 7200")},
            {when("i % 20 = 2", created + " + 3600")},
            CASE WHEN i % 50 = 0 THEN 1 ELSE 0 END,
            {ts(created + " + 259200")},
            {when("i % 20 >= 3", verified + " + 604800")},
            {when("i % 20 >= 3", verified + " + 1728000")},
            0, CASE WHEN i % 20 = 1 THEN 'Bukan wewenang' END,
            CASE WHEN i % 20 >= 10 AND i % 3 <> 0 THEN {true} END,
            {false}, 1
        FROM {source}
        JOIN categories c ON c.id = (i % {categories}) + 1
    """
    db.session.execute(sa.text(insert))
    db.session.execute(
        sa.text(
            "INSERT INTO complaint_events (complaint_id, at, kind, actor_label, to_status, public) "
            f"SELECT id, created_at, 'status', 'bench', 'received', {false} FROM complaints"
        )
    )
    db.session.execute(
        sa.text(
            "INSERT INTO complaint_events (complaint_id, at, kind, actor_label, from_status, "
            f"to_status, public) SELECT id, resolved_at, 'status', 'bench', 'in_progress', "
            f"'resolved', {true} FROM complaints WHERE resolved_at IS NOT NULL"
        )
    )
    db.session.execute(
        sa.text(
            "INSERT INTO escalations (complaint_id, deadline, level, due_at, fired_at) "
            "SELECT id, 'resolve', 1, resolve_due_at, resolve_due_at FROM complaints "
            "WHERE id % 10 = 0 AND resolve_due_at IS NOT NULL"
        )
    )
    elements = ", ".join(
        f"1 + (id + {offset}) % 4"
        for offset in range(9)  # nine answers, varied per complaint
    )
    db.session.execute(
        sa.text(
            "INSERT INTO survey_responses (complaint_id, unit_id, requirements, procedure, "
            "timeliness, cost, product, competence, conduct, facilities, complaint_handling, "
            f"created_at) SELECT id, unit_id, {elements}, closed_at FROM complaints "
            "WHERE status = 'closed' AND id % 4 = 0"
        )
    )
    db.session.commit()
    # What the workflow stores as each moment is recorded, filled here in batches.
    started = time.perf_counter()
    summary = durations.backfill(batch_size=10_000)
    print(
        f"[{db.engine.dialect.name}] backfill-durations: {summary.complaints:,} complaints "
        f"in {time.perf_counter() - started:.1f} s"
    )
    # Only these tables: a bare ANALYZE would wait on every other schema's locks.
    for table in ("complaints", "complaint_events", "escalations", "survey_responses"):
        db.session.execute(sa.text(f"ANALYZE {table}"))
    db.session.commit()


def timed(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Best and median wall time in seconds of ``repeat`` runs; returns (median, last result)."""
    times = []
    result: object = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def bare_aggregate() -> object:
    return db.session.execute(
        sa.text(
            "SELECT unit_id, count(*) FROM complaints WHERE created_at >= :s AND created_at < :e "
            "GROUP BY unit_id"
        ),
        {"s": datetime(2024, 12, 31, 16, tzinfo=UTC), "e": datetime(2025, 12, 31, 16, tzinfo=UTC)},
    ).all()


def year_report() -> dict[str, object]:
    return metrics.report(date(2025, 1, 1), date(2025, 12, 31))


def read_afresh() -> dict[str, object]:
    """The report read from the complaints: the refresh button, or the scheduler after a change."""
    return metrics.report(date(2025, 1, 1), date(2025, 12, 31), fresh=True)


def run(url: str, rows: int, repeat: int) -> None:
    app = bench_seed.bench_app(url, SERVER_NAME="bench.local")
    clock.set_now(NOW)
    with app.app_context():
        upgrade()
        seed_reference_data()
        started = time.perf_counter()
        seed(rows)
        seeded = time.perf_counter() - started
        dialect = db.engine.dialect.name
        print(f"[{dialect}] seeded {rows:,} complaints (with events) in {seeded:.1f} s")
        bare, _ = timed(bare_aggregate, repeat)
        full, figures = timed(read_afresh, repeat)
        stored, again = timed(year_report, repeat)
        assert isinstance(figures, dict) and again == figures
        metrics.prepare_ended_periods()  # its first run reads last month's and the days' parts
        prepared, _ = timed(metrics.prepare_ended_periods, repeat)
        print(f"[{dialect}] bare GROUP BY aggregate: {bare * 1000:8.1f} ms")
        print(
            f"[{dialect}] full report, read afresh: {full * 1000:8.1f} ms "
            f"({full / bare:.1f}x the bare aggregate; "
            f"{figures['totals']['received']:,} complaints in the year)"
        )
        print(
            f"[{dialect}] full report, stored parts: {stored * 1000:8.1f} ms "
            f"({stored / bare:.1f}x; the year has ended: served as of its last read)"
        )
        print(f"[{dialect}] scheduler preparation, nothing changed: {prepared * 1000:8.1f} ms")
        for name, step in _steps().items():
            elapsed, _ = timed(step, 1)
            print(f"[{dialect}]   {name:<28} {elapsed * 1000:8.1f} ms")
        db.session.remove()
    client = app.test_client()
    client.get("/stats?year=2025")  # fills the cache
    cached, _ = timed(lambda: client.get("/stats?year=2025"), max(repeat, 20))
    print(f"[{dialect}] GET /stats from cache:     {cached * 1000:8.1f} ms")
    clock.set_now(None)


def _steps() -> dict[str, Callable[[], object]]:
    """The report's parts, timed one by one to show where the time goes."""
    period = metrics.Period.of(date(2025, 1, 1), date(2025, 12, 31))
    scope = metrics.scope_of(None)
    calendar = working_calendar()
    return {
        "grouped counts": lambda: metrics.count_rows(period, scope),
        "overdue at the end": lambda: metrics.overdue_by(period, scope, period.end_at),
        # Seeded rows have their durations stored, as the workflow stores them.
        "duration summaries": lambda: metrics.duration_summaries(period, scope),
        "backlog": lambda: metrics.backlog_rows(
            scope,
            period.end_at,
            [metrics.aged_boundary(calendar, period.end_at, days) for days in metrics.AGE_EDGES],
        ),
        "indicator 27 archive check": lambda: metrics.undocumented(period, scope),
        "indicator 27 other evidence": lambda: metrics.indicator_27(
            period,
            scope,
            {"received": 1, "responded": 1, "actionable": 1, "published": 1, "completed": 1},
            0,
        ),
        "surveys (IKM)": lambda: metrics.surveys(period, scope),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    backends = {"sqlite": None, "postgresql": POSTGRES_URL}
    for backend, server in backends.items():
        if args.backend not in (backend, "both"):
            continue
        url, cleanup = bench_seed.throwaway_database(server)
        try:
            run(url, args.rows, args.repeat)
        finally:
            cleanup()


if __name__ == "__main__":
    main()
