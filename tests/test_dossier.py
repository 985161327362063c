"""The PEKPPP evidence dossier (issue 20 item 1): issued with a number, printed on A4, as a PDF.

A supervisor picks a quarter and signs as the letterhead's official; the
PDF is read back with pypdf: A4 pages, the letterhead, the number, the
indicators with their rules, the register's decree, the complaints in
words and no raw code. Numbers follow each other per year, also when two
dossiers are issued at once. The CLI writes the same PDF.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from pypdf import PageObject, PdfReader
from sqlalchemy import func, select

from complaints.assessment import dossier_numbers
from complaints.assessment.documents import NewDocument, add_document
from complaints.extensions import db
from complaints.models import Complaint, Letterhead, ReportRun
from tests.browser_helpers import ARTIFACTS
from tests.conftest import Cast, MakeComplaint, csrf_token_from, run_at_once
from tests.staff_helpers import signed_in

A4 = (595, 842)  # points
QUARTER = "2026-Q4"  # the clock stands on 25 Nov 2026
RAW = re.compile(
    r"road-damage|in_progress|\bclosed\b|\bresolved\b|\bverified\b|\blapor\b|\bwaste\b"
    r"|\d{4}-\d{2}-\d{2}|T\d{2}:\d{2}"
)


def logo_png() -> bytes:
    image = Image.new("RGB", (120, 140), "#1f5f3f")
    image.paste((240, 200, 40), (30, 30, 90, 110))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def office(app_ctx: Flask, cast: Cast, make_complaint: MakeComplaint) -> dict[str, Complaint]:
    """The letterhead, the team's decree in the register and complaints of two units."""
    db.session.add(
        Letterhead(
            id=1,
            government_name="PEMERINTAH KABUPATEN BONE BOLANGO",
            office_name="DINAS KOMUNIKASI, INFORMATIKA DAN PERSANDIAN",
            address="Jl. Prof. Dr. Ing. B.J. Habibie, Suwawa",
            phone="(0435) 123456",
            email="diskominfo@bonebolangokab.go.id",
            logo=logo_png(),
            logo_content_type="image/png",
            signer_name="Hamdan Datunsolang",
            signer_nip="19700101 199503 1 001",
            signer_position="Kepala Dinas Pekerjaan Umum dan Penataan Ruang",
            place="Suwawa",
            number_code="ADUAN",
        )
    )
    db.session.commit()
    add_document(
        NewDocument(
            kind="team_decree",
            title="SK Tim Pengelola Pengaduan PUPR",
            number="188.45/PUPR/12/2026",
            document_date=date(2026, 1, 5),
            content=b"%PDF-1.4\n%decree\n",
            filename="sk.pdf",
        ),
        cast.admin,
    )
    add_document(
        NewDocument(
            kind="other",
            title="Foto papan informasi pengaduan di loket",
            document_date=date(2026, 11, 2),
            content=b"%PDF-1.4\n%photo\n",
            filename="papan.pdf",
        ),
        cast.admin,
    )
    return {
        "closed": make_complaint(status="closed", channel="lapor", lapor_id="LPR-1"),
        "working": make_complaint(status="in_progress"),
        "secret": make_complaint(status="resolved", confidential=True),
        "rejected": make_complaint(status="rejected"),
        "waste": make_complaint(status="received", category_code="waste"),
    }


