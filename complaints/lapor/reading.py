"""Reading a LAPOR! export (.xlsx or .csv) into numbered rows of named cells.

The header row is the first of the file's first rows that names a Tracking ID
column and a text column (the SP4N-LAPOR! admin export may put a title row
above it). Header names are compared without case, spaces or punctuation, in
any order; :data:`COLUMNS` lists the names accepted for each field — the
SP4N-LAPOR! export's first, then the older CSV layout's. Row numbers are the
spreadsheet's (or the CSV line where the row starts), as the person importing
sees them.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

COLUMNS: dict[str, tuple[str, ...]] = {
    "lapor_id": (
        "Tracking ID",
        "tracking_id",
        "id_laporan",
        "no_tracking",
        "nomor_tracking",
        "lapor_id",
        "id",
    ),
    "received_date": ("Tanggal Laporan Masuk", "Tanggal Laporan", "Tanggal Masuk", "Tanggal"),
    "received_time": ("Waktu Laporan Masuk", "Waktu", "Jam"),
    "kind": ("Klasifikasi Laporan", "Klasifikasi", "jenis", "kind"),
    "lapor_category_id": ("ID Kategori",),
    "category": ("Kategori", "category"),
    "title": ("Judul Laporan", "judul", "title"),
    "description": ("Isi Laporan Awal", "isi_laporan", "isi", "laporan", "description"),
    "answer": ("Isi Laporan Akhir",),
    "privacy": ("Tipe Laporan (Anonim/Rahasia)", "Tipe Laporan"),
    "source": ("Sumber Laporan",),
    "parent_agency": ("Instansi Induk",),
    "lapor_unit_id": ("ID Instansi Terdisposisi",),
    "unit": ("Instansi Terdisposisi",),
    "status": ("Status Laporan", "Status"),
    "reason": ("Alasan Tunda/Arsip",),
    "province": ("Provinsi",),
    "regency": ("Kota/Kabupaten",),
    "kecamatan": ("Kecamatan",),
    "desa": ("Kelurahan", "Desa", "Desa/Kelurahan", "Kelurahan/Desa"),
    "name": ("nama", "nama_pelapor", "name"),
    "phone": ("telepon", "no_hp", "hp", "phone"),
    "email": ("email", "e_mail"),
    "address": ("lokasi", "alamat", "address"),
    "anonymous": ("anonim", "anonymous"),
    "confidential": ("rahasia", "confidential"),
}
TEXT_FIELDS = ("description", "title")
# How far down a title row may push the header row.
HEADER_SEARCH_ROWS = 20
_DELIMITERS = (",", ";", "\t")


class ImportRefused(Exception):
    """The file as a whole cannot be read (not a spreadsheet, no header, no Tracking ID…)."""


def header_key(name: object) -> str:
    """``Tipe Laporan (Anonim/Rahasia)`` → ``tipelaporananonimrahasia``."""
    return re.sub(r"[\W_]+", "", str(name or "").casefold())


_KEYS = {field: [header_key(name) for name in names] for field, names in COLUMNS.items()}


@dataclass(frozen=True)
class Row:
    """A data row: its number in the file and its cells by field name."""

    number: int
    cells: dict[str, Any]

    def get(self, field: str) -> Any:
        return self.cells.get(field)


def _columns(cells: tuple[Any, ...]) -> dict[str, int] | None:
    """Field -> column index when ``cells`` is the header row, else None.

    A field named by two columns ("Tracking ID" and a bare "ID") takes the one
    whose name comes first in :data:`COLUMNS`, the export's own.
    """
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        positions.setdefault(header_key(cell), index)
    found = {
        field: next(positions[key] for key in keys if key in positions)
        for field, keys in _KEYS.items()
        if any(key in positions for key in keys)
    }
    if "lapor_id" in found and any(field in found for field in TEXT_FIELDS):
        return found
    return None


def _rows(numbered: Iterator[tuple[int, tuple[Any, ...]]]) -> Iterator[Row]:
    """The data rows after the header row found among the first rows."""
    columns = None
    for number, cells in numbered:
        if columns is None:
            columns = _columns(cells)
            if columns is None and number >= HEADER_SEARCH_ROWS:
                break
            continue
        if not any(_filled(cell) for cell in cells):
            continue
        yield Row(
            number,
            {field: cells[index] for field, index in columns.items() if index < len(cells)},
        )
    if columns is None:
        raise ImportRefused(
            gettext(
                "No header row with a “Tracking ID” column and a report text column"
                " (“Isi Laporan Awal” or “Judul Laporan”) was found."
            )
        )


def _filled(cell: Any) -> bool:
    return cell is not None and (not isinstance(cell, str) or bool(cell.strip()))


def decode(raw: bytes) -> str:
    """UTF-8 (a BOM from Excel is dropped), else Windows-1252, Excel's other habit."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _delimiter(text: str) -> str:
    """Comma, semicolon or tab: the one the header line holds most of."""
    lines = text.splitlines()[:HEADER_SEARCH_ROWS]
    header = next((line for line in lines if "tracking" in line.casefold()), None)
    sample = header if header is not None else (lines[0] if lines else "")
    return max(_DELIMITERS, key=sample.count)


def _csv_rows(text: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(line where the row starts, cells) for each CSV row."""
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    previous_end = 0
    for cells in reader:
        start = previous_end + 1
        previous_end = reader.line_num
        yield start, tuple(cells)


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(spreadsheet row number, values) for each row of the first sheet, streamed."""
    # Imported here, not at the top: openpyxl (and the NumPy it loads) would cost every
    # process that builds the app about 0.2 s; only an .xlsx import needs it.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as error:
        raise ImportRefused(gettext("The spreadsheet cannot be read.")) from error
    try:
        sheet = workbook.worksheets[0]
        # Exporters often write a wrong used range; read-only mode would trust it.
        sheet.reset_dimensions()
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        workbook.close()


def is_spreadsheet(data: bytes, filename: str) -> bool:
    """An .xlsx file (a zip) rather than a CSV, by its first bytes, else by its name."""
    return data[:4] == b"PK\x03\x04" or filename.casefold().endswith((".xlsx", ".xlsm"))


def read_export(data: bytes, filename: str) -> Iterator[Row]:
    """The data rows of a LAPOR! export; raises ImportRefused when the file is unusable.

    Lazy: a spreadsheet is streamed row by row, and the header problem (if
    any) is raised when the rows are first asked for.
    """
    if not data.strip():
        raise ImportRefused(gettext("The file is empty."))
    if is_spreadsheet(data, filename):
        return _rows(_xlsx_rows(data))
    if filename.casefold().endswith((".xls", ".ods")):
        raise ImportRefused(gettext("Save the export as .xlsx or .csv first."))
    return _rows(_csv_rows(decode(data)))
