"""The public /stats page: figures with the minimum-count rule, a redacted list, a cache."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from complaints import workflow
from complaints.extensions import db
from complaints.redact import MASK, redact
from complaints.reports import stats
from complaints.workflow import Actor
from tests.conftest import MakeComplaint

PRIVATE = (
    "Saya Siti Rahmawati, hubungi +62 812-3456-7890 atau 0813 9876 5432, "
    "surel siti.rahma@example.co.id, NIK 7503012345678901. Sampah tidak diangkut."
)


@pytest.mark.parametrize(
    "secret",
    [
        "+62 812-3456-7890",
        "+6281234567890",
        "0812 3456 7890",
        "081234567890",
        "(0812) 345-6789",
        "62812345678",
        "siti.rahma@example.co.id",
        "7503012345678901",
        "7503 0123 4567 8901",
    ],
)
def test_redaction_masks_phones_emails_and_nik(secret: str) -> None:
    masked = redact(f"Hubungi {secret} segera.")
    assert secret not in masked and MASK in masked
    assert masked.startswith("Hubungi ") and masked.endswith(" segera.")


@pytest.mark.parametrize(
    "secret",
    [
        "siti(at)example.com",
        "siti [at] example [dot] com",
        "siti (at) example (dot) co (dot) id",
        "siti at example dot com",
        "siti.rahma at gmail titik com",
        "SITI AT GMAIL DOT COM",
        "siti @ gmail . com",
        "nol delapan satu dua tiga empat lima enam tujuh delapan sembilan nol",
        "kosong delapan satu dua, tiga empat lima enam, tujuh delapan sembilan",
        "Nol Delapan Satu Tiga Sembilan Delapan Tujuh Enam Lima Empat Tiga Dua",
        "zero eight one two three four five six seven eight nine zero",
        "08 satu dua tiga empat lima enam tujuh delapan",
        "plus enam dua delapan satu dua tiga empat lima enam tujuh delapan",
    ],
)
def test_redaction_masks_addresses_and_numbers_spelled_to_slip_past_it(secret: str) -> None:
    assert redact(f"Hubungi {secret} segera.") == f"Hubungi {MASK} segera."


@pytest.mark.parametrize(
    "text",
    [
        "Sejak 2019, 50 rumah di RT 003/RW 005 menunggu dana Rp 1.500.000.000 sejak 12-05-2026.",
        "Biaya Rp 1.500.000 per rumah, Rp1.250.000,00 untuk yang lain.",
        "Anggaran Rp 150.000.000.000 tahun 2024-2026.",
        "Pelayanan pukul 08.30-12.00 WITA, tanggal 25.11.2026 10.00 dan 2026-11-25.",
        "Perkiraan Rp 1.250.000-2.500.000 per meter.",
        "Titik 0.5412345, 123.1345678 di peta, arsip 2019 2020 2021.",
    ],
)
def test_redaction_keeps_years_amounts_rt_rw_dates_and_times(text: str) -> None:
    assert redact(text) == text


def test_redaction_keeps_ordinary_numbers_and_masks_the_name() -> None:
    assert redact("Jalan no 12 RT 03, sejak 2026.") == "Jalan no 12 RT 03, sejak 2026."
    masked = redact("Saya Siti Rahmawati.", ("Siti Rahmawati",))
    assert "Siti" not in masked and "Rahmawati" not in masked and masked.startswith("Saya ")


def page(client: FlaskClient, query: str = "") -> str:
    response = client.get(f"/stats{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_list_shows_checked_public_complaints_redacted(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    shown = make_complaint(
        status="in_progress", category_code="waste", description=PRIVATE, name="Siti Rahmawati"
    )
    workflow.reply_to_citizen(
        shown, Actor.system("test"), "Sudah dijadwalkan, hubungi 0812 1111 2222."
    )
    workflow.commit()
    make_complaint(
        status="closed", description="RAHASIA-1 keluhan rahasia warga.", confidential=True
    )
    hidden = make_complaint(status="closed", description="TERSEMBUNYI-1 disembunyikan staf.")
    hidden.hidden_from_public = True
    db.session.commit()
    make_complaint(status="received", description="BELUMDICEK-1 belum diperiksa petugas.")
    make_complaint(status="rejected", description="DITOLAK-1 iklan pinjaman online.")

    html = page(client)
    assert "Sampah tidak diangkut." in html and "Sudah dijadwalkan" in html
    for secret in (
        "Siti",
        "Rahmawati",
        "812-3456",
        "9876",
        "siti.rahma",
        "7503012345678901",
        "1111",
        shown.code,
        "RAHASIA-1",
        "TERSEMBUNYI-1",
        "BELUMDICEK-1",
        "DITOLAK-1",
    ):
        assert secret not in html, secret


def test_rates_are_hidden_below_the_minimum_count(
    client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    for _ in range(4):
        make_complaint(status="closed", category_code="waste")
    make_complaint(status="received", category_code="waste")  # DLH: 5, 4 completed
    make_complaint(status="closed", category_code="education")  # DIKBUD: 1
    figures = stats.public_figures(*_this_year())
    units = {unit["unit_name"]: unit for unit in figures["units"]}
    dlh, dikbud = units["Dinas Lingkungan Hidup"], units["Dinas Pendidikan dan Kebudayaan"]
    assert (dlh["received"], dlh["completed"], dlh["completion_rate"]) == (5, 4, 0.8)
    assert dlh["median_resolve_working_days"] == 0.0
    assert (dikbud["received"], dikbud["completed"], dikbud["completion_rate"]) == (1, 1, None)
    assert dikbud["median_resolve_working_days"] is None
    assert figures["totals"]["completion_rate"] == round(5 / 6, 4)
    html = page(client)
    assert "80.0 %" in html and "Dinas Pendidikan dan Kebudayaan" in html


def _this_year() -> tuple:
    from datetime import date

    return date(2026, 1, 1), date(2026, 12, 31)


def test_the_ikm_grade_needs_enough_respondents(make_complaint: MakeComplaint) -> None:
    from complaints.ikm import ELEMENT_NAMES

    for count in range(5):
        complaint = make_complaint(status="closed", category_code="waste")
        workflow.rate_complaint(complaint, dict.fromkeys(ELEMENT_NAMES, 4))
        workflow.commit()
        units = {u["unit_name"]: u for u in stats.public_figures(*_this_year())["units"]}
        grade = units["Dinas Lingkungan Hidup"]["ikm_grade"]
        assert grade == ("A" if count == 4 else None)


def test_the_page_is_served_from_the_cache(
    app: Flask, client: FlaskClient, make_complaint: MakeComplaint
) -> None:
    make_complaint(status="verified", description="PERTAMA-1 lampu jalan padam.")
    assert "PERTAMA-1" in page(client)
    make_complaint(status="verified", description="KEDUA-2 lampu jalan padam lagi.")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        cached = page(client)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    assert "KEDUA-2" not in cached
    assert not [sql for sql in statements if "complaints" in sql]
    stats.cache().clear()
    assert "KEDUA-2" in page(client)


def test_pages_of_the_list(
    client: FlaskClient, make_complaint: MakeComplaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stats, "PAGE_SIZE", 2)
    for number in range(3):
        make_complaint(status="verified", description=f"NOMOR-{number} lampu jalan padam.")
    first, second = page(client), page(client, "?page=2")
    assert "NOMOR-2" in first and "NOMOR-1" in first and "NOMOR-0" not in first
    assert "NOMOR-0" in second and "page=1" in second


@pytest.mark.parametrize("query", ["?year=1999", "?year=abc", "?year=2026&quarter=5", "?year=2099"])
def test_bad_periods_are_not_found(client: FlaskClient, app_ctx: Flask, query: str) -> None:
    assert client.get(f"/stats{query}").status_code == 404


def test_a_quarter(client: FlaskClient, make_complaint: MakeComplaint) -> None:
    make_complaint(status="verified", description="KUARTAL-4 jalan berlubang besar.")
    assert "KUARTAL-4" in page(client, "?year=2026&quarter=4")
    assert "KUARTAL-4" not in page(client, "?year=2026&quarter=3")


def test_serving_a_period_is_recorded_as_indicator_27_evidence(
    app: Flask, client: FlaskClient, make_complaint: MakeComplaint, set_now
) -> None:
    from datetime import UTC, date, datetime

    from complaints import metrics
    from complaints.models import StatsPublication

    make_complaint(status="verified", category_code="waste")
    year = (date(2026, 1, 1), date(2026, 12, 31))
    published = metrics.report(*year)["indicator_27"]["published"]
    assert (published["done"], published["publications"]) == (False, 0)
    assert published["first_published_at"] is None

    set_now(datetime(2026, 11, 25, 2, 0, tzinfo=UTC))  # 10:00 in Makassar
    page(client, "?year=2026")
    page(client, "?year=2026")  # from the cache: nothing more to record
    set_now(datetime(2026, 11, 26, 3, 30, tzinfo=UTC))
    stats.cache().clear()
    page(client, "?year=2026")
    page(client, "?year=2026&quarter=1")  # another period, recorded apart

    rows = db.session.scalars(sa.select(StatsPublication).order_by(StatsPublication.id)).all()
    assert [(row.period_from, row.period_to) for row in rows] == [
        (date(2026, 1, 1), date(2026, 12, 31)),
        (date(2026, 1, 1), date(2026, 3, 31)),
    ]
    published = metrics.report(date(2026, 11, 1), date(2026, 11, 30))["indicator_27"]["published"]
    assert published["done"] is True
    assert published["publications"] == 1  # the year; the first quarter does not overlap
    assert published["first_published_at"] == "2026-11-25T10:00+08:00"
    assert published["last_served_at"] == "2026-11-26T11:30+08:00"
    # A period nobody has looked at on /stats is not published.
    assert (
        metrics.report(date(2025, 1, 1), date(2025, 12, 31))["indicator_27"]["published"]["done"]
        is False
    )
