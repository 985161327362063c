"""The document register of indicator 27: the decree, SOP, reports, minutes, publications.

The PEKPPP evaluation asks, for the accountability of complaint handling
(indicator 27), to SEE documents: the decree appointing the complaint team
(SK tim pengelola pengaduan), the SOP or service notice (maklumat pelayanan),
periodic reports (laporan berkala), minutes of evaluation meetings (notulen
rapat evaluasi) and proof of publication (bukti publikasi). Staff upload them
here; the dossier and the reports dashboard mark each criterion met by them.

Which document counts for a period (``start``..``end``, local days, inclusive):

- a decree or an SOP stays in force once issued: it counts when dated on or
  before the period's last day; if it names the period it is valid for
  (e.g. "Tim ... Tahun 2026"), that period must also overlap the report's;
- a periodic report, minutes and any other document count when the period
  they cover overlaps the report's, or when they are dated within it (the
  report on last quarter, written in this one, shows reporting at work now);
- a proof of publication counts when dated within the period.

A unit's report counts the unit's own documents and the regency-wide ones
(``unit_id`` NULL); the regency's report counts the regency-wide ones.

Uploads are checked by their content, not by the name or type the browser
sends: PDF, JPEG, PNG and the Office Open XML / OpenDocument text and
spreadsheet formats (no macros: the legacy ``.doc``/``.xls`` and the
macro-enabled variants are refused), at most :data:`MAX_DOCUMENT_BYTES`.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_date, gettext
from sqlalchemy import ColumnElement, and_, case, or_, select, true
from sqlalchemy.orm import joinedload

from complaints import clock
from complaints.errors import DomainError, ValidationFailed
from complaints.extensions import db
from complaints.models import AssessmentDocument, AuditLog, DocumentKind, Unit, User

from .document_files import safe_filename, sniff_type

logger = logging.getLogger(__name__)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
MAX_TITLE = 300
MAX_NUMBER = 120

ADDED_ACTION = "assessment_document_added"
REMOVED_ACTION = "assessment_document_removed"

# Kinds that stay in force once issued, and the one that counts only when dated in the period.
STANDING_KINDS = (DocumentKind.TEAM_DECREE.value, DocumentKind.SOP.value)
DATED_KINDS = (DocumentKind.PUBLICATION.value,)
# The criteria of indicator 27, in the order an assessor reads them ("other" proves none).
CRITERIA_KINDS = (
    DocumentKind.TEAM_DECREE.value,
    DocumentKind.SOP.value,
    DocumentKind.PERIODIC_REPORT.value,
    DocumentKind.EVALUATION_MINUTES.value,
    DocumentKind.PUBLICATION.value,
)


class DocumentTooLarge(DomainError):
    """The file is over :data:`MAX_DOCUMENT_BYTES` (HTTP 413)."""

    code = "too_large"
    http_status = 413


@dataclass(frozen=True)
class NewDocument:
    """What an upload says about a document, before it is checked."""

    kind: str
    title: str
    document_date: date
    content: bytes
    filename: str
    number: str | None = None
    period_from: date | None = None
    period_to: date | None = None
    unit_id: int | None = None


@dataclass(frozen=True)
class Criterion:
    """One criterion of indicator 27: met or not, the rule, the documents that meet it."""

    kind: str
    label: str
    rule: str
    met: bool
    documents: list[AssessmentDocument] = field(default_factory=list)


# --- the criteria in words -----------------------------------------------------------------


def kind_label(kind: str) -> str:
    """A document type in words ("SK tim pengelola pengaduan")."""
    names = {
        DocumentKind.TEAM_DECREE.value: gettext("Decree appointing the complaint team (SK)"),
        DocumentKind.SOP.value: gettext("SOP or service notice (maklumat pelayanan)"),
        DocumentKind.PERIODIC_REPORT.value: gettext("Periodic report"),
        DocumentKind.EVALUATION_MINUTES.value: gettext("Minutes of an evaluation meeting"),
        DocumentKind.PUBLICATION.value: gettext("Proof of publication"),
    }
    return names.get(kind) or gettext("Other document")


def criterion_label(kind: str) -> str:
    """What the assessment checks for ``kind``, as a statement that is met or not."""
    labels = {
        DocumentKind.TEAM_DECREE.value: gettext(
            "The complaint handling team is appointed by a decree"
        ),
        DocumentKind.SOP.value: gettext("Complaint handling has an SOP or a service notice"),
        DocumentKind.PERIODIC_REPORT.value: gettext("Complaint handling is reported periodically"),
        DocumentKind.EVALUATION_MINUTES.value: gettext(
            "Complaint handling is evaluated in meetings with minutes"
        ),
        DocumentKind.PUBLICATION.value: gettext("The results of complaint handling are published"),
    }
    return labels[kind]


def criterion_rule(kind: str) -> str:
    """The rule that decides whether a document counts for a period, in words."""
    if kind in STANDING_KINDS:
        return gettext(
            "Met by a document dated on or before the last day of the period: it stays in "
            "force until replaced. If it names the period it is valid for, that period must "
            "overlap this one."
        )
    if kind in DATED_KINDS:
        return gettext("Met by a proof of publication dated within the period.")
    return gettext("Met by a document whose period overlaps this one, or dated within it.")


def period_name(start: date | None, end: date | None) -> str:
    """A period as people read it: "1 Okt 2026 – 31 Des 2026" (empty without one)."""
    if start is None or end is None:
        return ""
    if start == end:
        return format_date(start, "medium")
    return f"{format_date(start, 'medium')} – {format_date(end, 'medium')}"


# --- which documents count -----------------------------------------------------------------


def unit_id_of(code: str | None) -> int | None:
    """The id of the unit with ``code`` (a report's unit); ``None`` for the regency."""
    if not code:
        return None
    return db.session.scalar(select(Unit.id).where(Unit.code == code))


def _counts_for(start: date, end: date) -> ColumnElement[bool]:
    """The SQL condition of the rules in this module's docstring."""
    doc = AssessmentDocument
    has_period = and_(doc.period_from.is_not(None), doc.period_to.is_not(None))
    overlaps = and_(doc.period_from <= end, doc.period_to >= start)
    dated_within = and_(doc.document_date >= start, doc.document_date <= end)
    return or_(
        and_(
            doc.kind.in_(STANDING_KINDS),
            doc.document_date <= end,
            or_(~has_period, overlaps),
        ),
        and_(doc.kind.in_(DATED_KINDS), dated_within),
        and_(
            doc.kind.not_in(STANDING_KINDS + DATED_KINDS),
            or_(and_(has_period, overlaps), dated_within),
        ),
    )


def unit_scope(unit_id: int | None) -> ColumnElement[bool]:
    """A unit's own documents and the regency-wide ones; the regency's alone for ``None``."""
    regency_wide = AssessmentDocument.unit_id.is_(None)
    return (
        regency_wide
        if unit_id is None
        else or_(regency_wide, AssessmentDocument.unit_id == unit_id)
    )


def documents_for(
    period_from: date, period_to: date, unit_id: int | None, kind: str | None = None
) -> list[AssessmentDocument]:
    """The documents that count for a report of ``unit_id`` (the regency: ``None``) over a period.

    One query; ordered by the criteria's order, newest first within a kind. The
    file's bytes are not loaded.
    """
    query = (
        select(AssessmentDocument)
        .options(joinedload(AssessmentDocument.unit), joinedload(AssessmentDocument.uploaded_by))
        .where(
            _counts_for(period_from, period_to),
            unit_scope(unit_id),
            AssessmentDocument.kind == kind if kind else true(),
        )
        .order_by(
            case(
                {kind: index for index, kind in enumerate(CRITERIA_KINDS)},
                value=AssessmentDocument.kind,
                else_=len(CRITERIA_KINDS),
            ),
            AssessmentDocument.document_date.desc(),
            AssessmentDocument.id.desc(),
        )
    )
    return list(db.session.scalars(query))


def indicator_27_criteria(
    period_from: date, period_to: date, unit_id: int | None
) -> list[Criterion]:
    """Each document criterion of indicator 27 for the period and unit: met, rule, documents."""
    by_kind: dict[str, list[AssessmentDocument]] = {kind: [] for kind in CRITERIA_KINDS}
    for document in documents_for(period_from, period_to, unit_id):
        if document.kind in by_kind:
            by_kind[document.kind].append(document)
    return [
        Criterion(
            kind=kind,
            label=criterion_label(kind),
            rule=criterion_rule(kind),
            met=bool(documents),
            documents=documents,
        )
        for kind, documents in by_kind.items()
    ]


def counts_for_period(document: AssessmentDocument, period_from: date, period_to: date) -> bool:
    """Whether ``document`` counts for the period (the same rule, asked of one row)."""
    return (
        db.session.scalar(
            select(AssessmentDocument.id).where(
                AssessmentDocument.id == document.id, _counts_for(period_from, period_to)
            )
        )
        is not None
    )


def register(
    unit_ids: set[int] | None, kind: str | None = None, limit: int = 500
) -> Sequence[AssessmentDocument]:
    """Every document within reach, whatever its period: ``unit_ids`` (``None``: all units)
    and the regency-wide ones; newest first, at most ``limit``."""
    reach = (
        true()
        if unit_ids is None
        else or_(AssessmentDocument.unit_id.is_(None), AssessmentDocument.unit_id.in_(unit_ids))
    )
    return list(
        db.session.scalars(
            select(AssessmentDocument)
            .options(
                joinedload(AssessmentDocument.unit), joinedload(AssessmentDocument.uploaded_by)
            )
            .where(reach, AssessmentDocument.kind == kind if kind else true())
            .order_by(AssessmentDocument.document_date.desc(), AssessmentDocument.id.desc())
            .limit(limit)
        )
    )


# --- checking an upload ----------------------------------------------------------------------


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _check(new: NewDocument) -> dict[str, str]:
    """Field messages for what is wrong with ``new`` (empty when it may be stored)."""
    errors: dict[str, str] = {}
    if new.kind not in {kind.value for kind in DocumentKind}:
        errors["kind"] = gettext("Choose the type of document.")
    if not _clean(new.title):
        errors["title"] = gettext("Write the document's title.")
    elif len(_clean(new.title)) > MAX_TITLE:
        errors["title"] = gettext("The title may be at most %(max)d characters.", max=MAX_TITLE)
    if len(_clean(new.number)) > MAX_NUMBER:
        errors["number"] = gettext("The number may be at most %(max)d characters.", max=MAX_NUMBER)
    today = clock.now().astimezone(ZoneInfo(current_app.config["ADUAN_TIMEZONE"])).date()
    if new.document_date > today:
        errors["document_date"] = gettext("The document's date cannot be in the future.")
    if (new.period_from is None) != (new.period_to is None):
        errors["period_to"] = gettext(
            "Give both the first and the last day of the period, or neither."
        )
    elif new.period_from and new.period_to and new.period_to < new.period_from:
        errors["period_to"] = gettext("The end of the period is before its start.")
    if not new.content:
        errors["file"] = gettext("Choose a file to upload.")
    elif sniff_type(new.content) is None:
        errors["file"] = gettext(
            "This file type is not accepted. Upload a PDF, a JPEG or PNG image, or a "
            "Word, Excel or OpenDocument file (DOCX, XLSX, ODT, ODS)."
        )
    return errors


def too_large_message() -> str:
    return gettext(
        "The file is too large: a document may be at most %(size)d MB. Scan it at a lower "
        "resolution or split it into parts.",
        size=MAX_DOCUMENT_BYTES // (1024 * 1024),
    )


# --- changes ---------------------------------------------------------------------------------


def _audit(action: str, actor: User | None, document: AssessmentDocument, ip: str | None) -> None:
    detail: dict[str, Any] = {
        "kind": document.kind,
        "title": document.title,
        "sha256": document.sha256,
        "unit_id": document.unit_id,
    }
    db.session.add(
        AuditLog(
            at=clock.now(),
            actor_user_id=actor.id if actor else None,
            action=action,
            target_type="assessment_document",
            target_id=document.id,
            ip=ip,
            detail=detail,
        )
    )


def add_document(new: NewDocument, actor: User | None, ip: str | None = None) -> AssessmentDocument:
    """Check and store an uploaded document, with its audit entry; commits.

    Raises :class:`DocumentTooLarge` for a file over the limit and
    :class:`ValidationFailed` (field → message) for anything else wrong.
    """
    if len(new.content) > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge(too_large_message())
    errors = _check(new)
    if errors:
        raise ValidationFailed(errors)
    content_type = sniff_type(new.content)
    assert content_type is not None
    document = AssessmentDocument(
        kind=new.kind,
        title=_clean(new.title),
        number=_clean(new.number) or None,
        document_date=new.document_date,
        period_from=new.period_from,
        period_to=new.period_to,
        unit_id=new.unit_id,
        filename=safe_filename(new.filename, content_type),
        content_type=content_type,
        size=len(new.content),
        sha256=hashlib.sha256(new.content).hexdigest(),
        content=new.content,
        uploaded_by_user_id=actor.id if actor else None,
        created_at=clock.now(),
    )
    db.session.add(document)
    db.session.flush()
    _audit(ADDED_ACTION, actor, document, ip)
    db.session.commit()
    logger.info(
        "assessment document %s added (%s, %d bytes)", document.id, document.kind, document.size
    )
    return document


def remove_document(
    document: AssessmentDocument, actor: User | None, ip: str | None = None
) -> None:
    """Delete a document from the register; the audit log keeps its title and checksum; commits."""
    _audit(REMOVED_ACTION, actor, document, ip)
    db.session.delete(document)
    db.session.commit()
    logger.info("assessment document %s removed", document.id)


def document_content(document_id: int) -> tuple[AssessmentDocument, bytes] | None:
    """A document and its bytes (the one place the deferred content is read)."""
    document = db.session.get(AssessmentDocument, document_id)
    if document is None:
        return None
    return document, document.content
