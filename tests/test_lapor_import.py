"""SP4N-LAPOR! and walk-in complaints registered by staff; the LAPOR! CSV import."""

from __future__ import annotations

import io
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from complaints.auth import create_user
from complaints.extensions import db
from complaints.models import Complaint, ComplaintEvent
from complaints.reports import lapor
from complaints.workflow import Actor
from tests.conftest import STAFF_PASSWORD, csrf_token_from
from tests.staff_helpers import signed_in

# Semicolons, a BOM, a quoted multi-line description, Indonesian headers.
EXPORT = (
    "\ufeffTracking ID;Judul;Isi Laporan;Kategori;Jenis;Nama Pelapor;No. HP;Anonim;Rahasia\n"
    "LPR-1001;Jalan rusak;Jalan desa Tapa berlubang besar sejak Januari.;road-damage;"
    "Pengaduan;Budi;081234567890;tidak;tidak\n"
    'LPR-1002;;"Sampah tidak diangkut\nsudah satu minggu di pasar.";Sampah dan kebersihan;'
    "aspirasi;;;ya;tidak\n"
    "LPR-1003;;Kategori yang tidak ada di daftar kami sama sekali.;Pertambangan;;;;;\n"
    "\n"
    "LPR-1004;;Pendek;waste;;;;;\n"
    ";;Tanpa nomor LAPOR tetapi isi cukup panjang.;waste;;;;;\n"
    "LPR-1005;;Mohon data anggaran desa tahun lalu.;;permintaan informasi;;;;ya\n"
)


def run_import(text: str = EXPORT) -> lapor.ImportResult:
    return lapor.import_lapor_csv(text, Actor.system("lapor-import"))


def test_good_rows_are_imported_and_bad_ones_reported_by_line(app_ctx: Flask) -> None:
    result = run_import()
    assert len(result.imported) == 3
    # LPR-1002's quoted description runs over lines 3 and 4; line 6 is blank.
    assert [line for line, _message in result.errors] == [5, 7, 8]
    messages = dict(result.errors)
    assert "Pertambangan" in messages[5]
    assert "10 karakter" in messages[7]  # the default locale is Indonesian
    assert "LAPOR! id" in messages[8]

    complaints = {c.lapor_id: c for c in db.session.scalars(select(Complaint))}
    assert set(complaints) == {"LPR-1001", "LPR-1002", "LPR-1005"}
    road = complaints["LPR-1001"]
    assert (road.channel, road.external_id, road.kind) == ("lapor", "LPR-1001", "complaint")
    assert road.description.startswith("Jalan rusak\n\nJalan desa Tapa")
    assert road.reporter is not None and road.reporter.phone == "+6281234567890"
    waste = complaints["LPR-1002"]
    assert (waste.category.code, waste.kind, waste.anonymous) == ("waste", "aspiration", True)
    assert waste.description == "Sampah tidak diangkut\nsudah satu minggu di pasar."
    info = complaints["LPR-1005"]
    assert (info.category.code, info.kind, info.confidential) == (
        "other",
        "information_request",
        True,
    )
    event = db.session.scalar(select(ComplaintEvent).where(ComplaintEvent.complaint_id == road.id))
    assert event is not None and event.actor_label == "lapor-import"


def test_importing_again_duplicates_nothing(app_ctx: Flask) -> None:
    first = run_import()
    again = run_import()
    assert again.imported == []
    assert sorted(code for _line, _id, code in again.duplicates) == sorted(first.imported)
    assert [line for line, _message in again.errors] == [5, 7, 8]
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 3


def test_a_file_without_the_required_columns_is_refused(app_ctx: Flask) -> None:
    import pytest

    with pytest.raises(lapor.ImportRefused, match="lapor_id"):
        run_import("Judul,Isi Laporan\nA,Keluhan yang cukup panjang sekali.\n")
    with pytest.raises(lapor.ImportRefused):
        run_import("")


def test_windows_1252_files_are_read() -> None:
    assert lapor.decode("Caf\u00e9;x".encode("cp1252")) == "Caf\u00e9;x"
    assert lapor.decode("\ufeffid;x".encode()) == "id;x"


def test_the_command_imports_and_exits_non_zero_on_bad_rows(app_ctx: Flask, tmp_path: Path) -> None:
    export = tmp_path / "lapor.csv"
    export.write_text(EXPORT, encoding="utf-8")
    result = app_ctx.test_cli_runner().invoke(args=["lapor", "import", str(export)])
    assert result.exit_code == 1
    assert '"imported": 3' in result.output and f"{export}:5:" in result.output
    assert (
        app_ctx.test_cli_runner().invoke(args=["lapor", "import", "/nonexistent.csv"]).exit_code
        != 0
    )


def _staff(app: Flask, email: str, role: str, unit: str | None) -> None:
    with app.app_context():
        create_user(email, role, STAFF_PASSWORD, unit_code=unit)
        db.session.commit()


def test_the_upload_form(app: Flask) -> None:
    _staff(app, "lead@bonebolangokab.go.id", "supervisor", "BAG-ORG")
    _staff(app, "desk@bonebolangokab.go.id", "officer", "DLH")
    officer = signed_in(app, "desk@bonebolangokab.go.id")
    assert officer.get("/staff/intake/lapor-import").status_code == 403

    client = signed_in(app, "lead@bonebolangokab.go.id")
    page = client.get("/staff/intake/lapor-import?lang=en").get_data(as_text=True)
    token = csrf_token_from(page)
    response = client.post(
        "/staff/intake/lapor-import",
        data={"csrf_token": token, "file": (io.BytesIO(EXPORT.encode()), "lapor.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "3 imported, 0 already there, 3 bad rows." in html
    assert "Pertambangan" in html


def test_a_walk_in_and_a_lapor_complaint_registered_at_the_desk(app: Flask) -> None:
    _staff(app, "desk@bonebolangokab.go.id", "officer", "DPMPTSP")  # the front office
    client = signed_in(app, "desk@bonebolangokab.go.id")
    form = client.get("/staff/intake").get_data(as_text=True)
    token = csrf_token_from(form)
    walk_in = {
        "csrf_token": token,
        "channel": "counter",
        "kind": "complaint",
        "category": "permits",
        "description": "Izin usaha saya belum keluar setelah dua bulan menunggu.",
        "name": "Ibu Rina",
        "submission_token": "desk-1",
    }
    assert client.post("/staff/intake", data=walk_in).status_code == 302
    assert client.post("/staff/intake", data=walk_in).status_code == 302  # double click
    no_id = {**walk_in, "channel": "lapor", "submission_token": "desk-2"}
    response = client.post("/staff/intake", data=no_id)
    assert response.status_code == 422 and "LAPOR! tracking id" in response.get_data(as_text=True)
    forwarded = {**no_id, "lapor_id": "LPR-9", "description": "Diteruskan dari LAPOR: izin lama."}
    assert client.post("/staff/intake", data=forwarded).status_code == 302
    assert (
        client.post("/staff/intake", data={**forwarded, "submission_token": "x"}).status_code == 302
    )

    with app.app_context():
        rows = db.session.execute(
            select(Complaint.channel, Complaint.lapor_id, Complaint.external_id).order_by(
                Complaint.id
            )
        ).all()
        assert [tuple(row) for row in rows] == [
            ("counter", None, "counter-desk-1"),
            ("lapor", "LPR-9", "LPR-9"),
        ]
        first = db.session.scalar(select(ComplaintEvent).order_by(ComplaintEvent.id))
        assert first is not None and first.actor_label == "staff" and first.actor_user_id
