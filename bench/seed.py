"""Bulk seeder for the benchmarks: N complaints with their history, written by SQL.

Run from the repository root::

    .venv/bin/python bench/seed.py --rows 100000
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/seed.py --rows 1000000 --keep

Without ``DATABASE_URL`` it builds a fresh SQLite file in a temporary folder;
with one it works in a throw-away PostgreSQL schema, dropped at the end unless
``--keep`` (then it prints the URL to reuse). The real migrations are applied
first, then the reference data (units, categories, SLA policies), one officer
per unit, a supervisor at the regency secretariat (who sees every unit) and an
admin, all with the password ``BENCH_PASSWORD``.

Rows are generated inside the database, batch by batch (``INSERT … SELECT``
over ``generate_series`` on PostgreSQL, a recursive CTE on SQLite), so no row
crosses the Python boundary. Row ``n`` gets pseudo-random but reproducible
attributes from integer hashes of ``n`` (the ``--random-seed`` changes them):

* created over the two years before ``NOW``, in id order;
* channel (web 35 %, telegram 20 %, sms 12 %, counter 10 %, whatsapp 10 %,
  api 6 %, open311 4 %, lapor 3 %), category (so its unit and usual kind),
  priority, 10 % aspirations, 60 % with a reporter (a tenth of them anonymous),
  3 % confidential, half located;
* status by age: older than 60 days mostly closed (5 % rejected, 2 % merged, a
  few still open and escalated), recent ones spread over every status;
* lifecycle timestamps in order, stored deadlines and ``next_action_at`` as
  the workflow would have left them for that status (working days taken as
  1.4 calendar days), escalation levels and ``escalations`` rows for the
  overdue ones and the ones resolved late;
* the working durations the workflow stores (office hours taken as 5/21 of
  calendar time);
* one ``complaint_events`` row per transition and per fired escalation step;
* a 2 KB attachment on one complaint in 200.

Codes are valid tracking codes (``ADU-XXXX-XXXX``, Crockford base32), unique
because complaint ``id`` gets ``(id * A + B) mod 2**40`` with ``A`` odd: a bijection.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    # Run as bench/seed.py, the script's folder is on sys.path, not the root.
    sys.path.insert(0, str(REPO_ROOT))

import sqlalchemy as sa  # noqa: E402
from flask import Flask  # noqa: E402

NOW = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Asia/Makassar
BENCH_PASSWORD = "bench-password-1"
SUPERVISOR_EMAIL = "bench-supervisor@bonebolangokab.go.id"
ADMIN_EMAIL = "bench-admin@bonebolangokab.go.id"
OFFICER_UNIT = "PUPR"
MAX_ROWS = 10_000_000  # keeps id * A below 2**63 in the codes' bijection
DAY = 86_400
WORKING_DAY = 120_960  # 1.4 calendar days: five working days a week, and holidays
TWO_YEARS = 730 * DAY
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# Odd multipliers of the integer hashes, one per attribute, so attributes do not correlate.
_MULTIPLIERS = {
    "status": 2654435761,
    "channel": 2246822519,
    "category": 3266489917,
    "priority": 668265263,
    "kind": 374761393,
    "reporter": 2869860233,
    "delay": 1500450271,
    "text": 3037000493,
    "place": 1073741827,
    "late": 2147483659,
}
_CHANNELS = [
    ("web", 350),
    ("telegram", 200),
    ("sms", 120),
    ("counter", 100),
    ("whatsapp", 100),
    ("api", 60),
    ("open311", 40),
    ("lapor", 30),
]
_PRIORITIES = [("normal", 800), ("low", 80), ("high", 100), ("urgent", 20)]
_DESCRIPTIONS = [
    "Jalan berlubang di depan sekolah dasar, sudah tiga bulan belum diperbaiki dan"
    " membahayakan anak-anak yang lewat setiap pagi.",
    "Lampu penerangan jalan di lorong kami padam sejak minggu lalu, warga takut keluar"
    " pada malam hari.",
    "Sampah di tempat pembuangan sementara dekat pasar tidak diangkut selama seminggu dan"
    " menimbulkan bau.",
    "Antrean di puskesmas sangat panjang, petugas pendaftaran hanya satu orang dan"
    " pelayanan baru dibuka jam sembilan.",
    "Pengurusan KTP elektronik sudah dua bulan belum selesai, mohon kejelasan kapan bisa diambil.",
    "Saluran air di perumahan tersumbat sehingga setiap hujan jalan tergenang setinggi lutut.",
    "Bantuan sosial untuk lansia di desa kami belum diterima padahal nama sudah terdaftar"
    " sejak tahun lalu.",
    "Mohon informasi persyaratan izin usaha mikro dan berapa lama prosesnya di mal"
    " pelayanan publik.",
]


def seed(rows: int, *, random_seed: int = 2026, batch: int = 100_000) -> dict[str, Any]:
    """Write ``rows`` complaints with their history into the app's (migrated) database.

    Call inside an app context. Idempotent for the reference data and the
    staff; the complaints are appended after any existing ones. Returns
    counts, the time taken and the staff accounts to sign in with.
    """
    from complaints.extensions import db

    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"rows must be between 1 and {MAX_ROWS:,}")
    started = time.perf_counter()
    staff = _seed_staff()
    plan = _Plan(db.engine.dialect.name, rows, random_seed, staff)
    first_id = db.session.scalar(sa.text("SELECT COALESCE(MAX(id), 0) FROM complaints")) or 0
    first_reporter = db.session.scalar(sa.text("SELECT COALESCE(MAX(id), 0) FROM reporters")) or 0
    if first_id + rows > MAX_ROWS:
        raise ValueError(f"at most {MAX_ROWS:,} complaints in all (the codes' bijection)")
    for low in range(1, rows + 1, batch):
        high = min(rows, low + batch - 1)
        for statement in plan.statements(low, high, first_id, first_reporter):
            db.session.execute(sa.text(statement))
        db.session.commit()
    _finish(plan.dialect)
    counts = {
        table: db.session.scalar(sa.text(f"SELECT COUNT(*) FROM {table}"))
        for table in ("complaints", "complaint_events", "escalations", "attachments", "reporters")
    }
    db.session.commit()
    return {
        "dialect": plan.dialect,
        "rows": rows,
        "seconds": time.perf_counter() - started,
        "counts": counts,
        "now": NOW,
        "password": BENCH_PASSWORD,
        "officer": staff["officer_email"],
        "supervisor": SUPERVISOR_EMAIL,
        "admin": ADMIN_EMAIL,
    }


def _seed_staff() -> dict[str, Any]:
    """Reference data, one officer per unit, a regency-level supervisor and an admin."""
    from complaints.auth import create_user
    from complaints.extensions import db
    from complaints.models import Category, Unit, User
    from complaints.seed import seed_reference_data

    seed_reference_data()
    units = db.session.scalars(sa.select(Unit).order_by(Unit.id)).all()
    existing = set(db.session.scalars(sa.select(User.email)))
    wanted: list[tuple[str, str, int | None]] = [
        (f"bench-officer-{unit.code.lower()}@bonebolangokab.go.id", "officer", unit.id)
        for unit in units
    ]
    regency = next(unit.id for unit in units if unit.code == "SETDA")
    wanted += [(SUPERVISOR_EMAIL, "supervisor", regency), (ADMIN_EMAIL, "admin", None)]
    if ADMIN_EMAIL not in existing:
        create_user(ADMIN_EMAIL, "admin", BENCH_PASSWORD)
        db.session.flush()
    # Argon2 is slow on purpose: hash once (through the real create_user), share the hash.
    shared_hash = db.session.scalar(sa.select(User.password_hash).where(User.email == ADMIN_EMAIL))
    for email, role, unit_id in wanted:
        if email not in existing and email != ADMIN_EMAIL:
            db.session.add(User(email=email, role=role, unit_id=unit_id, password_hash=shared_hash))
    db.session.commit()
    officers = {
        user.unit_id: user.id
        for user in db.session.scalars(sa.select(User).where(User.email.like("bench-officer-%")))
    }
    categories = db.session.scalars(
        sa.select(Category).where(Category.active.is_(True)).order_by(Category.id)
    ).all()
    return {
        "officers": officers,
        "categories": [(c.id, c.default_unit_id, c.default_kind) for c in categories],
        "officer_email": f"bench-officer-{OFFICER_UNIT.lower()}@bonebolangokab.go.id",
    }


class _Plan:
    """The SQL statements that write one batch of rows ``low``..``high``."""

    def __init__(self, dialect: str, rows: int, random_seed: int, staff: dict[str, Any]) -> None:
        chooser = random.Random(random_seed)
        self.dialect = dialect
        self.rows = rows
        self.offset = chooser.randrange(1, 1 << 20)  # shifts every hash
        self.code_multiplier = (1 << 38) | chooser.getrandbits(38) | 1  # odd, below 2**39
        self.code_increment = chooser.getrandbits(40)
        self.staff = staff

    # --- dialect helpers ---------------------------------------------------------------

    def instant(self, seconds: str) -> str:
        """SQL for NOW plus ``seconds`` (an SQL integer expression), stored as the models do."""
        if self.dialect == "postgresql":
            return f"(TIMESTAMPTZ '{NOW.isoformat()}' + make_interval(secs => {seconds}))"
        base = NOW.strftime("%Y-%m-%d %H:%M:%S")
        # UTCDateTime keeps naive UTC text with microseconds on SQLite; match it exactly.
        return f"(datetime('{base}', ({seconds}) || ' seconds') || '.000000')"

    def smallest(self, first: str, second: str) -> str:
        function = "LEAST" if self.dialect == "postgresql" else "min"
        return f"{function}({first}, {second})"

    def sequence(self, low: int, high: int) -> tuple[str, str]:
        """A ``WITH`` prefix and a ``FROM`` source yielding ``n`` from low to high."""
        if self.dialect == "postgresql":
            # bigint: n times the two years in seconds overflows a 32-bit integer.
            return "", f"generate_series(CAST({low} AS BIGINT), {high}) AS seq(n)"
        prefix = (
            f"WITH RECURSIVE seq(n) AS (SELECT {low} UNION ALL SELECT n + 1 FROM seq"
            f" WHERE n < {high}) "
        )
        return prefix, "seq"

    def blob(self) -> str:
        if self.dialect == "postgresql":
            return "decode(repeat('ffd8', 1024), 'hex')"
        return "zeroblob(2048)"

    def padded(self, expression: str, width: int) -> str:
        if self.dialect == "postgresql":
            return f"lpad(CAST({expression} AS TEXT), {width}, '0')"
        return f"printf('%0{width}d', {expression})"

    def hashed(self, name: str, modulo: int) -> str:
        """A reproducible pseudo-random integer in [0, modulo) for row n."""
        multiplier = _MULTIPLIERS[name]
        return f"(((n + {self.offset}) * {multiplier} % 4294967296) / 65536 % {modulo})"

    # --- the statements ------------------------------------------------------------------

    def statements(self, low: int, high: int, first_id: int, first_reporter: int) -> list[str]:
        prefix, source = self.sequence(low, high)
        ids = f"id BETWEEN {first_id + low} AND {first_id + high}"
        # PostgreSQL's JIT spends seconds compiling these long expressions; they run in less.
        settings = ["SET LOCAL jit = off"] if self.dialect == "postgresql" else []
        return [
            *settings,
            f"{prefix}INSERT INTO reporters (id, name, phone, locale, created_at)"
            f" SELECT {first_reporter} + n, 'Warga ' || n, '+62812' || (10000000 + n), 'id',"
            f" {self.instant(self._created())} FROM {source}"
            f" WHERE {self.hashed('reporter', 10)} < 6",
            self._complaints(prefix, source, first_id, first_reporter),
            *self._escalations(ids),
            *self._events(ids),
            f"INSERT INTO attachments (complaint_id, filename, content_type, size, sha256,"
            f" content, created_at) SELECT id, 'foto-' || id || '.jpg', 'image/jpeg', 2048,"
            f" {self.padded('id', 64)}, {self.blob()}, created_at FROM complaints"
            f" WHERE {ids} AND id % 200 = 0",
        ]

    def _created(self) -> str:
        """Seconds from NOW to row n's creation: spread over two years, in id order."""
        return f"(-(({self.rows} - n) * {TWO_YEARS} / {self.rows}) - 60 - n % 600)"

    def _code(self, first_id: int) -> str:
        # Keyed on the id, not n, so a second seed() appending rows never repeats a code.
        value = f"(({first_id} + n) * {self.code_multiplier} + {self.code_increment})"
        value = f"({value} % 1099511627776)"
        symbols = [
            f"substr('{CROCKFORD}', CAST((({value} >> {5 * (7 - index)}) & 31) + 1 AS INTEGER), 1)"
            for index in range(8)
        ]
        return "'ADU-' || " + " || ".join(symbols[:4]) + " || '-' || " + " || ".join(symbols[4:])

    def _choice(self, hash_name: str, weights: list[tuple[str, int]]) -> str:
        total = sum(weight for _, weight in weights)
        cases, limit = [], 0
        for value, weight in weights[:-1]:
            limit += weight
            cases.append(f"WHEN {self.hashed(hash_name, total)} < {limit} THEN '{value}'")
        return f"CASE {' '.join(cases)} ELSE '{weights[-1][0]}' END"

    def _timeline(self, source: str) -> str:
        """Row n's attributes and its lifecycle as seconds from NOW (t_… columns)."""
        categories = self.staff["categories"]
        picked = self.hashed("category", len(categories))
        category = " ".join(f"WHEN {i} THEN {c[0]}" for i, c in enumerate(categories))
        unit = " ".join(f"WHEN {i} THEN {c[1] or 'NULL'}" for i, c in enumerate(categories))
        kind = " ".join(f"WHEN {i} THEN '{c[2]}'" for i, c in enumerate(categories))
        span = self.smallest(f"-({self._created()})", str(60 * DAY))
        created = self._created()
        return (
            f"SELECT n, {created} AS t_created, {span} AS span,"
            f" CASE {picked} {category} END AS category_id,"
            f" CASE {picked} {unit} END AS unit_id,"
            f" CASE WHEN {self.hashed('kind', 10)} = 0 THEN 'aspiration'"
            f" ELSE CASE {picked} {kind} END END AS kind,"
            f" {self.hashed('status', 1000)} AS pick,"
            f" {self.hashed('delay', 1000)} AS delay FROM {source}"
        )

    def _staged(self, source: str) -> str:
        """Adds each stage's instant (seconds from NOW), in order, all in the past."""
        return (
            "SELECT t.*, t_created + span * (20 + delay % 60) / 1000 AS t_verified,"
            " t_created + span * (100 + delay % 100) / 1000 AS t_progress,"
            " t_created + span * (150 + delay % 200) / 1000 AS t_resolved,"
            " t_created + span * (150 + delay % 200) / 1000 + span / 4 AS t_closed"
            f" FROM ({self._timeline(source)}) AS t"
        )

    def _with_status(self, source: str) -> str:
        confirm = 10 * WORKING_DAY
        old = f"t_created < -{60 * DAY}"
        status = (
            "CASE WHEN pick < 50 THEN 'rejected' WHEN pick < 70 THEN 'merged'"
            f" WHEN {old} THEN CASE WHEN pick < 970 THEN 'closed'"
            " WHEN pick < 992 THEN 'in_progress' ELSE 'verified' END"
            " WHEN pick < 220 THEN 'received' WHEN pick < 370 THEN 'verified'"
            " WHEN pick < 720 THEN 'in_progress'"
            f" WHEN pick < 870 AND t_resolved + {confirm} > 0 THEN 'resolved'"
            " ELSE 'closed' END"
        )
        return f"SELECT s.*, {status} AS status FROM ({self._staged(source)}) AS s"

    def _with_deadlines(self, source: str) -> str:
        """Adds the stored deadlines and the next one the sweep watches (t_next)."""
        verified = "status IN ('verified', 'in_progress', 'resolved', 'closed')"
        return (
            f"SELECT d.*, t_created + {3 * WORKING_DAY} AS t_verify_due,"
            f" CASE WHEN {verified} THEN t_verified + {5 * WORKING_DAY} END AS t_response_due,"
            f" CASE WHEN {verified} THEN t_created + {14 * WORKING_DAY} END AS t_resolve_due,"
            f" CASE WHEN status IN ('resolved', 'closed') THEN t_resolved + {10 * WORKING_DAY}"
            " END AS t_confirm_due,"
            f" CASE status WHEN 'received' THEN t_created + {3 * WORKING_DAY}"
            f" WHEN 'verified' THEN t_verified + {5 * WORKING_DAY}"
            f" WHEN 'in_progress' THEN t_created + {14 * WORKING_DAY}"
            f" WHEN 'resolved' THEN t_resolved + {10 * WORKING_DAY} END AS t_next"
            f" FROM ({self._with_status(source)}) AS d"
        )

    def _complaints(self, prefix: str, source: str, first_id: int, first_reporter: int) -> str:
        at = self.instant
        officers = " ".join(
            f"WHEN {unit} THEN {user}" for unit, user in self.staff["officers"].items()
        )
        worked = "status IN ('in_progress', 'resolved', 'closed')"
        verified = "status IN ('verified', 'in_progress', 'resolved', 'closed')"
        # Overdue open complaints were escalated: level 1 at the deadline, level 2
        # three working days later (the last step: nothing more to watch).
        level2 = f"t_next < -{3 * WORKING_DAY}"
        late_level = (
            f"CASE WHEN t_next IS NULL OR t_next > 0 THEN 0 WHEN {level2} THEN 2 ELSE 1 END"
        )
        next_action = (
            f"CASE WHEN t_next IS NULL OR {level2} THEN NULL WHEN t_next > 0 THEN {at('t_next')}"
            f" ELSE {at(f't_next + {3 * WORKING_DAY}')} END"
        )
        last = (
            "CASE status WHEN 'closed' THEN t_closed WHEN 'resolved' THEN t_resolved"
            " WHEN 'in_progress' THEN t_progress WHEN 'received' THEN t_created"
            " ELSE t_verified END"
        )

        def working(end: str, start: str = "t_created") -> str:
            return f"(({end}) - ({start})) * 5 / 21"

        columns = {
            "id": f"{first_id} + n",
            "code": self._code(first_id),
            "kind": "kind",
            "channel": self._choice("channel", _CHANNELS),
            "status": "status",
            "priority": self._choice("priority", _PRIORITIES),
            "category_id": "category_id",
            "unit_id": "unit_id",
            "assignee_id": f"CASE WHEN {worked} THEN CASE unit_id {officers} END END",
            "reporter_id": (
                f"CASE WHEN {self.hashed('reporter', 10)} < 6 THEN {first_reporter} + n END"
            ),
            "description": f"CASE {self.hashed('text', len(_DESCRIPTIONS))} "
            + " ".join(f"WHEN {i} THEN '{text}'" for i, text in enumerate(_DESCRIPTIONS))
            + " END || ' (' || n || ')'",
            "lat": f"CASE WHEN {self.hashed('place', 2)} = 0 THEN 0.45 + (n % 10000) / 50000.0 END",
            "lon": f"CASE WHEN {self.hashed('place', 2)} = 0 THEN 123.0 + (n % 7919) / 20000.0 END",
            "address": f"CASE WHEN {self.hashed('place', 2)} = 1 THEN 'Desa ' || (n % 160) END",
            "anonymous": f"{self.hashed('reporter', 100)} < 6",
            "confidential": f"{self.hashed('late', 100)} < 3",
            "locale": f"CASE WHEN {self.hashed('kind', 20)} = 7 THEN 'en' ELSE 'id' END",
            "created_at": at("t_created"),
            "updated_at": at(last),
            "verified_at": f"CASE WHEN {verified} THEN {at('t_verified')} END",
            "first_response_at": f"CASE WHEN {worked} THEN {at('t_progress')} END",
            "in_progress_at": f"CASE WHEN {worked} THEN {at('t_progress')} END",
            "resolved_at": f"CASE WHEN t_confirm_due IS NOT NULL THEN {at('t_resolved')} END",
            "closed_at": f"CASE WHEN status = 'closed' THEN {at('t_closed')} END",
            "rejected_at": f"CASE WHEN status = 'rejected' THEN {at('t_verified')} END",
            "merged_at": f"CASE WHEN status = 'merged' THEN {at('t_verified')} END",
            "reopened_count": "0",
            "verify_due_at": at("t_verify_due"),
            "response_due_at": self._optional("t_response_due"),
            "resolve_due_at": self._optional("t_resolve_due"),
            "confirm_due_at": self._optional("t_confirm_due"),
            "next_action_at": next_action,
            "escalation_level": late_level,
            "resolution": "CASE WHEN status IN ('resolved', 'closed') THEN 'Sudah ditangani.' END",
            "rejection_reason": "CASE WHEN status = 'rejected' THEN 'Di luar kewenangan.' END",
            "citizen_confirmed": "CASE WHEN status = 'closed' THEN delay % 3 <> 0 END",
            "satisfaction": "CASE WHEN status = 'closed' AND delay % 2 = 0 THEN 1 + delay % 5 END",
            # As the workflow stores them; office hours are about 5/21 of calendar time.
            "check_working_seconds": (
                f"CASE WHEN status <> 'received' THEN {working('t_verified')} END"
            ),
            "response_working_seconds": (
                f"CASE WHEN {worked} THEN {working('t_progress', 't_verified')} END"
            ),
            "resolve_working_seconds": (
                f"CASE WHEN t_confirm_due IS NOT NULL THEN {working('t_resolved')} END"
            ),
            "hidden_from_public": "FALSE",
            "version": "1",
        }
        names = ", ".join(columns)
        values = ", ".join(columns.values())
        return (
            f"{prefix}INSERT INTO complaints ({names})"
            f" SELECT {values} FROM ({self._with_deadlines(source)}) AS c"
        )

    def _optional(self, seconds: str) -> str:
        return f"CASE WHEN {seconds} IS NOT NULL THEN {self.instant(seconds)} END"

    def _escalations(self, ids: str) -> list[str]:
        """Fired steps: overdue open complaints (per their level) and those resolved late."""
        deadline = (
            "CASE status WHEN 'received' THEN 'verify' WHEN 'verified' THEN 'response'"
            " ELSE 'resolve' END"
        )
        due = (
            "CASE status WHEN 'received' THEN verify_due_at WHEN 'verified' THEN response_due_at"
            " ELSE resolve_due_at END"
        )
        insert = (
            "INSERT INTO escalations"
            " (complaint_id, deadline, level, due_at, fired_at, target_unit_id)"
        )
        statements = [
            f"{insert} SELECT id, {deadline}, {level}, {due}, {due}, unit_id FROM complaints"
            f" WHERE {ids} AND escalation_level >= {max(level, 1)}"
            f" AND status IN ('received', 'verified', 'in_progress')"
            for level in (0, 1, 2)
        ]
        statements += [
            f"{insert} SELECT id, 'resolve', {level}, resolve_due_at, resolve_due_at, unit_id"
            f" FROM complaints WHERE {ids} AND resolved_at > resolve_due_at"
            for level in (0, 1)
        ]
        return statements

    def _events(self, ids: str) -> list[str]:
        """One status event per transition, and one per fired escalation step."""
        insert = (
            "INSERT INTO complaint_events (complaint_id, at, kind, actor_user_id, actor_label,"
            " from_status, to_status, note, public)"
        )
        officer = "CASE WHEN assignee_id IS NOT NULL THEN assignee_id END"
        transitions = [
            ("created_at", None, "received", "NULL", "channel", "TRUE"),
            ("verified_at", "received", "verified", "NULL", "'staff'", "TRUE"),
            ("in_progress_at", "verified", "in_progress", officer, "'staff'", "TRUE"),
            ("resolved_at", "in_progress", "resolved", officer, "'staff'", "TRUE"),
            ("closed_at", "resolved", "closed", "NULL", "'citizen'", "TRUE"),
            ("rejected_at", "received", "rejected", "NULL", "'staff'", "TRUE"),
            ("merged_at", "received", "merged", "NULL", "'staff'", "FALSE"),
        ]
        statements = [
            f"{insert} SELECT id, {column}, 'status', {actor}, {label},"
            f" {'NULL' if before is None else repr(before)}, '{after}', NULL, {public}"
            f" FROM complaints WHERE {ids} AND {column} IS NOT NULL"
            for column, before, after, actor, label, public in transitions
        ]
        statements.append(
            f"{insert} SELECT complaint_id, fired_at,"
            " CASE level WHEN 0 THEN 'reminder' ELSE 'escalation' END, NULL, 'sla', NULL, NULL,"
            f" 'level ' || level, FALSE FROM escalations WHERE complaint_{ids}"
        )
        return statements


