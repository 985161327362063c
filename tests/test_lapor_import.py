"""The SP4N-LAPOR! import: the real export's shape (.xlsx with a title row, semicolon CSV),
--history, --create-units, --dry-run, the summary, idempotency; the import page.

The fixtures are written here with openpyxl in the admin export's layout, with
every value variant the export has: dates as text ("18 Jan 2024", "03 Okt
2024"), as a date cell and in ISO; every classification, privacy type and
status family; unit names spelled with "Kab." and through an alias.
"""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import Workbook
from sqlalchemy import func, select

from complaints import lapor, metrics
from complaints.auth import create_user
from complaints.extensions import db
from complaints.intake import submit_complaint
from complaints.lapor import ImportOptions
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    OutboundMessage,
    Unit,
    UnitAlias,
)
from complaints.workflow import Actor
from tests.conftest import DEFAULT_NOW, STAFF_PASSWORD, category, csrf_token_from, unit
from tests.staff_helpers import signed_in
from tests.test_staff_no_raw_values import raw_values

HEADERS = [
    "Tracking ID",
    "Tanggal Laporan Masuk",
    "Waktu Laporan Masuk",
    "Klasifikasi Laporan",
    "ID Kategori",
    "Kategori",
    "Judul Laporan",
    "Isi Laporan Awal",
    "Isi Laporan Akhir",
    "Tipe Laporan (Anonim/Rahasia)",
    "Sumber Laporan",
    "Instansi Induk",
    "ID Instansi Terdisposisi",
    "Instansi Terdisposisi",
    "Status Laporan",
    "Alasan Tunda/Arsip",
    "Provinsi",
    "Kota/Kabupaten",
    "Kecamatan",
    "Kelurahan",
]
PARENT = "Pemerintah Kabupaten Bone Bolango"
ROAD_TITLE = "Jalan poros Talulobutu berlubang"
ROAD_TEXT = (
    ROAD_TITLE + "Jalan poros desa Talulobutu berlubang besar sejak Desember, sudah dua"
    " pengendara motor jatuh di depan SD Negeri 1 Tapa."
)
BPBD = "Badan Penanggulangan Bencana Daerah Kab. Bone Bolango"
# fmt: off
ROWS: list[list[object]] = [
    # row 4: closed by the system, anonymous and confidential, unit by name with "Kab." and "Dan"
    ["4001", "18 Jan 2024", "14:05:33", "Pengaduan Berkadar Pengawasan", "12",
     "Infrastruktur", ROAD_TITLE, ROAD_TEXT,
     "Jalan sudah ditambal oleh Dinas PUPR pada 2 Februari 2024.", "Anonim|Rahasia", "Website",
     PARENT, "88001", "Dinas Pekerjaan Umum Dan Penataan Ruang Kab. Bone Bolango",
     "Ditutup oleh Sistem", "", "Gorontalo", "Kab. Bone Bolango", "Kec. Tapa", "Desa Talulobutu"],
    # row 5: a date cell and a time cell, an aspiration archived, unit through an alias
    ["4002", date(2024, 8, 5), time(9, 30), "Aspirasi", "31", "Sampah dan Kebersihan",
     "Tambah bak sampah di pasar", "Tambah bak sampah di pasarMohon ditambah bak sampah di"
     " Pasar Kabila karena sampah menumpuk tiap hari Sabtu.", "", "Biasa", "SMS 1708",
     PARENT, "88002", "Dinas LH Kab. Bone Bolango", "Diarsipkan oleh Admin",
     "Laporan ganda dengan laporan lain", "Gorontalo", "Kab. Bone Bolango", "Kabila", ""],
    # row 6: an information request waiting for information, Indonesian month, confidential
    ["4003", "03 Okt 2024", "08:15", "Permintaan Informasi", "40",
     "Permintaan informasi publik", "Data penerima bantuan", "Data penerima bantuanSaya"
     " meminta daftar penerima bantuan sosial Desa Langge tahun 2024.", "", "Rahasia",
     "Aplikasi Mobile", PARENT, "88003",
     "Dinas Komunikasi dan Informatika Kabupaten Bone Bolango",
     "Menunggu Kelengkapan Informasi", "", "Gorontalo", "Kab. Bone Bolango", "Tapa", "Langge"],
    # row 7: ISO date, a LAPOR! category we do not have, a unit we do not have, not verified
    ["4004", "2024-12-02", "16:45:00", "Pengaduan Tidak Berkadar Pengawasan", "77",
     "Penanggulangan Bencana", "Tanggul sungai retak", "Tanggul sungai retakTanggul Sungai"
     " Bone di Desa Huluduotamo retak sepanjang lima meter, warga khawatir banjir.", "",
     "Anonim", "Website", PARENT, "88004", BPBD, "Belum Terverifikasi", "", "Gorontalo",
     "Kab. Bone Bolango", "Suwawa", "Huluduotamo"],
    # row 8: a date that does not exist
    ["4005", "31 Feb 2024", "10:00", "Pengaduan Berkadar Pengawasan", "12", "Infrastruktur",
     "Lampu jalan mati", "Lampu jalanLampu jalan mati di Jalan Poowo.", "", "Biasa",
     "Website", PARENT, "88001", "Dinas Perhubungan", "Ditutup oleh Pelapor", "", "", "", "",
     ""],
    # row 9: "Des", followed up, unit named with the regency
    ["4006", "10 Des 2024", "07:00", "Pengaduan Berkadar Pengawasan", "20", "Kesehatan",
     "Obat kosong di puskesmas", "Obat kosong di puskesmasObat hipertensi kosong sejak dua"
     " minggu di Puskesmas Suwawa.", "", "Biasa", "Website", PARENT, "88005",
     "Dinas Kesehatan Kab. Bone Bolango", "Ditindaklanjuti", "", "Gorontalo",
     "Kab. Bone Bolango", "Suwawa", ""],
    # row 10: the first report again (exports overlap)
    ["4001", "18 Jan 2024", "14:05:33", "Pengaduan Berkadar Pengawasan", "12",
     "Infrastruktur", ROAD_TITLE, ROAD_TEXT, "", "Anonim|Rahasia", "Website", PARENT, "88001",
     "Dinas Pekerjaan Umum Dan Penataan Ruang Kab. Bone Bolango", "Ditutup oleh Sistem", "",
     "Gorontalo", "Kab. Bone Bolango", "Tapa", "Talulobutu"],
]
# fmt: on
BAD_ROW = 8


