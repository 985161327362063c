"""Importing complaints forwarded from SP4N-LAPOR! out of a CSV export.

Column mapping (first row = headers, matched without regard to case, spaces,
dots or hyphens; the delimiter may be a comma, a semicolon or a tab; UTF-8,
with or without BOM, or Windows-1252):

=============  ==========================================================  ========
field          accepted headers                                            required
=============  ==========================================================  ========
LAPOR! id      tracking_id, id_laporan, no_tracking, nomor_tracking,       yes
               lapor_id, id
description    isi_laporan, isi, laporan, description                      yes
title          judul, judul_laporan, title                                 no
category       kategori, category — a category code or its Indonesian or   no
               English name; empty → "other" (Lainnya)
kind           jenis, klasifikasi, kind — pengaduan / aspirasi /           no
               permintaan informasi (or complaint / aspiration /
               information_request); empty → the category's default
name           nama, nama_pelapor, name                                    no
phone          telepon, no_hp, hp, phone                                   no
e-mail         email, e_mail                                               no
address        lokasi, alamat, address                                     no
anonymous      anonim, anonymous — ya/tidak, yes/no, 1/0, true/false       no
confidential   rahasia, confidential — same values                         no
=============  ==========================================================  ========

The title, when present, is put before the description. Each good row goes
through :func:`complaints.intake.submit_complaint` with ``channel="lapor"``
and the LAPOR! id as both ``lapor_id`` and ``external_id``, so importing the
same file again (or a later export that repeats rows) creates nothing twice.
A bad row is reported with its line number in the file and does not stop
the others. The received time is the import time: the SLA clocks start when
the regency gets the complaint.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask_babel import gettext
from sqlalchemy import func, or_, select

from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.intake import Contact, submit_complaint
from complaints.models import Category, Channel, Kind
from complaints.workflow import Actor

logger = logging.getLogger(__name__)

HEADERS: dict[str, tuple[str, ...]] = {
    "lapor_id": ("tracking_id", "id_laporan", "no_tracking", "nomor_tracking", "lapor_id", "id"),
    "description": ("isi_laporan", "isi", "laporan", "description"),
    "title": ("judul", "judul_laporan", "title"),
    "category": ("kategori", "category"),
    "kind": ("jenis", "klasifikasi", "kind"),
    "name": ("nama", "nama_pelapor", "name"),
    "phone": ("telepon", "no_hp", "hp", "phone"),
    "email": ("email", "e_mail"),
    "address": ("lokasi", "alamat", "address"),
    "anonymous": ("anonim", "anonymous"),
    "confidential": ("rahasia", "confidential"),
}
REQUIRED = ("lapor_id", "description")
KINDS = {
    "pengaduan": Kind.COMPLAINT.value,
    "aspirasi": Kind.ASPIRATION.value,
    "permintaan informasi": Kind.INFORMATION_REQUEST.value,
    "informasi": Kind.INFORMATION_REQUEST.value,
    **{kind.value: kind.value for kind in Kind},
}
_TRUE = {"ya", "yes", "y", "1", "true"}
_FALSE = {"tidak", "no", "n", "0", "false", ""}
FALLBACK_CATEGORY = "other"
MAX_LAPOR_ID = 64


@dataclass
class ImportResult:
    """What an import did: new complaint codes, rows already imported, bad rows."""

    imported: list[str] = field(default_factory=list)
    duplicates: list[tuple[int, str, str]] = field(default_factory=list)  # line, LAPOR id, code
    errors: list[tuple[int, str]] = field(default_factory=list)  # line, message

    def as_json(self) -> dict[str, object]:
        return {
            "imported": len(self.imported),
            "duplicates": len(self.duplicates),
            "errors": [{"line": line, "message": message} for line, message in self.errors],
        }


class ImportRefused(Exception):
    """The file as a whole cannot be read (no header, a required column missing…)."""


def decode(raw: bytes) -> str:
    """UTF-8 (a BOM from Excel is dropped), else Windows-1252, Excel's other habit."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _normal(header: str) -> str:
    """``No. HP`` → ``no_hp``: lower case, runs of spaces and punctuation as one underscore."""
    return re.sub(r"[\s./_-]+", "_", header.strip().lower()).strip("_")