def _finish(dialect: str) -> None:
    """Move the id sequences past the explicit ids, and refresh the planner's statistics."""
    from complaints.extensions import db

    tables = ("complaints", "reporters", "complaint_events", "escalations", "attachments")
    if dialect == "postgresql":
        for table in ("complaints", "reporters"):
            db.session.execute(
                sa.text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" (SELECT MAX(id) FROM {table}))"
                )
            )
        db.session.commit()
        # VACUUM cannot run in a transaction; one table at a time so it stays in this schema.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in tables:
                connection.execute(sa.text(f"VACUUM ANALYZE {table}"))
    else:
        db.session.execute(sa.text("ANALYZE"))
        db.session.commit()


# --- a throw-away database, shared by the bench scripts ---------------------------------


def throwaway_database(
    postgres_url: str | None, keep: bool = False
) -> tuple[str, Callable[[], None]]:
    """A URL for an empty database, and how to throw it away afterwards.

    Without ``postgres_url``: a SQLite file in a temporary folder. With one: a
    fresh schema in that PostgreSQL database. ``keep`` makes the clean-up a no-op.
    """
    if not postgres_url:
        folder = tempfile.mkdtemp(prefix="aduan-bench-")
        path = Path(folder) / "bench.db"

        def remove_file() -> None:
            if keep:
                return
            for leftover in Path(folder).glob("*"):
                leftover.unlink()
            Path(folder).rmdir()

        return f"sqlite:///{path}", remove_file
    schema = f"aduan_bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(postgres_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))

    def drop_schema() -> None:
        if not keep:
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    separator = "&" if "?" in postgres_url else "?"
    return f"{postgres_url}{separator}options=-csearch_path%3D{schema}", drop_schema