def export_xlsx(rows: list[list[object]] = ROWS) -> bytes:
    """The admin export: a title row, an empty row, the header row, the reports."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Data Laporan SP4N-LAPOR! Kabupaten Bone Bolango"])
    sheet.append([])
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def export_csv(rows: list[list[object]]) -> bytes:
    """The same columns as a semicolon CSV (Excel's habit in Indonesia), with a BOM."""
    lines = [";".join(HEADERS)]
    lines += [
        ";".join(f'"{value}"' if ";" in str(value) else str(value) for value in row) for row in rows
    ]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def dlh_alias() -> None:
    db.session.add(
        UnitAlias(
            unit_id=unit("DLH").id,
            alias="Dinas LH Kabupaten Bone Bolango",
            normalized="dinas lh kabupaten bone bolango",
        )
    )
    db.session.commit()


def run_history(data: bytes | None = None, **options: bool) -> lapor.ImportSummary:
    return lapor.import_file(
        data if data is not None else export_xlsx(),
        "laporan.xlsx",
        ImportOptions(history=True, **options),
        Actor.system("lapor-import"),
    )


def by_lapor_id() -> dict[str, Complaint]:
    return {c.lapor_id or "": c for c in db.session.scalars(select(Complaint))}


def count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_history_from_the_xlsx_export(app_ctx: Flask) -> None:
    dlh_alias()
    summary = run_history()
    assert summary.as_json() == {
        "rows": 7,
        "imported": 5,
        "already_present": 1,
        "units_created": 0,
        "unmatched_units": [BPBD],
        "errors": [{"row": BAD_ROW, "message": summary.errors[0][1]}],
    }
    assert "31 Feb 2024" in summary.errors[0][1]

    found = by_lapor_id()
    assert set(found) == {"4001", "4002", "4003", "4004", "4006"}
    road = found["4001"]
    # 14:05:33 WIB is 07:05:33 UTC; every later step is stamped at that instant.
    received = datetime(2024, 1, 18, 7, 5, 33, tzinfo=UTC)
    assert (road.created_at, road.verified_at, road.resolved_at, road.closed_at) == (
        received,
        received,
        received,
        received,
    )
    assert (road.status, road.kind, road.channel, road.external_id) == (
        "closed",
        "complaint",
        "lapor",
        "4001",
    )
    assert road.unit is not None and road.unit.code == "PUPR"
    assert road.routed_by == "history"
    assert (road.anonymous, road.confidential) == (True, True)
    assert road.title == ROAD_TITLE and road.description == ROAD_TEXT
    assert road.resolution == "Jalan sudah ditambal oleh Dinas PUPR pada 2 Februari 2024."
    assert (road.kecamatan, road.desa) == ("Tapa", "Talulobutu")
    assert road.category.code == "other"  # LAPOR!'s "Infrastruktur" is not one of ours
    assert road.citizen_confirmed is None  # closed by the system, not by the citizen
    for deadline in ("verify_due_at", "response_due_at", "resolve_due_at", "confirm_due_at"):
        assert getattr(road, deadline) is None
    assert road.next_action_at is None

    market = found["4002"]
    assert market.created_at == datetime(2024, 8, 5, 2, 30, tzinfo=UTC)
    assert (market.kind, market.category.code, market.status) == (
        "aspiration",
        "waste",
        "rejected",
    )
    assert market.rejection_reason == "Laporan ganda dengan laporan lain"
    assert market.unit is not None and market.unit.code == "DLH"  # through its alias
    assert (market.anonymous, market.confidential) == (False, False)
    assert market.kecamatan == "Kabila" and market.desa is None

    request = found["4003"]
    assert request.created_at == datetime(2024, 10, 3, 1, 15, tzinfo=UTC)
    assert (request.kind, request.category.code, request.status) == (
        "information_request",
        "public-information",
        "received",
    )
    assert (request.anonymous, request.confidential) == (False, True)
    assert request.unit is not None and request.unit.code == "DISKOMINFO"
    assert (request.verify_due_at, request.next_action_at) == (None, None)

    dam = found["4004"]
    assert dam.created_at == datetime(2024, 12, 2, 9, 45, tzinfo=UTC)
    assert (dam.status, dam.unit_id, dam.routed_by) == ("received", None, None)
    assert (dam.anonymous, dam.confidential) == (True, False)
    assert (dam.kecamatan, dam.desa) == ("Suwawa", "Huluduotamo")

    medicine = found["4006"]
    assert medicine.created_at == datetime(2024, 12, 10, 0, 0, tzinfo=UTC)
    assert medicine.status == "in_progress" and medicine.first_response_at == medicine.created_at
    assert medicine.unit is not None and medicine.unit.code == "DINKES"

    # Nothing is sent to anyone, and the SLA sweep finds nothing to do.
    assert count(OutboundMessage) == 0
    sweep = app_ctx.test_cli_runner().invoke(args=["sla", "sweep"])
    assert sweep.exit_code == 0 and json.loads(sweep.output)["due"] == 0
    events = db.session.scalars(
        select(ComplaintEvent).where(ComplaintEvent.complaint_id == road.id)
    ).all()
    assert [(e.kind, e.to_status, e.at, e.actor_label) for e in events] == [
        ("status", "received", received, "lapor-import"),
        ("lapor_history", "closed", received, "lapor-import"),
    ]


def test_history_counts_in_its_own_period(app_ctx: Flask) -> None:
    run_history()
    january = metrics.report(date(2024, 1, 1), date(2024, 1, 31), fresh=True)
    assert (january["totals"]["received"], january["totals"]["completed"]) == (1, 1)
    assert january["indicator_28"]["received_lapor"] == 1
    assert january["indicator_28"]["completed_lapor"] == 1
    now = metrics.report(DEFAULT_NOW.date(), DEFAULT_NOW.date(), fresh=True)
    assert now["totals"]["received"] == 0


def test_importing_again_creates_nothing_twice(app_ctx: Flask) -> None:
    run_history()
    before = (count(Complaint), count(ComplaintEvent))
    again = run_history()
    assert (again.imported, again.already_present, again.rows) == (0, 6, 7)
    assert [row for row, _message in again.errors] == [BAD_ROW]
    assert (count(Complaint), count(ComplaintEvent)) == before


def test_a_dry_run_reports_the_same_and_writes_nothing(app_ctx: Flask) -> None:
    units_before = count(Unit)
    dry = run_history(dry_run=True, create_units=True)
    assert dry.as_json()["imported"] == 5 and dry.as_json()["units_created"] == 2
    assert (count(Complaint), count(ComplaintEvent), count(Unit)) == (0, 0, units_before)
    assert count(UnitAlias) == 0
    real = run_history(create_units=True)
    assert real.as_json() == dry.as_json()


def test_missing_units_are_created_with_lapors_spelling_as_alias(app_ctx: Flask) -> None:
    dlh_alias()
    summary = run_history(create_units=True)
    assert (summary.as_json()["units_created"], summary.unmatched_units) == (1, [])
    created = db.session.scalar(select(Unit).where(Unit.code == "BPBD"))
    assert created is not None and created.name == "Badan Penanggulangan Bencana Daerah"
    aliases = db.session.scalars(select(UnitAlias).where(UnitAlias.unit_id == created.id))
    assert [alias.alias for alias in aliases] == [BPBD]
    assert by_lapor_id()["4004"].unit_id == created.id


def test_a_unit_added_after_the_first_import_is_filled_in(app_ctx: Flask) -> None:
    first = run_history()
    assert first.unmatched_units == ["Dinas LH Kab. Bone Bolango", BPBD]
    runner = app_ctx.test_cli_runner()
    created = runner.invoke(
        args=["units", "create", "BPBD", "--name", "Badan Penanggulangan Bencana Daerah"]
    )
    assert created.exit_code == 0, created.output
    again = run_history()
    assert again.unmatched_units == ["Dinas LH Kab. Bone Bolango"]
    dam = by_lapor_id()["4004"]
    db.session.refresh(dam)
    assert dam.unit is not None and dam.unit.code == "BPBD" and dam.routed_by == "history"


def test_new_reports_from_a_semicolon_csv(app_ctx: Flask) -> None:
    rows = [ROWS[0], ROWS[3]]
    summary = lapor.import_file(
        export_csv(rows), "laporan.csv", ImportOptions(), Actor.system("lapor-import")
    )
    assert summary.as_json() == {
        "rows": 2,
        "imported": 2,
        "already_present": 0,
        "units_created": 0,
        "unmatched_units": [],
        "errors": [],
    }
    road = by_lapor_id()["4001"]
    # A new forwarded report: received now, routed and timed like any other complaint.
    assert (road.status, road.created_at, road.routed_by) == ("received", DEFAULT_NOW, None)
    assert road.unit is not None and road.unit.code == "BAG-ORG"  # "Lainnya"'s unit
    assert (road.anonymous, road.confidential) == (True, True)
    assert road.description == ROAD_TEXT and road.title == ROAD_TITLE
    same = submit_complaint(
        channel="web", category=category("other"), description="Pembanding tenggat waktu."
    ).complaint
    assert (road.verify_due_at, road.next_action_at) == (same.verify_due_at, same.next_action_at)
    assert count(OutboundMessage) == 0  # the export has no contact to answer


def test_the_older_csv_layout_is_still_read(app_ctx: Flask) -> None:
    text = (
        "Tracking ID,Judul,Isi Laporan,Kategori,Jenis,Nama Pelapor,No. HP,Anonim,Rahasia\n"
        "LPR-1,Jalan rusak,Jalan desa Tapa berlubang besar.,road-damage,Pengaduan,Budi,"
        "081234567890,tidak,tidak\n"
        "LPR-2,,Caf\u00e9 di pasar membuang limbah ke selokan.,Pencemaran lingkungan,aspirasi,"
        ",,ya,tidak\n"
    )
    summary = lapor.import_file(
        text.encode("cp1252"), "lama.csv", ImportOptions(), Actor.system("lapor-import")
    )
    assert (summary.imported, summary.errors) == (2, [])
    found = by_lapor_id()
    road, waste = found["LPR-1"], found["LPR-2"]
    assert (road.category.code, road.kind, road.title) == (
        "road-damage",
        "complaint",
        "Jalan rusak",
    )
    assert road.reporter is not None and road.reporter.phone == "+6281234567890"
    assert waste.description.startswith("Caf\u00e9") and waste.anonymous
    assert (waste.category.code, waste.kind) == ("pollution", "aspiration")
    # A reporter with a phone is acknowledged, as from any channel.
    assert count(OutboundMessage) == 1


def test_the_command(app_ctx: Flask, tmp_path: Path) -> None:
    dlh_alias()
    export = tmp_path / "laporan.xlsx"
    export.write_bytes(export_xlsx())
    runner = app_ctx.test_cli_runner()
    dry = runner.invoke(args=["lapor", "import", str(export), "--history", "--dry-run"])
    summary = json.loads(dry.stdout)
    assert summary["imported"] == 5 and summary["unmatched_units"] == [BPBD]
    assert dry.exit_code == 1 and f"{export}:{BAD_ROW}:" in dry.stderr
    assert count(Complaint) == 0

    done = runner.invoke(args=["lapor", "import", str(export), "--history", "--create-units"])
    assert json.loads(done.stdout)["units_created"] == 1 and count(Complaint) == 5
    refused = runner.invoke(args=["lapor", "import", str(export), "--create-units"])
    assert refused.exit_code == 2 and "--history" in refused.output
    assert runner.invoke(args=["lapor", "import", "/nonexistent.xlsx"]).exit_code == 2
    headless = tmp_path / "kosong.csv"
    headless.write_text("Judul;Isi\nA;Keluhan tanpa nomor\n", encoding="utf-8")
    refused = runner.invoke(args=["lapor", "import", str(headless)])
    assert refused.exit_code == 2 and "Tracking ID" in refused.output


def test_flask_units_list_and_create(app_ctx: Flask) -> None:
    runner = app_ctx.test_cli_runner()
    created = runner.invoke(
        args=[
            "units",
            "create",
            "DAMKAR",
            "--name",
            "Dinas Pemadam Kebakaran",
            "--alias",
            "Damkar Kab. Bone Bolango",
            "--alias",
            "Pemadam Kebakaran",
        ]
    )
    assert created.exit_code == 0, created.output
    listed = json.loads(runner.invoke(args=["units", "list"]).output)
    damkar = next(entry for entry in listed if entry["code"] == "DAMKAR")
    assert damkar == {
        "code": "DAMKAR",
        "name": "Dinas Pemadam Kebakaran",
        "aliases": ["Damkar Kab. Bone Bolango", "Pemadam Kebakaran"],
        "active": True,
    }
    assert {"code", "name", "aliases", "active"} == set(listed[0])

    for args, words in (
        (["DAMKAR", "--name", "Lagi"], "DAMKAR"),
        (["bad code", "--name", "Unit"], "code"),
        (["BARU", "--name", "Unit Baru", "--alias", "damkar kabupaten bone-bolango"], "Pemadam"),
        (["BARU2", "--name", "Unit Baru", "--alias", "Dinas Kesehatan"], "Dinas Kesehatan"),
    ):
        refused = runner.invoke(args=["units", "create", *args])
        assert refused.exit_code == 2, args
        assert words in refused.output, refused.output
    assert runner.invoke(args=["units", "create", "X1"]).exit_code == 2  # --name is required


def _staff(app: Flask, email: str, role: str, unit_code: str | None) -> None:
    with app.app_context():
        create_user(email, role, STAFF_PASSWORD, unit_code=unit_code)
        db.session.commit()


def test_admins_edit_a_units_aliases(app: Flask) -> None:
    _staff(app, "admin@bonebolangokab.go.id", "admin", None)
    admin = signed_in(app, "admin@bonebolangokab.go.id")
    with app.app_context():
        pupr_id, dlh_id = unit("PUPR").id, unit("DLH").id
    page = admin.get(f"/staff/admin/units/{pupr_id}?lang=en").get_data(as_text=True)
    assert "Other names (one per line)" in page
    form = {
        "csrf_token": csrf_token_from(page),
        "code": "PUPR",
        "name": "Dinas Pekerjaan Umum dan Penataan Ruang",
        "parent": "",
        "active": "y",
        "aliases": "Dinas PUPR Kab. Bone Bolango\n\n  Dinas PU  \n",
    }
    assert admin.post(f"/staff/admin/units/{pupr_id}", data=form).status_code == 302
    page = admin.get(f"/staff/admin/units/{pupr_id}").get_data(as_text=True)
    assert "Dinas PUPR Kab. Bone Bolango\nDinas PU</textarea>" in page

    taken = {**form, "code": "DLH", "name": "Dinas Lingkungan Hidup"}
    taken["aliases"] = "dinas pupr kabupaten bone bolango"
    response = admin.post(f"/staff/admin/units/{dlh_id}", data=taken)
    assert response.status_code == 422
    assert "Dinas Pekerjaan Umum dan Penataan Ruang" in response.get_data(as_text=True)
    with app.app_context():
        assert [a.unit_id for a in db.session.scalars(select(UnitAlias))] == [pupr_id, pupr_id]


def test_the_import_page_previews_then_imports(app: Flask) -> None:
    _staff(app, "lead@bonebolangokab.go.id", "supervisor", "BAG-ORG")
    _staff(app, "admin@bonebolangokab.go.id", "admin", None)
    _staff(app, "desk@bonebolangokab.go.id", "officer", "DLH")
    assert (
        signed_in(app, "desk@bonebolangokab.go.id").get("/staff/intake/lapor-import").status_code
        == 403
    )

    lead = signed_in(app, "lead@bonebolangokab.go.id")
    page = lead.get("/staff/intake/lapor-import?lang=en").get_data(as_text=True)
    assert "Create the units that are missing" not in page  # an admin's choice
    upload = {"csrf_token": csrf_token_from(page), "history": "y", "preview": "Preview"}
    response = lead.post(
        "/staff/intake/lapor-import",
        data={**upload, "file": (io.BytesIO(export_xlsx()), "laporan.xlsx")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Preview: nothing has been imported yet" in html
    assert "7 rows read: 5 would be imported, 1 are already here, 1 cannot be imported." in html
    assert "Jan 18, 2024 3:05\u202fPM WITA" in html or "Jan 18, 2024 3:05 PM WITA" in html
    assert "Dinas Pekerjaan Umum dan Penataan Ruang" in html and "Closed" in html
    assert "anonymous, confidential" in html and "Information request" in html
    assert f"<td>{BAD_ROW}</td>" in html and "31 Feb 2024" in html
    assert BPBD in html  # listed as a unit not found
    with app.app_context():
        assert count(Complaint) == 0

    del upload["preview"]
    response = lead.post(
        "/staff/intake/lapor-import",
        data={**upload, "submit": "Import", "file": (io.BytesIO(export_xlsx()), "laporan.xlsx")},
        content_type="multipart/form-data",
    )
    assert "Import done" in response.get_data(as_text=True)
    with app.app_context():
        assert count(Complaint) == 5 and count(OutboundMessage) == 0

    with app.app_context():
        category_codes = set(db.session.scalars(select(Category.code)))
        unit_codes = set(db.session.scalars(select(Unit.code)))
    for locale in ("id", "en"):
        page = lead.get(f"/staff/intake/lapor-import?lang={locale}").get_data(as_text=True)
        preview = lead.post(
            "/staff/intake/lapor-import",
            data={
                **upload,
                "preview": "Preview",
                "csrf_token": csrf_token_from(page),
                "file": (io.BytesIO(export_xlsx()), "laporan.xlsx"),
            },
            content_type="multipart/form-data",
        ).get_data(as_text=True)
        assert raw_values(preview, locale, category_codes, unit_codes) == []

    admin = signed_in(app, "admin@bonebolangokab.go.id")
    page = admin.get("/staff/intake/lapor-import?lang=en").get_data(as_text=True)
    assert "Create the units that are missing" in page
    response = admin.post(
        "/staff/intake/lapor-import",
        data={
            "csrf_token": csrf_token_from(page),
            "create_units": "y",
            "submit": "Import",
            "file": (io.BytesIO(export_xlsx()), "laporan.xlsx"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422  # units come only from history
    assert "tick it too" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (("18 Jan 2024", "14:05:33"), datetime(2024, 1, 18, 7, 5, 33, tzinfo=UTC)),
        (("18 Agu 2024", "14.05"), datetime(2024, 8, 18, 7, 5, tzinfo=UTC)),
        (("1 Mei 2024", ""), datetime(2024, 4, 30, 17, 0, tzinfo=UTC)),
        (("18-Jan-2024 08:00", None), datetime(2024, 1, 18, 1, 0, tzinfo=UTC)),
        (("05/08/2024", "09:30"), datetime(2024, 8, 5, 2, 30, tzinfo=UTC)),
        (("2024-01-18T14:05:33", None), datetime(2024, 1, 18, 7, 5, 33, tzinfo=UTC)),
        ((datetime(2024, 1, 18, 14, 5), None), datetime(2024, 1, 18, 7, 5, tzinfo=UTC)),
        ((45309, 0.5), datetime(2024, 1, 18, 5, 0, tzinfo=UTC)),
    ],
)
def test_received_instants(cells: tuple[object, object], expected: datetime) -> None:
    assert lapor.values.received_instant(*cells) == expected


def test_statuses_and_types() -> None:
    status = lapor.values.final_status
    assert status("Ditutup oleh Pelapor").citizen_confirmed is True
    assert [
        status(text).status.value
        for text in (
            "Ditutup oleh Sistem",
            "Ditutup oleh Admin",
            "Selesai",
            "Diarsipkan oleh Instansi",
            "Menunggu Kelengkapan Informasi",
            "Belum Terverifikasi",
            "Terverifikasi",
            "Diproses oleh Instansi",
            "Ditindaklanjuti",
            "",
        )
    ] == [
        "closed",
        "closed",
        "closed",
        "rejected",
        "received",
        "received",
        "verified",
        "in_progress",
        "in_progress",
        "received",
    ]
    with pytest.raises(lapor.values.RowProblem):
        status("Dimakan kucing")
    assert lapor.values.privacy("Anonim|Rahasia") == (True, True)
    assert lapor.values.privacy("Biasa") == (False, False)
    assert lapor.values.kind("Pengaduan Tidak Berkadar Pengawasan") == "complaint"


def test_the_exports_own_column_names_win(app_ctx: Flask) -> None:
    text = (
        "No;ID;Isi;Tracking ID;Isi Laporan Awal\n1;77;pendek;5001;Pipa air bocor di depan pasar.\n"
    )
    summary = lapor.import_file(
        text.encode(), "ekspor.csv", ImportOptions(), Actor.system("lapor-import")
    )
    assert summary.imported == 1
    (complaint,) = by_lapor_id().values()
    assert (complaint.lapor_id, complaint.description) == ("5001", "Pipa air bocor di depan pasar.")