def _columns(header: list[str]) -> dict[str, int]:
    """Field name -> column index, from the header row."""
    positions = {_normal(name): index for index, name in enumerate(header)}
    found = {}
    for name, aliases in HEADERS.items():
        for alias in aliases:
            if alias in positions:
                found[name] = positions[alias]
                break
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise ImportRefused(
            gettext(
                "The file has no column for: %(fields)s. See the column mapping.",
                fields=", ".join(missing),
            )
        )
    return found


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line number where the row starts, cells) for each row, the header first."""
    sample = text[:4096]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            sample.split("\n", 1)[0], delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    previous_end = 0
    for cells in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        if any(cell.strip() for cell in cells):
            yield start, cells


def _flag(raw: str, field_name: str) -> bool:
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValidationFailed({field_name: gettext("Use yes or no (ya/tidak).")})


def _category(raw: str) -> Category:
    wanted = raw.strip() or FALLBACK_CATEGORY
    found = db.session.scalar(
        select(Category).where(
            or_(
                func.lower(Category.code) == wanted.lower(),
                func.lower(Category.name_id) == wanted.lower(),
                func.lower(Category.name_en) == wanted.lower(),
            )
        )
    )
    if found is None:
        raise ValidationFailed(
            {"category": gettext("No category is called %(name)s.", name=wanted[:60])}
        )
    return found


def _kind(raw: str) -> str | None:
    value = raw.strip().lower()
    if not value:
        return None
    if value not in KINDS:
        raise ValidationFailed(
            {"kind": gettext("Kind must be pengaduan, aspirasi or permintaan informasi.")}
        )
    return KINDS[value]


def _import_row(
    cells: list[str], columns: dict[str, int], actor: Actor, result: ImportResult, line: int
) -> None:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    lapor_id = cell("lapor_id")
    if not lapor_id:
        raise ValidationFailed({"lapor_id": gettext("The LAPOR! id is empty.")})
    if len(lapor_id) > MAX_LAPOR_ID:
        raise ValidationFailed({"lapor_id": gettext("The LAPOR! id is too long.")})
    title, text = cell("title"), cell("description")
    outcome = submit_complaint(
        channel=Channel.LAPOR.value,
        category=_category(cell("category")),
        description=f"{title}\n\n{text}" if title and text else text,
        kind=_kind(cell("kind")),
        address=cell("address") or None,
        contact=Contact(name=cell("name"), phone=cell("phone"), email=cell("email")),
        anonymous=_flag(cell("anonymous"), "anonymous"),
        confidential=_flag(cell("confidential"), "confidential"),
        external_id=lapor_id,
        lapor_id=lapor_id,
        actor=actor,
    )
    if outcome.created:
        result.imported.append(outcome.complaint.code)
    else:
        result.duplicates.append((line, lapor_id, outcome.complaint.code))


def import_lapor_csv(text: str, actor: Actor, *, max_rows: int | None = None) -> ImportResult:
    """Import every good row of a LAPOR! CSV export; report the bad ones by line.

    Raises ImportRefused when the file cannot be used at all (empty, required
    columns missing, more than ``max_rows`` data rows).
    """
    rows = _rows(text.lstrip("\ufeff"))
    header = next(rows, None)
    if header is None:
        raise ImportRefused(gettext("The file is empty."))
    columns = _columns(header[1])
    result = ImportResult()
    for count, (line, cells) in enumerate(rows, 1):
        if max_rows is not None and count > max_rows:
            result.errors.append(
                (line, gettext("Stopped here: at most %(count)d rows per upload.", count=max_rows))
            )
            break
        try:
            _import_row(cells, columns, actor, result, line)
        except ValidationFailed as failure:
            db.session.rollback()
            result.errors.append((line, "; ".join(failure.fields.values())))
    logger.info(
        "LAPOR! import: %d imported, %d already there, %d bad rows",
        len(result.imported),
        len(result.duplicates),
        len(result.errors),
    )
    return result
