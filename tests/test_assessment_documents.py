"""The document register of indicator 27: upload, list, checklist, download, delete, who sees what.

A supervisor uploads the team's decree and finds it listed, its criterion met
and the same bytes on download; an oversized or foreign file is refused and
nothing is stored; officers are refused everywhere; a supervisor never sees
another unit's document. The rules of which document counts for a period are
checked at the period's edges.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from complaints.assessment import document_files, documents
from complaints.assessment.documents import NewDocument
from complaints.auth import create_user
from complaints.extensions import db
from complaints.models import AssessmentDocument, AuditLog, DocumentKind
from tests.conftest import STAFF_PASSWORD, Cast, csrf_token_from, unit
from tests.staff_helpers import signed_in

REGISTER = "/staff/assessment/documents"
PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
Q4 = {"from": "2026-10-01", "to": "2026-12-31"}


def _upload(
    client: FlaskClient,
    content: bytes = PDF_BYTES,
    filename: str = "SK Tim Pengaduan.pdf",
    query: dict[str, str] | None = None,
    **fields: str,
) -> tuple[int, str, str]:
    """POST the upload form as a browser would; (status, page text, Location)."""
    page = client.get(REGISTER, query_string=query or Q4).get_data(as_text=True)
    data: dict[str, object] = {
        "csrf_token": csrf_token_from(page),
        "kind": DocumentKind.TEAM_DECREE.value,
        "title": "Keputusan Bupati tentang Tim Pengelola Pengaduan",
        "number": "188.45/KEP/BUP/123/2026",
        "document_date": "2026-10-05",
        "period_from": "",
        "period_to": "",
        "unit": "PUPR",
        "file": (io.BytesIO(content), filename),
        **fields,
    }
    response = client.post(
        REGISTER, query_string=query or Q4, data=data, content_type="multipart/form-data"
    )
    return response.status_code, response.get_data(as_text=True), response.location or ""


def _stored() -> int:
    return db.session.scalar(select(func.count(AssessmentDocument.id))) or 0


def _document(kind: str, day: date, **options: object) -> AssessmentDocument:
    new = NewDocument(
        kind=kind,
        title=str(options.pop("title", f"{kind} {day}")),
        document_date=day,
        content=PDF_BYTES,
        filename="dokumen.pdf",
        **options,  # type: ignore[arg-type]
    )
    return documents.add_document(new, None)


def _criteria(start: date, end: date, unit_id: int | None) -> dict[str, list[str]]:
    """Each criterion's kind → the titles of the documents that meet it."""
    return {
        criterion.kind: [document.title for document in criterion.documents]
        for criterion in documents.indicator_27_criteria(start, end, unit_id)
    }


def test_a_supervisor_uploads_the_decree_sees_it_listed_and_met_and_downloads_the_same_bytes(
    app: Flask, cast: Cast
) -> None:
    client = signed_in(app, cast.supervisor.email)
    before = client.get(REGISTER, query_string=Q4).get_data(as_text=True)
    assert "belum terpenuhi" in before and "Belum ada dokumen." in before

    status, _, location = _upload(client)
    assert status == 302
    page = client.get(location).get_data(as_text=True)
    assert "Keputusan Bupati tentang Tim Pengelola Pengaduan" in page
    assert "SK tim pengelola pengaduan" in page or "Tim pengelola pengaduan" in page
    assert "5 Okt 2026" in page  # the date as people read it
    assert "Dinas Pekerjaan Umum dan Penataan Ruang" in page  # the unit in words
    visible = re.sub(r"<[^>]+>", " ", page)
    assert "team_decree" not in visible and "2026-10-05" not in visible
    decree = page.split("Tim pengelola pengaduan ditetapkan dengan SK")[1].split("</li>\n")[0]
    assert "terpenuhi" in decree and "belum terpenuhi" not in decree

    document = db.session.scalars(select(AssessmentDocument)).one()
    assert document.unit_id == unit("PUPR").id and document.content_type == document_files.PDF
    download = client.get(f"{REGISTER}/{document.id}/download")
    assert download.status_code == 200
    assert download.data == PDF_BYTES
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "SK Tim Pengaduan.pdf" in disposition
    audit = db.session.scalars(select(AuditLog).where(AuditLog.target_id == document.id)).one()
    assert audit.action == documents.ADDED_ACTION and audit.actor_user_id == cast.supervisor.id


