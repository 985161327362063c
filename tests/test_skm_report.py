"""The SKM report (issue 20 item 3): page, follow-up plans, PDF, XLSX and CLI.

A hand-computed fixture of four respondents in November 2026 (unit PUPR), two
of whom skipped questions, and one in October for the comparison:

    element          answers            n   NRR     × 25    mutu
    requirements     4 3 4 3            4   3.50    87.50   B
    procedure        4 3 3 4            4   3.50    87.50   B
    timeliness       3 3 2 3            4   2.75    68.75   C   ← to improve
    cost             3 – 4 –            2   3.50    87.50   B
    product          4 3 3 4            4   3.50    87.50   B
    competence       4 4 3 4            4   3.75    93.75   A
    conduct          4 4 4 4            4   4.00   100.00   A
    facilities       2 – 2 3            3   2.333   58.33   D   ← to improve
    complaints       3 3 4 3            4   3.25    81.25   B   ← to improve (3rd lowest)

    Σ NRR = 361/12; IKM = 361/12 × 1/9 × 25 = 9025/108 = 83.56 (B).
    October: one respondent answering 3 everywhere → 75.00 (C); change +8.56.
"""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select

from complaints import workflow
from complaints.extensions import db
from complaints.ikm import ELEMENT_NAMES
from complaints.models import ReportRun, SkmFollowUp
from tests.conftest import Cast, MakeComplaint, csrf_token_from
from tests.staff_helpers import signed_in

NOVEMBER = "from=2026-11-01&to=2026-11-30&unit=PUPR"
ANSWERS = [
    (4, 4, 3, 3, 4, 4, 4, 2, 3),
    (3, 3, 3, None, 3, 4, 4, None, 3),
    (4, 3, 2, 4, 3, 3, 4, 2, 4),
    (3, 4, 3, None, 4, 4, 4, 3, 3),
]
PROFILES = [
    {"respondent_sex": "female", "respondent_age": "30_39"},
    {"respondent_sex": "male", "respondent_occupation": "farmer_fisher"},
    {"respondent_sex": "female"},
    {},
]


def rated(make_complaint: MakeComplaint) -> None:
    """The fixture: four November respondents (PUPR) and one in October."""
    for answers, profile in zip(ANSWERS, PROFILES, strict=True):
        complaint = make_complaint(status="resolved")  # road damage: PUPR
        workflow.rate_complaint(
            complaint, dict(zip(ELEMENT_NAMES, answers, strict=True)), profile=profile
        )
    october = make_complaint(status="resolved")
    workflow.rate_complaint(
        october, dict.fromkeys(ELEMENT_NAMES, 3), now=datetime(2026, 10, 15, 2, tzinfo=UTC)
    )
    workflow.commit()


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def row_of(text: str, label: str) -> str:
    """The words of the element table's row that starts with ``label``."""
    found = re.search(re.escape(label) + r"[^A-Z]*", text)
    assert found is not None, f"no row for {label}"
    return found.group(0)


