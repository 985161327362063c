"""The citizen complaint form through HTTP, as a browser would use it."""

from __future__ import annotations

import gzip
import io
import re

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import event, func, select

from complaints.extensions import db
from complaints.models import Complaint
from tests.conftest import csrf_token_from, hidden_value

VALID = {
    "kind": "complaint",
    "category": "road-damage",
    "description": "Jalan di Desa Tanggilingo berlubang besar, dua motor sudah jatuh.",
    "address": "Desa Tanggilingo, Kabila",
    "lat": "0.5412",
    "lon": "123.1345",
    "name": "Siti Rahmawati",
    "phone": "0812 3456 7890",
    "email": "siti@example.com",
}


def form_page(client: FlaskClient, lang: str | None = None) -> str:
    response = client.get("/complaints/new" + (f"?lang={lang}" if lang else ""))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def submit(client: FlaskClient, changes: dict | None = None, files: list | None = None, **kw):
    html = form_page(client, kw.pop("lang", None))
    data = {
        **VALID,
        "csrf_token": csrf_token_from(html),
        "submission_token": hidden_value(html, "submission_token"),
        **(changes or {}),
    }
    data = {key: value for key, value in data.items() if value is not None}
    if files:
        data["photos"] = files
    return client.post("/complaints/new", data=data, content_type="multipart/form-data", **kw)


def complaint_count() -> int:
    return db.session.scalar(select(func.count(Complaint.id))) or 0


def jpeg(size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_valid_report_is_stored_and_shows_its_tracking_code(client, app_ctx) -> None:
    response = submit(client, files=[(io.BytesIO(jpeg()), "jalan.jpg")])
    assert response.status_code == 302
    code = re.search(r"/track/(ADU-[0-9A-Z]{4}-[0-9A-Z]{4})", response.headers["Location"])
    assert code is not None
    complaint = db.session.scalar(select(Complaint).where(Complaint.code == code.group(1)))
    assert complaint is not None
    assert complaint.channel == "web" and complaint.status == "received"
    assert complaint.lat == pytest.approx(0.5412) and complaint.lon == pytest.approx(123.1345)
    assert complaint.reporter is not None and complaint.reporter.phone == "+6281234567890"
    assert [a.content_type for a in complaint.attachments] == ["image/jpeg"]

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert code.group(1) in page
    assert "Kode pelacakan" in page


# Measured when this test was written: the categories of the select (WTForms checks
# the choice), the chosen category with its unit and SLA policy (one joined query),
# the double-submission lookup of the form's token, then one INSERT each for the
# reporter, the complaint, its reporter key, its first event and the acknowledgement
# in the outbox; and, as the form has a pin, the look for open reports near it
# ("Sudah ada yang melaporkan?", one query when none is near).
FORM_INTAKE_STATEMENTS = 9


def test_a_report_through_the_form_runs_a_fixed_small_number_of_statements(
    client, app, app_ctx
) -> None:
    assert submit(client).status_code == 302  # the calendar is built once per process
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    html = form_page(client)
    data = {
        **VALID,
        "csrf_token": csrf_token_from(html),
        "submission_token": hidden_value(html, "submission_token"),
    }
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = client.post("/complaints/new", data=data)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert response.status_code == 302
    assert not any(sql.lstrip().upper().startswith("UPDATE") for sql in statements)
    assert len(statements) <= FORM_INTAKE_STATEMENTS, "\n---\n".join(statements)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"description": "rusak"}, "description", "karakter"),
        ({"category": ""}, "category", "kategori"),
        ({"category": "no-such-topic"}, "category", ""),
        ({"lat": "91", "lon": "120"}, "lat", "-90"),
        ({"lat": "abc"}, "lat", ""),
        ({"lon": None}, "lon", ""),
        ({"phone": "12"}, "phone", "nomor"),
        ({"email": "siti@"}, "email", "email"),
    ],
)
def test_each_invalid_field_gets_a_message_in_indonesian_and_keeps_the_input(
    client, app_ctx, changes: dict, field: str, message: str
) -> None:
    response = submit(client, changes)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">([^<]+)<', html)
    assert error is not None, f"no message next to {field}"
    assert message.lower() in error.group(1).lower()
    # What the citizen typed elsewhere is still there.
    assert "Desa Tanggilingo, Kabila" in html
    assert complaint_count() == 0


def test_messages_are_in_english_when_the_citizen_chose_english(client, app_ctx) -> None:
    response = submit(client, {"description": "short"}, lang="en")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "characters" in html


def test_a_photo_over_ten_megabytes_is_refused(client, app_ctx) -> None:
    big = jpeg() + b"\0" * (10 * 1024 * 1024)
    response = submit(client, files=[(io.BytesIO(big), "besar.jpg")])
    assert response.status_code == 422
    assert 'id="photos-error"' in response.get_data(as_text=True)
    assert complaint_count() == 0


def test_a_program_disguised_as_a_jpeg_is_refused(client, app_ctx) -> None:
    fake = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
    response = submit(client, files=[(io.BytesIO(fake), "foto.jpg")])
    assert response.status_code == 422
    assert 'id="photos-error"' in response.get_data(as_text=True)
    assert complaint_count() == 0


def test_a_body_over_the_limit_gets_413(client, app, app_ctx) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    response = submit(client, files=[(io.BytesIO(b"\0" * (2 * 1024 * 1024)), "x.jpg")])
    assert response.status_code == 413
    assert complaint_count() == 0


def test_a_post_without_csrf_token_is_rejected(client, app_ctx) -> None:
    response = client.post("/complaints/new", data=VALID)
    assert response.status_code == 400
    assert complaint_count() == 0


def test_a_double_submitted_form_creates_one_complaint(client, app_ctx) -> None:
    html = form_page(client)
    data = {
        **VALID,
        "csrf_token": csrf_token_from(html),
        "submission_token": hidden_value(html, "submission_token"),
    }
    first = client.post("/complaints/new", data=data)
    second = client.post("/complaints/new", data=data)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert complaint_count() == 1


def test_an_anonymous_report_keeps_the_contact_for_updates_only(client, app_ctx) -> None:
    response = submit(client, {"anonymous": "y"})
    assert response.status_code == 302
    complaint = db.session.scalars(select(Complaint)).one()
    assert complaint.anonymous is True and complaint.confidential is False
    assert complaint.reporter is not None and complaint.reporter.phone == "+6281234567890"


def test_the_form_explains_anonymous_and_confidential_in_plain_words(client, app_ctx) -> None:
    html = form_page(client)
    assert "Anonim" in html and "Rahasia" in html


def test_the_form_page_weighs_under_150_kb_with_its_assets(client, app_ctx) -> None:
    headers = {"Accept-Encoding": "gzip"}
    page = client.get("/complaints/new", headers=headers)
    assert page.headers.get("Content-Encoding") == "gzip"
    total = len(page.data)
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', gzip.decompress(page.data).decode())
    assert assets, "the page links its stylesheet"
    for asset in assets:
        response = client.get(asset, headers=headers)
        assert response.status_code == 200
        total += len(response.data)
    assert total < 150 * 1024


def test_pages_carry_security_headers(client, app_ctx) -> None:
    response = client.get("/complaints/new")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_the_form_is_rate_limited_per_client(app) -> None:
    from complaints import create_app

    limited = create_app({**app.config, "RATELIMIT_ENABLED": True})
    client = limited.test_client()
    statuses = []
    for _ in range(11):
        response = submit(client, {"description": "short"})
        statuses.append(response.status_code)
    assert statuses[:10] == [422] * 10
    assert statuses[10] == 429
