"""One row of a LAPOR! export, checked and typed: what the importer writes from."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext

from complaints import districts
from complaints.errors import ValidationFailed
from complaints.intake import Contact, validated_contact
from complaints.models import Status

from . import values
from .reading import Row
from .values import FinalStatus, RowProblem

MAX_TITLE = 300
MAX_ADDRESS = 500
# "Kec. Suwawa", "Kecamatan Suwawa", "Desa Tapa", "Kel. Tapa": the list has the bare names.
_PLACE_PREFIX = re.compile(r"^(?:kecamatan|kec|kelurahan|kel|desa|ds)\b[.\s]*", re.IGNORECASE)
# LAPOR!'s own values kept on the complaint's first event (audit, never shown raw).
_KEPT = (
    "lapor_category_id",
    "category",
    "source",
    "parent_agency",
    "lapor_unit_id",
    "unit",
    "status",
    "reason",
)


@dataclass(frozen=True)
class LaporRow:
    """A report read from the export, ready to be written."""

    number: int
    lapor_id: str
    # With --history: when it came in to LAPOR! (UTC); else None (it is received now).
    received_at: datetime | None
    kind: str | None
    category: str
    title: str | None
    description: str
    answer: str | None
    anonymous: bool
    confidential: bool
    unit: str
    status: FinalStatus
    reason: str | None
    kecamatan: str | None
    desa: str | None
    address: str | None
    contact: Contact
    lapor: dict[str, str]


def _place(value: object) -> str:
    return _PLACE_PREFIX.sub("", values.text(value)).strip()


def area(kecamatan: object, desa: object) -> tuple[str | None, str | None]:
    """The kecamatan and desa/kelurahan as the regency's list spells them, where it has them.

    A place outside the list (another regency, a spelling the list lacks) is
    left out here; it stays in the address.
    """
    kecamatan_name, desa_name = _place(kecamatan), _place(desa)
    found = districts.kecamatan_named(kecamatan_name) if kecamatan_name else None
    if found is None and desa_name and not kecamatan_name:
        having = districts.kecamatan_with_village(desa_name)
        found = having[0] if len(having) == 1 else None
    village = districts.village_in(found, desa_name) if found and desa_name else None
    return (found.name if found else None), village


def _address(row: Row) -> str | None:
    written = values.text(row.get("address"))
    if not written:
        parts = (row.get(field) for field in ("desa", "kecamatan", "regency", "province"))
        written = ", ".join(part for part in map(values.text, parts) if part)
    return written[:MAX_ADDRESS] or None


def _contact(row: Row) -> Contact:
    try:
        return validated_contact(
            Contact(
                name=values.text(row.get("name")) or None,
                phone=values.text(row.get("phone")) or None,
                email=values.text(row.get("email")) or None,
            )
        )
    except ValidationFailed as failure:
        raise RowProblem("; ".join(failure.fields.values())) from None


def _privacy(row: Row) -> tuple[bool, bool]:
    anonymous, confidential = values.privacy(row.get("privacy"))
    anonymous = anonymous or values.flag(row.get("anonymous"))
    confidential = confidential or values.flag(row.get("confidential"))
    return anonymous, confidential


def _kept(row: Row) -> dict[str, str]:
    kept = {field: values.text(row.get(field)) for field in _KEPT}
    return {field: value for field, value in kept.items() if value}


def parse_row(row: Row, *, history: bool) -> LaporRow:
    """The row as the importer writes it; RowProblem names what is wrong with it.

    The report's text is "Isi Laporan Awal" kept whole (LAPOR!'s export already
    starts it with the title), or the title alone when the text is empty.
    Without ``history`` the received date, status and unit are not read: the
    report is a new one, received now.
    """
    title = values.text(row.get("title"))
    description = values.text(row.get("description")) or title
    if not description:
        raise RowProblem(gettext("The report has no text (Isi Laporan Awal)."))
    anonymous, confidential = _privacy(row)
    kecamatan, desa = area(row.get("kecamatan"), row.get("desa"))
    return LaporRow(
        number=row.number,
        lapor_id=values.lapor_id(row.get("lapor_id")),
        received_at=(
            values.received_instant(row.get("received_date"), row.get("received_time"))
            if history
            else None
        ),
        kind=values.kind(row.get("kind")),
        category=values.text(row.get("category")),
        title=title[:MAX_TITLE] or None,
        description=description,
        answer=values.text(row.get("answer")) or None,
        anonymous=anonymous,
        confidential=confidential,
        unit=values.text(row.get("unit")) if history else "",
        status=values.final_status(row.get("status")) if history else FinalStatus(Status.RECEIVED),
        reason=values.text(row.get("reason")) or None,
        kecamatan=kecamatan,
        desa=desa,
        address=_address(row),
        contact=_contact(row),
        lapor=_kept(row),
    )