def bench_app(url: str, **extra: Any) -> Flask:
    """The real app on ``url``, without the scheduler or rate limits."""
    from complaints import create_app

    config = {"SQLALCHEMY_DATABASE_URI": url, "ADUAN_SCHEDULER": False, "RATELIMIT_ENABLED": False}
    return create_app({**config, **extra})


def migrated_app(url: str, **extra: Any) -> Flask:
    """``bench_app`` after applying the real migrations (call once per database)."""
    from flask_migrate import upgrade

    app = bench_app(url, **extra)
    with app.app_context():
        upgrade()
    return app


def release(app: Flask | None) -> None:
    """Close the app's pooled connections, so its database can be dropped."""
    if app is None:
        return
    from complaints.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def backend_name(url: str) -> str:
    return "PostgreSQL" if url.startswith("postgresql") else "SQLite (WAL)"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="complaints to write")
    parser.add_argument("--random-seed", type=int, default=2026, help="changes every attribute")
    parser.add_argument("--batch", type=int, default=100_000, help="rows per transaction")
    parser.add_argument("--keep", action="store_true", help="keep the database and print its URL")
    options = parser.parse_args()
    if not 1 <= options.rows <= MAX_ROWS:
        parser.error(f"--rows must be between 1 and {MAX_ROWS:,}")
    if options.batch < 1:
        parser.error("--batch must be at least 1")
    logging.basicConfig(level=logging.WARNING)
    url, cleanup = throwaway_database(os.environ.get("DATABASE_URL"), keep=options.keep)
    try:
        app = migrated_app(url)
        with app.app_context():
            summary = seed(options.rows, random_seed=options.random_seed, batch=options.batch)
    finally:
        cleanup()
    rate = summary["rows"] / summary["seconds"]
    took = f"{summary['seconds']:.1f} s ({rate:,.0f}/s)"
    print(f"{backend_name(url)}: {summary['rows']:,} complaints in {took}")
    for table, count in summary["counts"].items():
        print(f"  {table:<17} {count:>12,}")
    if options.keep:
        print(f"kept: DATABASE_URL={url}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