def issue(client: FlaskClient, output: str = "show", **fields: str) -> str:
    """Send the dossier form as it was shown (prefilled), with ``fields`` changed."""
    form = client.get("/staff/reports/dossier")
    assert form.status_code == 200
    html = form.get_data(as_text=True)
    data = {
        "csrf_token": csrf_token_from(html),
        "period": QUARTER,
        "unit": "PUPR",
        "signer_name": re.search(r'id="signer_name"[^>]*value="([^"]*)"', html)[1],  # type: ignore[index]
        "signer_nip": "19700101 199503 1 001",
        "signer_position": "Kepala Dinas",
        "place": "Suwawa",
        "sign_date": "2026-11-25",
        output: "1",
        **fields,
    }
    response = client.post("/staff/reports/dossier", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    return response.headers["Location"]


def pdf_text(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def squeezed(text: str) -> str:
    """Without white space: a phrase reads the same wherever a table cell wrapped it."""
    return re.sub(r"\s+", "", text)


def test_a_supervisor_issues_a_signed_ready_dossier_as_an_a4_pdf(
    app: Flask, cast: Cast, office: dict[str, Complaint]
) -> None:
    supervisor = signed_in(app, cast.supervisor.email)
    form = supervisor.get("/staff/reports/dossier").get_data(as_text=True)
    assert 'value="Hamdan Datunsolang"' in form and 'value="Suwawa"' in form  # the usual signer
    assert '<option selected value="PUPR">' in form or 'value="PUPR" selected' in form
    assert 'value="DLH"' not in form  # another unit is out of the supervisor's reach

    location = issue(supervisor, "pdf")
    assert "/staff/reports/dossier.pdf?run=" in location
    response = supervisor.get(location)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "berkas-bukti-001-ADUAN-XI-2026.pdf" in response.headers["Content-Disposition"]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "dossier.pdf").write_bytes(response.data)
    if shutil.which("pdftoppm"):  # pages as pictures, to look at
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", ARTIFACTS / "dossier.pdf", ARTIFACTS / "dossier-pdf"],
            check=True,
        )

    reader = PdfReader(io.BytesIO(response.data))
    for page in reader.pages:
        assert (round(page.mediabox.width), round(page.mediabox.height)) == A4
    text = pdf_text(reader)
    flat = " ".join(text.split())
    (ARTIFACTS / "dossier.txt").write_text(text)
    printed = squeezed(text)
    for phrase in [
        "PEMERINTAH KABUPATEN BONE BOLANGO",
        "Nomor: 001/ADUAN/XI/2026",
        "Triwulan IV 2026 (1 Oktober 2026 – 31 Desember 2026)",
        "Dinas Pekerjaan Umum dan Penataan Ruang",
        # Indicator 28: the LAPOR! complaint is completed; of the two others one is.
        "Melalui SP4N-LAPOR! 1 1 100,0 % 90 % atau lebih: nilai tertinggi",
        "Melalui kanal Aduan lainnya 2 1 50,0 %",
        "Cara pemberian skor 28",
        # Indicator 27: the decree meets its criterion; four wait for their documents.
        "SK Tim Pengelola Pengaduan PUPR, nomor 188.45/PUPR/12/2026, 5 Januari 2026",
        "Terpenuhi: 1 dari 5 kriteria.",
        "Foto papan informasi pengaduan di loket, 2 November 2026",
        # The complaints in words.
        "Jalan dan jembatan rusak Sedang ditangani",
        "25 Nov 2026",
        # The signature block.
        "Suwawa, 25 November 2026 Kepala Dinas Hamdan Datunsolang NIP 19700101 199503 1 001",
    ]:
        assert squeezed(phrase) in printed, phrase
    # A confidential complaint's code is shortened; DLH's complaint is not the unit's.
    assert office["closed"].code in flat and office["working"].code in flat
    assert office["secret"].code not in flat and office["secret"].code[:-4] in flat
    assert office["waste"].code not in flat
    assert RAW.search(flat) is None, RAW.search(flat)
    # Every line of text starts inside the page's margins (20 mm left, 15 mm right).
    left, right = 20 / 25.4 * 72 - 1, A4[0] - 15 / 25.4 * 72
    for page in reader.pages:
        starts = line_starts(page)
        assert starts and min(starts) > left and max(starts) < right


def line_starts(page: PageObject) -> list[float]:
    """Where on the page (points from the left edge) each piece of text begins."""
    starts: list[float] = []

    def note(text: str, cm: list[float], tm: list[float], *_rest: object) -> None:
        if text.strip():
            starts.append(tm[4] * cm[0] + tm[5] * cm[2] + cm[4])

    page.extract_text(visitor_text=note)
    return starts


