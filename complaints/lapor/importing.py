"""The LAPOR! import: read the export, write it in batches, report what happened.

1. Rows are read one at a time (a spreadsheet is streamed) and checked
   (:func:`~complaints.lapor.rows.parse_row`); a bad row is reported with its
   row number and the others go on.
2. Every :data:`BATCH_SIZE` rows: one query finds the Tracking IDs already
   imported (they count as ``already_present``, as do repeats within the
   file); categories and units come from caches read once; the new complaints
   are written in one savepoint. Should the database refuse the batch, it is
   written again row by row, each in its own savepoint, to name the bad row.
3. A real import commits each batch; a dry run keeps everything in one
   transaction and rolls it back at the end, so it reports what the import
   would do and changes nothing.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext
from sqlalchemy import select, update
from sqlalchemy.exc import SQLAlchemyError

from complaints import clock, units
from complaints.extensions import db
from complaints.models import Category, Channel, Complaint, Unit, UnitAlias
from complaints.routing.auto import route_new_many
from complaints.routing.examples import ROUTED_BY_HISTORY
from complaints.workflow import Actor

from . import writing
from .reading import Row
from .rows import LaporRow, parse_row
from .values import RowProblem

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
PREVIEW_ROWS = 10
FALLBACK_CATEGORY = "other"
# A report to write: the row, its category, its unit (history only).
Fresh = tuple[LaporRow, Category, int | None]


@dataclass(frozen=True)
class ImportOptions:
    history: bool = False
    create_units: bool = False
    dry_run: bool = False
    # The web page's limit; the CLI has none.
    max_rows: int | None = None


@dataclass(frozen=True)
class PreviewRow:
    """A row as it will be (or was) imported, for the import page's preview."""

    row: int
    lapor_id: str
    title: str
    kind: str
    category: Category
    status: str
    unit: str | None
    # "found", "new" (--create-units makes it), "unmatched" (no such unit), "none" (not given)
    unit_state: str
    received_at: datetime
    anonymous: bool
    confidential: bool
    already_present: bool


@dataclass
class ImportSummary:
    rows: int = 0
    imported: int = 0
    already_present: int = 0
    units_created: list[str] = field(default_factory=list)  # their codes
    unmatched_units: list[str] = field(default_factory=list)  # as LAPOR! spells them
    errors: list[tuple[int, str]] = field(default_factory=list)  # row number, message
    preview: list[PreviewRow] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        """The summary ``flask lapor import`` prints (DESIGN.md)."""
        return {
            "rows": self.rows,
            "imported": self.imported,
            "already_present": self.already_present,
            "units_created": len(self.units_created),
            "unmatched_units": self.unmatched_units,
            "errors": [{"row": row, "message": message} for row, message in sorted(self.errors)],
        }


def _hold_transaction() -> None:
    """Open the database transaction before the first savepoint.

    pysqlite begins SQLite's transaction only before a write: a SAVEPOINT
    issued outside one would begin it instead, and releasing that savepoint
    would commit, so a dry run would keep its first batch.
    """
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    if isinstance(driver, sqlite3.Connection) and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN")


class _Categories:
    """Our categories by code and by Indonesian and English name, any case; read once."""

    def __init__(self) -> None:
        active = db.session.scalars(select(Category).where(Category.active.is_(True))).all()
        self.by_name: dict[str, Category] = {}
        for category in active:
            for name in (category.code, category.name_id, category.name_en):
                self.by_name.setdefault(_key(name), category)
        fallback = self.by_name.get(FALLBACK_CATEGORY)
        if fallback is None and active:
            fallback = min(active, key=lambda category: (category.sort_order, category.code))
        self.fallback = fallback

    def find(self, name: str) -> Category | None:
        return self.by_name.get(_key(name), self.fallback)


def _key(name: str) -> str:
    return " ".join(name.casefold().split())