def test_the_page_shows_the_hand_computed_figures(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    rated(make_complaint)
    response = signed_in(app, cast.supervisor.email).get(f"/staff/reports/skm?{NOVEMBER}")
    assert response.status_code == 200
    text = text_of(response.get_data(as_text=True))
    assert "Indeks Kepuasan Masyarakat (IKM) 83,56" in text
    assert "Responden 4" in text
    # n, NRR, NRR × 1/9, × 25, mutu, kinerja; skipped answers left out of n.
    assert "Biaya/tarif 2 3,50 0,389 87,50 B Baik" in text
    assert "Sarana dan prasarana (perlu perbaikan) 3 2,33 0,259 58,33 D Tidak baik" in text
    assert "Waktu pelayanan (perlu perbaikan) 4 2,75 0,306 68,75 C Kurang baik" in text
    assert "Penanganan pengaduan, saran, dan masukan (perlu perbaikan)" in text
    assert "Persyaratan (perlu perbaikan)" not in text
    # Profile: two women, one man, one left out of four.
    assert "Jenis kelamin Laki-laki 1 25,0 % Perempuan 2 50,0 % Tidak diisi 1 25,0 %" in text
    assert "Pekerjaan" in text and "Petani/nelayan 1 25,0 %" in text
    # Previous month: one respondent, all 3 → 75.00; the index moved by +8.56.
    assert "Indeks Kepuasan Masyarakat (IKM) 75,00 (C) 83,56 (B) +8,56" in text
    assert "1 Okt 2026 – 31 Okt 2026" in text
    for code in ("facilities", "complaint_handling", "female", "30_39"):
        assert code not in text


def test_a_follow_up_plan_is_saved_shown_and_exported(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    rated(make_complaint)
    supervisor = signed_in(app, cast.supervisor.email)
    page = supervisor.get(f"/staff/reports/skm?{NOVEMBER}").get_data(as_text=True)
    assert page.count('name="plan"') == 3  # one form per element to improve
    plan = "Menambah kursi tunggu dan papan informasi di loket pengaduan, Maret 2027."
    saved = supervisor.post(
        f"/staff/reports/skm/follow-up?{NOVEMBER}",
        data={"csrf_token": csrf_token_from(page), "element": "facilities", "plan": plan},
    )
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith("#plan-facilities")
    shown = text_of(supervisor.get(saved.headers["Location"]).get_data(as_text=True))
    assert "Rencana tindak lanjut disimpan." in shown and plan in shown
    assert "Ditulis oleh charlie" in shown
    stored = db.session.scalars(select(SkmFollowUp)).all()
    assert [(row.element, row.plan, row.unit_id is not None) for row in stored] == [
        ("facilities", plan, True)
    ]
    # The same plan is in the workbook's "Tindak lanjut" sheet and in the PDF.
    book = load_workbook(io.BytesIO(supervisor.get(f"/staff/reports/skm.xlsx?{NOVEMBER}").data))
    assert plan in [cell for row in book["Tindak lanjut"].values for cell in row]
    pdf = supervisor.get(f"/staff/reports/skm.pdf?{NOVEMBER}").data
    assert "Menambah kursi tunggu" in pdf_text(pdf)
    # Another period has no plan.
    other = supervisor.get("/staff/reports/skm?from=2026-10-01&to=2026-10-31&unit=PUPR")
    assert plan not in other.get_data(as_text=True)


def test_the_workbook_has_one_sheet_per_table_with_numbers(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    rated(make_complaint)
    response = signed_in(app, cast.admin.email).get(f"/staff/reports/skm.xlsx?{NOVEMBER}")
    assert (
        response.status_code == 200
        and "laporan-skm-2026-11-01" in response.headers["Content-Disposition"]
    )
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Unsur", "Responden", "Tindak lanjut", "Perbandingan"]
    elements = book["Unsur"]
    headers = [cell.value for cell in elements[5]]
    assert headers[:6] == [
        "No.",
        "Unsur pelayanan",
        "Jawaban",
        "Nilai rata-rata (NRR)",
        "NRR tertimbang (× 1/9)",
        "Nilai konversi (× 25)",
    ]
    rows = {row[1].value: row for row in elements.iter_rows(min_row=6) if row[1].value}
    facilities = rows["Sarana dan prasarana"]
    assert facilities[2].value == 3 and isinstance(facilities[3].value, float)
    assert round(facilities[3].value, 4) == 2.3333 and facilities[3].number_format == "0.00"
    assert facilities[6].value == "D"
    ikm = rows["Indeks Kepuasan Masyarakat (IKM)"]
    assert ikm[5].value == 83.56 and ikm[5].number_format == "0.00"
    profile = [row for row in book["Responden"].iter_rows(min_row=6, values_only=True)]
    assert ("Jenis kelamin", "Perempuan", 2, 0.5) in profile
    comparison = {
        row[0]: row[1:] for row in book["Perbandingan"].iter_rows(min_row=6, values_only=True)
    }
    assert comparison["Indeks Kepuasan Masyarakat (IKM)"] == (75.0, 83.56, 8.56)
    assert comparison["Responden"] == (1, 4, 3)
    everything = [c for sheet in book for row in sheet.values for c in row if isinstance(c, str)]
    assert not any(code in everything for code in ("facilities", "female", "farmer_fisher"))
    run = db.session.scalar(select(ReportRun).where(ReportRun.kind == "skm"))
    assert run is not None and run.format == "xlsx"


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_the_pdf_holds_the_index_and_the_elements(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    rated(make_complaint)
    response = signed_in(app, cast.supervisor.email).get(f"/staff/reports/skm.pdf?{NOVEMBER}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "83,56" in text and "Sarana dan prasarana" in text
    assert "LAPORAN SURVEI KEPUASAN MASYARAKAT" in text.upper()
    Path("test-artifacts").mkdir(exist_ok=True)
    Path("test-artifacts/skm-report.pdf").write_bytes(response.data)


def test_the_cli_writes_both_formats_and_refuses_a_bad_date(
    app: Flask, make_complaint: MakeComplaint, tmp_path: Path
) -> None:
    rated(make_complaint)
    runner = app.test_cli_runner()
    for output in ("xlsx", "pdf"):
        out = tmp_path / f"skm.{output}"
        result = runner.invoke(
            args=[
                "assessment", "skm", "--from", "2026-11-01", "--to", "2026-11-30",
                "--unit", "PUPR", "--format", output, "--out", str(out),
            ]
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert "4 respondents" in result.output and out.stat().st_size > 1000
    assert load_workbook(tmp_path / "skm.xlsx").sheetnames[0] == "Unsur"
    assert "83,56" in pdf_text((tmp_path / "skm.pdf").read_bytes())
    runs = db.session.scalar(select(func.count()).where(ReportRun.kind == "skm"))
    assert runs == 2
    bad = runner.invoke(
        args=[
            "assessment", "skm", "--from", "2026-13-01", "--to", "2026-11-30",
            "--format", "pdf", "--out", str(tmp_path / "bad.pdf"),
        ]
    )  # fmt: skip
    assert bad.exit_code != 0 and "is not a date" in bad.output
    assert not (tmp_path / "bad.pdf").exists()
    unknown = runner.invoke(
        args=[
            "assessment", "skm", "--from", "2026-11-01", "--to", "2026-11-30",
            "--unit", "NOPE", "--format", "xlsx", "--out", str(tmp_path / "x.xlsx"),
        ]
    )  # fmt: skip
    assert unknown.exit_code != 0 and "NOPE" in unknown.output


def test_officers_are_refused_and_a_supervisor_sees_only_their_unit(
    app: Flask, cast: Cast, client: FlaskClient
) -> None:
    officer = signed_in(app, cast.officer_a.email)
    for path in ("/staff/reports/skm", "/staff/reports/skm.pdf", "/staff/reports/skm.xlsx"):
        assert officer.get(f"{path}?{NOVEMBER}").status_code == 403
    supervisor = signed_in(app, cast.supervisor.email)
    assert (
        supervisor.get("/staff/reports/skm?from=2026-11-01&to=2026-11-30&unit=DLH").status_code
        == 403
    )
    own = supervisor.get("/staff/reports/skm?from=2026-11-01&to=2026-11-30")
    assert own.status_code == 200
    assert "Belum ada jawaban survei dalam periode ini." in own.get_data(as_text=True)
    bad = supervisor.get("/staff/reports/skm?from=2026-11-31")
    assert bad.status_code == 400 and "bukan tanggal" in bad.get_data(as_text=True)