def test_an_oversized_upload_is_answered_413_and_nothing_is_stored(app: Flask, cast: Cast) -> None:
    client = signed_in(app, cast.supervisor.email)
    # Over the body's limit: refused before the form is read.
    huge = PDF_BYTES + b"0" * (documents.MAX_DOCUMENT_BYTES + 300 * 1024)
    status, page, _ = _upload(client, content=huge)
    assert status == 413
    assert "terlalu besar" in page and "10 MB" in page
    # Just over the file's limit (a body within the form's): refused by the register itself.
    just_over = NewDocument(
        kind=DocumentKind.SOP.value,
        title="SOP",
        document_date=date(2026, 10, 1),
        content=PDF_BYTES + b"0" * documents.MAX_DOCUMENT_BYTES,
        filename="sop.pdf",
    )
    with pytest.raises(documents.DocumentTooLarge) as refused:
        documents.add_document(just_over, cast.supervisor)
    assert refused.value.http_status == 413
    assert _stored() == 0


def test_a_file_of_another_type_is_refused_with_a_clear_message(app: Flask, cast: Cast) -> None:
    client = signed_in(app, cast.supervisor.email)
    for content, filename in (
        (b"<html><script>alert(1)</script></html>", "laporan.pdf"),
        (b"MZ\x90\x00 an executable", "notulen.docx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 legacy word, macros possible", "sop.doc"),
    ):
        status, page, _ = _upload(client, content=content, filename=filename)
        assert status == 400, filename
        assert "Jenis berkas ini tidak diterima" in page
    assert _stored() == 0