class _Importer:
    def __init__(self, options: ImportOptions, actor: Actor) -> None:
        self.options = options
        self.actor = actor
        self.now = clock.now()
        self.categories = _Categories()
        self.unit_names = units.UnitNames.load()
        self.unit_labels = dict(db.session.execute(select(Unit.id, Unit.name)).tuples().all())
        self.unit_codes = set(db.session.scalars(select(Unit.code)))
        self.seen: set[str] = set()
        self.created_ids: set[int] = set()
        self.deadlines: dict[tuple[str, int], dict[str, Any]] = {}
        self.summary = ImportSummary()
        # New reports (not history) written so far: routed automatically afterwards.
        self.new_ids: list[int] = []

    def run(self, rows: Iterable[Row]) -> ImportSummary:
        _hold_transaction()
        batch: list[LaporRow] = []
        for row in rows:
            self.summary.rows += 1
            if self.options.max_rows is not None and self.summary.rows > self.options.max_rows:
                self.summary.rows -= 1
                self._error(
                    row.number,
                    gettext(
                        "Stopped here: at most %(count)d rows per upload; the operator imports"
                        " larger files on the server.",
                        count=self.options.max_rows,
                    ),
                )
                break
            try:
                batch.append(parse_row(row, history=self.options.history))
            except RowProblem as problem:
                self._error(row.number, str(problem))
            if len(batch) >= BATCH_SIZE:
                self._write(batch)
                batch = []
        self._write(batch)
        if self.options.dry_run:
            db.session.rollback()
        return self.summary

    def _error(self, row: int, message: str) -> None:
        self.summary.errors.append((row, message))

    def _write(self, batch: list[LaporRow]) -> None:
        if not batch:
            return
        existing = self._existing(row.lapor_id for row in batch)
        fresh: list[Fresh] = []
        for row in batch:
            category = self.categories.find(row.category)
            if category is None:
                self._error(row.number, gettext("There is no active category to file it under."))
                continue
            unit_id, state = self._unit(row)
            present = row.lapor_id in self.seen or row.lapor_id in existing
            self._preview(row, category, unit_id, state, present)
            if present:
                self.summary.already_present += 1
                self._fill_unit(existing.get(row.lapor_id), unit_id)
                continue
            self.seen.add(row.lapor_id)
            fresh.append((row, category, unit_id))
        self._store(fresh)
        if not self.options.dry_run:
            db.session.commit()
            _hold_transaction()

    def _existing(self, lapor_ids: Iterable[str]) -> dict[str, tuple[int, int | None]]:
        """Tracking ID -> (complaint id, unit id) of the ones already imported."""
        found = db.session.execute(
            select(Complaint.external_id, Complaint.id, Complaint.unit_id).where(
                Complaint.channel == Channel.LAPOR.value,
                Complaint.external_id.in_(set(lapor_ids)),
            )
        )
        return {str(lapor_id): (complaint_id, unit_id) for lapor_id, complaint_id, unit_id in found}

    def _unit(self, row: LaporRow) -> tuple[int | None, str]:
        """The unit of a history row and how it was found; --create-units makes a missing one."""
        name = " ".join(row.unit.split())
        if not self.options.history or not name:
            return None, "none"
        unit_id = self.unit_names.find(name)
        if unit_id is not None:
            return unit_id, ("new" if unit_id in self.created_ids else "found")
        if not self.options.create_units:
            if name not in self.summary.unmatched_units:
                self.summary.unmatched_units.append(name)
            return None, "unmatched"
        unit = self._create_unit(name)
        code = unit.code
        self.unit_codes.add(code)
        self.unit_names.add(unit.id, name)
        self.unit_labels[unit.id] = unit.name
        self.created_ids.add(unit.id)
        self.summary.units_created.append(code)
        logger.info("LAPOR! import: unit %s created for %r", code, name)
        return unit.id, "new"

    def _create_unit(self, name: str) -> Unit:
        """A unit named as LAPOR! names it, less the regency; LAPOR!'s spelling as its alias."""
        short = units.without_regency(name)[: units.MAX_NAME]
        unit = Unit(code=units.derive_code(short, self.unit_codes), name=short, active=True)
        db.session.add(unit)
        db.session.flush()
        if units.normalize_name(short) != units.normalize_name(name):
            db.session.add(
                UnitAlias(
                    unit_id=unit.id,
                    alias=name[: units.MAX_ALIAS],
                    normalized=units.normalize_name(name)[: units.MAX_ALIAS],
                )
            )
        return unit

    def _fill_unit(self, existing: tuple[int, int | None] | None, unit_id: int | None) -> None:
        """Give an already imported history complaint the unit it lacked (a new alias since)."""
        if existing is None or unit_id is None or existing[1] is not None:
            return
        db.session.execute(
            update(Complaint)
            .where(
                Complaint.id == existing[0],
                Complaint.unit_id.is_(None),
                Complaint.routed_by.is_(None),
            )
            .values(
                unit_id=unit_id,
                routed_by=ROUTED_BY_HISTORY,
                version=Complaint.version + 1,
            )
            .execution_options(synchronize_session=False)
        )

    def _store(self, fresh: list[Fresh]) -> None:
        if not fresh:
            return
        try:
            self._store_in_savepoint(fresh)
        except SQLAlchemyError:
            logger.warning("LAPOR! import: a batch was refused; writing it row by row")
            for one in fresh:
                self._store_one(one)

    def _store_one(self, one: Fresh) -> None:
        try:
            self._store_in_savepoint([one])
        except SQLAlchemyError as error:
            logger.warning("LAPOR! import: row %d refused: %s", one[0].number, error)
            self.seen.discard(one[0].lapor_id)
            self._error(one[0].number, gettext("The database refused this row."))

    def _store_in_savepoint(self, fresh: list[Fresh]) -> None:
        """Write ``fresh`` in one savepoint; once it is released, count them as imported."""
        with db.session.begin_nested():
            reports = self._reports(fresh)
            writing.store(reports, acknowledge=not self.options.history)
        self.summary.imported += len(fresh)
        if not self.options.history:
            self.new_ids.extend(report.ids["complaint"] for report in reports)

    def _reports(self, fresh: list[Fresh]) -> list[writing.Report]:
        if self.options.history:
            return [
                writing.history_report(row, category, unit_id, self.actor)
                for row, category, unit_id in fresh
            ]
        return [
            writing.new_report(row, category, self.actor, self.now, self._deadlines(row, category))
            for row, category, _unit in fresh
        ]

    def _deadlines(self, row: LaporRow, category: Category) -> dict[str, Any]:
        kind = row.kind or category.default_kind
        key = (kind, category.id)
        if key not in self.deadlines:
            self.deadlines[key] = writing.deadlines_from(kind, category, self.now)
        return self.deadlines[key]

    def _preview(
        self, row: LaporRow, category: Category, unit_id: int | None, state: str, present: bool
    ) -> None:
        if len(self.summary.preview) >= PREVIEW_ROWS:
            return
        self.summary.preview.append(
            PreviewRow(
                row=row.number,
                lapor_id=row.lapor_id,
                title=row.title or row.description,
                kind=row.kind or category.default_kind,
                category=category,
                status=row.status.status.value,
                unit=self.unit_labels.get(unit_id) if unit_id is not None else (row.unit or None),
                unit_state=state,
                received_at=row.received_at or self.now,
                anonymous=row.anonymous,
                confidential=row.confidential,
                already_present=present,
            )
        )


def import_rows(rows: Iterable[Row], options: ImportOptions, actor: Actor) -> ImportSummary:
    """Import the rows of a LAPOR! export (see the module's steps); return the summary.

    Raises :class:`~complaints.lapor.reading.ImportRefused` when the file cannot be
    used at all; nothing is written then. On any other failure what the
    current batch wrote is rolled back and the failure raised.
    """
    importer = _Importer(options, actor)
    try:
        summary = importer.run(rows)
    except BaseException:
        db.session.rollback()
        raise
    if not options.dry_run and importer.new_ids:
        # New reports, committed: those the routing model is sure of go to their unit
        # as intake's would (history keeps the unit LAPOR! gave).
        route_new_many(importer.new_ids)
    logger.info(
        "LAPOR! import%s: %d rows, %d imported, %d already there, %d bad, %d units created",
        " (dry run)" if options.dry_run else "",
        summary.rows,
        summary.imported,
        summary.already_present,
        len(summary.errors),
        len(summary.units_created),
    )
    return summary