def test_each_dossier_gets_the_next_number_and_its_page_keeps_it(
    app: Flask, cast: Cast, office: dict[str, Complaint]
) -> None:
    admin = signed_in(app, cast.admin.email)
    first = issue(admin, unit="")
    second = issue(admin, period="2026-11", unit="DLH")
    page = admin.get(first).get_data(as_text=True)
    assert "Nomor: 001/ADUAN/XI/2026" in page and "Seluruh kabupaten" in page
    assert "dossier.css" in page and "<thead>" in page
    again = admin.get(second).get_data(as_text=True)
    assert "Nomor: 002/ADUAN/XI/2026" in again and admin.get(second).get_data(as_text=True) == again
    assert "Sampah dan kebersihan" in again and "November 2026" in again
    assert [run.document_number for run in db.session.scalars(select(ReportRun))] == [
        "001/ADUAN/XI/2026",
        "002/ADUAN/XI/2026",
    ]
    # The old printable evidence leads to the dossier's form, with its period and unit.
    old = admin.get("/staff/reports/evidence?from=2026-10-01&to=2026-12-31&unit=DLH")
    assert old.status_code == 302
    form = admin.get(old.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<option selected value="2026-Q4">|value="2026-Q4" selected', form)
    assert re.search(r'<option selected value="DLH">|value="DLH" selected', form)

    # Who may see what: an officer nothing; a supervisor only their unit's dossiers.
    officer = signed_in(app, cast.officer_a.email)
    assert officer.get("/staff/reports/dossier").status_code == 403
    assert officer.get(first).status_code == 403
    supervisor = signed_in(app, cast.supervisor.email)
    assert supervisor.get(first).status_code == 403  # the regency's
    assert supervisor.get(second.replace("dossier?", "dossier.pdf?")).status_code == 403  # DLH's
    form_page = supervisor.get("/staff/reports/dossier").get_data(as_text=True)
    refused = supervisor.post(
        "/staff/reports/dossier",
        data={
            "csrf_token": csrf_token_from(form_page),
            "period": QUARTER,
            "unit": "DLH",
            "signer_name": "X",
            "signer_position": "Y",
            "place": "Z",
            "sign_date": "2026-11-25",
            "show": "1",
        },
    )
    assert refused.status_code == 400
    # Other dates without their days: the form comes back saying which field needs what.
    incomplete = supervisor.post(
        "/staff/reports/dossier",
        data={
            "csrf_token": csrf_token_from(form_page),
            "period": "custom",
            "start": "2026-10-01",
            "unit": "PUPR",
            "signer_name": "X",
            "signer_position": "Y",
            "place": "Z",
            "sign_date": "2026-11-25",
            "show": "1",
        },
    ).get_data(as_text=True)
    assert '<a href="#end">' in incomplete and "Isi hari pertama dan hari terakhir." in incomplete
    assert 'value="Z"' in incomplete  # the answers are kept
    assert db.session.scalar(select(func.count()).select_from(ReportRun)) == 2


def test_two_dossiers_issued_at_once_never_share_a_number(app: Flask) -> None:
    numbers: list[str] = []

    def issue_three() -> None:
        for _ in range(3):
            run = dossier_numbers.issue(None, date(2026, 10, 1), date(2026, 12, 31), None, "pdf")
            numbers.append(str(run.document_number))

    assert not run_at_once(app, issue_three)
    assert sorted(numbers) == [f"{n:03d}/ADUAN/XI/2026" for n in range(1, 7)]


def test_the_command_writes_the_pdf_and_refuses_bad_arguments(
    app_ctx: Flask, tmp_path: Path
) -> None:
    runner = app_ctx.test_cli_runner()
    out = tmp_path / "berkas.pdf"
    period = ["--from", "2026-10-01", "--to", "2026-12-31"]
    result = runner.invoke(
        args=["assessment", "dossier", *period, "--unit", "PUPR", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("001/ADUAN/XI/2026")
    text = squeezed(pdf_text(PdfReader(out)))
    assert (
        squeezed("Dinas Pekerjaan Umum dan Penataan Ruang") in text and "001/ADUAN/XI/2026" in text
    )

    for bad, message in [
        (["--from", "2026-13-01", "--to", "2026-12-31", "--out", str(out)], "not a date like"),
        (["--from", "2026-12-31", "--to", "2026-10-01", "--out", str(out)], "Akhir periode"),
        ([*period, "--unit", "NOPE", "--out", str(out)], "no unit has the code 'NOPE'"),
        ([*period, "--out", str(tmp_path / "berkas.html")], "FILE.pdf"),
    ]:
        refused = runner.invoke(args=["assessment", "dossier", *bad])
        assert refused.exit_code != 0 and message in refused.output, refused.output
    assert db.session.scalar(select(func.count()).select_from(ReportRun)) == 1