def test_office_files_are_recognised_by_their_content_and_served_with_their_own_name(
    app: Flask, cast: Cast
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    client = signed_in(app, cast.admin.email)
    status, _, _ = _upload(
        client,
        content=buffer.getvalue(),
        filename="../../Notulen rapat.bin",
        kind=DocumentKind.EVALUATION_MINUTES.value,
        title="Notulen rapat evaluasi triwulan IV",
        period_from="2026-10-01",
        period_to="2026-12-31",
        unit="",
    )
    assert status == 302
    document = db.session.scalars(select(AssessmentDocument)).one()
    assert document.content_type == document_files.DOCX
    assert document.filename == "Notulen rapat.docx"
    assert document.unit_id is None  # regency-wide


def test_the_form_says_what_is_missing_in_indonesian(app: Flask, cast: Cast) -> None:
    client = signed_in(app, cast.supervisor.email)
    status, page, _ = _upload(client, title="", document_date="", period_from="2026-10-01", kind="")
    assert status == 400
    for message in (
        "Pilih jenis dokumen.",
        "Tulis judul dokumen.",
        "Masukkan tanggal dokumen.",
        "Isi hari pertama dan hari terakhir periode, atau kosongkan keduanya.",
    ):
        assert message in page
    status, page, _ = _upload(client, document_date="2026-12-01")  # after today (25 Nov)
    assert status == 400 and "tidak boleh di masa depan" in page
    assert _stored() == 0


def test_delete_asks_for_confirmation_and_keeps_an_audit_entry(app: Flask, cast: Cast) -> None:
    client = signed_in(app, cast.supervisor.email)
    _upload(client)
    document = db.session.scalars(select(AssessmentDocument)).one()
    document_id, checksum = document.id, document.sha256
    page = client.get(REGISTER, query_string=Q4).get_data(as_text=True)
    token = csrf_token_from(page)
    unconfirmed = client.post(f"{REGISTER}/{document_id}/delete", data={"csrf_token": token})
    assert unconfirmed.status_code == 302 and _stored() == 1
    confirmed = client.post(
        f"{REGISTER}/{document_id}/delete",
        data={"csrf_token": token, "confirm": "yes", **Q4},
    )
    assert confirmed.status_code == 302 and "from=2026-10-01" in confirmed.location
    db.session.expire_all()
    assert _stored() == 0
    removed = db.session.scalars(
        select(AuditLog).where(AuditLog.action == documents.REMOVED_ACTION)
    ).one()
    assert removed.detail is not None and removed.detail["sha256"] == checksum
    assert client.get(f"{REGISTER}/{document_id}/download").status_code == 404


def test_officers_are_refused_on_every_route(app: Flask, cast: Cast) -> None:
    document = _document(DocumentKind.SOP.value, date(2026, 1, 5), unit_id=unit("PUPR").id)
    client = signed_in(app, cast.officer_a.email)
    token = csrf_token_from(client.get("/staff/password").get_data(as_text=True))
    assert client.get(REGISTER).status_code == 403
    assert client.post(REGISTER, data={"csrf_token": token}).status_code == 403
    assert client.get(f"{REGISTER}/{document.id}/download").status_code == 403
    delete = client.post(
        f"{REGISTER}/{document.id}/delete", data={"csrf_token": token, "confirm": "yes"}
    )
    assert delete.status_code == 403
    assert _stored() == 1


def test_a_unit_supervisor_sees_their_units_and_the_regency_wide_documents_only(
    app: Flask, cast: Cast
) -> None:
    ours = _document(
        DocumentKind.SOP.value, date(2026, 2, 1), title="SOP PUPR", unit_id=unit("PUPR").id
    )
    theirs = _document(
        DocumentKind.SOP.value, date(2026, 2, 1), title="SOP DLH", unit_id=unit("DLH").id
    )
    _document(DocumentKind.TEAM_DECREE.value, date(2026, 1, 2), title="SK Bupati")
    client = signed_in(app, cast.supervisor.email)

    for query in (Q4, {**Q4, "all": "1"}):
        page = client.get(REGISTER, query_string=query).get_data(as_text=True)
        assert "SOP PUPR" in page and "SK Bupati" in page
        assert "SOP DLH" not in page
    assert client.get(REGISTER, query_string={**Q4, "unit": "DLH"}).status_code == 403
    assert client.get(f"{REGISTER}/{theirs.id}/download").status_code == 404
    token = csrf_token_from(client.get(REGISTER).get_data(as_text=True))
    gone = client.post(
        f"{REGISTER}/{theirs.id}/delete", data={"csrf_token": token, "confirm": "yes"}
    )
    assert gone.status_code == 404
    # Nor may they file a document for another unit, or for the whole regency.
    for other in ("DLH", ""):
        status, page, _ = _upload(client, unit=other)
        assert status == 400
    assert _stored() == 3
    assert client.get(f"{REGISTER}/{ours.id}/download").data == PDF_BYTES


def test_a_supervisor_of_a_regency_level_unit_keeps_the_regency_wide_documents(
    app: Flask, cast: Cast
) -> None:
    create_user("org@bonebolangokab.go.id", "supervisor", STAFF_PASSWORD, unit_code="BAG-ORG")
    db.session.commit()
    client = signed_in(app, "org@bonebolangokab.go.id")
    status, _, _ = _upload(client, unit="")
    assert status == 302
    assert db.session.scalars(select(AssessmentDocument)).one().unit_id is None


def test_which_document_counts_for_a_period_at_its_edges(app_ctx: Flask) -> None:
    pupr, dlh = unit("PUPR").id, unit("DLH").id
    start, end = date(2026, 4, 1), date(2026, 6, 30)
    decree = DocumentKind.TEAM_DECREE.value
    report = DocumentKind.PERIODIC_REPORT.value
    minutes = DocumentKind.EVALUATION_MINUTES.value
    publication = DocumentKind.PUBLICATION.value
    # A decree stays in force: dated on the period's last day counts, a day later does not.
    _document(decree, date(2026, 6, 30), title="SK on the last day", unit_id=pupr)
    _document(decree, date(2026, 7, 1), title="SK a day late", unit_id=pupr)
    _document(decree, date(2019, 3, 1), title="SK of 2019", unit_id=pupr)
    # ...unless it names a period of validity that ended before this period.
    _document(
        decree,
        date(2025, 1, 2),
        title="SK for 2025 only",
        unit_id=pupr,
        period_from=date(2025, 1, 1),
        period_to=date(2025, 12, 31),
    )
    # Reports count by the period they cover (one day of overlap is enough) or by their date.
    _document(
        report,
        date(2026, 4, 10),
        title="Report of Q1, written in Q2",
        unit_id=pupr,
        period_from=date(2026, 1, 1),
        period_to=date(2026, 3, 31),
    )
    _document(
        report,
        date(2026, 3, 31),
        title="Report of Q1, written in Q1",
        unit_id=pupr,
        period_from=date(2026, 1, 1),
        period_to=date(2026, 3, 31),
    )
    _document(
        report,
        date(2026, 7, 10),
        title="Report ending on the first day",
        unit_id=pupr,
        period_from=date(2026, 3, 1),
        period_to=date(2026, 4, 1),
    )
    # Minutes without a period count when dated within it.
    _document(minutes, date(2026, 4, 1), title="Minutes on the first day", unit_id=pupr)
    _document(minutes, date(2026, 3, 31), title="Minutes the day before", unit_id=pupr)
    # A publication counts when dated within the period.
    _document(publication, date(2026, 6, 30), title="Website on the last day")
    _document(publication, date(2026, 7, 1), title="Website a day late")
    # Another unit's documents never count for this one.
    _document(DocumentKind.SOP.value, date(2026, 1, 1), title="SOP of DLH", unit_id=dlh)

    met = _criteria(start, end, pupr)
    assert met[decree] == ["SK on the last day", "SK of 2019"]
    assert met[DocumentKind.SOP.value] == []
    assert met[report] == ["Report ending on the first day", "Report of Q1, written in Q2"]
    assert met[minutes] == ["Minutes on the first day"]
    assert met[publication] == ["Website on the last day"]
    assert set(met) == set(documents.CRITERIA_KINDS)  # "other" proves no criterion

    # The regency counts the regency-wide documents only; another unit, its own and those.
    assert _criteria(start, end, None)[decree] == []
    assert _criteria(start, end, None)[publication] == ["Website on the last day"]
    assert _criteria(start, end, dlh)[DocumentKind.SOP.value] == ["SOP of DLH"]
    listed = [doc.title for doc in documents.documents_for(start, end, pupr)]
    assert listed[:2] == ["SK on the last day", "SK of 2019"]
    assert "SOP of DLH" not in listed and "Website a day late" not in listed
    criteria = documents.indicator_27_criteria(start, end, pupr)
    assert [criterion.met for criterion in criteria] == [True, False, True, True, True]
    assert all(criterion.label and criterion.rule for criterion in criteria)


def test_the_register_shows_no_raw_values(app: Flask, cast: Cast) -> None:
    _document(
        DocumentKind.PERIODIC_REPORT.value,
        date(2026, 10, 31),
        title="Laporan Oktober",
        period_from=date(2026, 10, 1),
        period_to=date(2026, 10, 31),
    )
    page = signed_in(app, cast.admin.email).get(REGISTER, query_string=Q4).get_data(as_text=True)
    visible = re.sub(r"<[^>]+>", " ", page)
    for raw in ("periodic_report", "team_decree", "None", "True", "False", "2026-10-31"):
        assert raw not in visible, raw
    assert "1 Okt 2026 – 31 Okt 2026" in visible


def test_the_reports_dashboard_shows_the_document_criteria_before_the_supporting_facts(
    app: Flask, cast: Cast
) -> None:
    _document(
        DocumentKind.TEAM_DECREE.value,
        date(2026, 1, 5),
        title="SK Tim Pengelola Pengaduan PUPR",
        unit_id=unit("PUPR").id,
    )
    client = signed_in(app, cast.supervisor.email)
    page = client.get("/staff/reports", query_string={**Q4, "unit": "PUPR"}).get_data(as_text=True)
    block = page.split("Indikator 27")[1].split("Ketepatan tenggat")[0]
    assert "Terpenuhi oleh dokumen: 1 dari 5 kriteria." in block
    assert block.index("SK Tim Pengelola Pengaduan PUPR") < block.index("Fakta pendukung")
    assert "<table" in block.split("Fakta pendukung")[1]  # the usage signals, below
    assert "/staff/assessment/documents?" in block


def test_the_demo_register_meets_four_criteria_and_seeding_again_adds_nothing(
    app: Flask, cast: Cast
) -> None:
    from pypdf import PdfReader

    from complaints.assessment.documents_demo import seed_demo_documents

    assert seed_demo_documents() == 4
    assert seed_demo_documents() == 0
    client = signed_in(app, cast.supervisor.email)
    page = client.get(REGISTER).get_data(as_text=True)  # this quarter, the supervisor's unit
    assert page.count("criterion-met") == 4 and page.count("criterion-missing") == 1
    decree = db.session.scalars(
        select(AssessmentDocument).where(AssessmentDocument.kind == DocumentKind.TEAM_DECREE)
    ).one()
    pdf = client.get(f"{REGISTER}/{decree.id}/download").data
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Tim Pengelola Pengaduan" in text and "bukan dokumen resmi" in text


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def test_office_files_with_macros_or_of_another_kind_are_not_accepted() -> None:
    odt = {"mimetype": document_files.ODT, "content.xml": "<office:document-content/>"}
    docx = {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"}
    assert document_files.sniff_type(_zip(odt)) == document_files.ODT
    assert document_files.sniff_type(_zip(docx)) == document_files.DOCX
    assert document_files.sniff_type(_zip({**docx, "word/vbaProject.bin": "x"})) is None
    assert document_files.sniff_type(_zip({**odt, "Basic/Standard/Module1.xml": "x"})) is None
    assert document_files.sniff_type(_zip({"mimetype": "application/epub+zip"})) is None
    assert document_files.sniff_type(_zip({"readme.txt": "just a zip"})) is None
    assert document_files.sniff_type(b"PK\x03\x04 not really a zip") is None
