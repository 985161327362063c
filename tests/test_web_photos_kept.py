"""Nothing the citizen gave is lost: photos sent with a form that comes back are kept for it.

Through HTTP, as a browser without JavaScript uses the form, and as photos.js
sends photos ahead of it; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from complaints import clock
from complaints.attachments import MAX_PHOTO_BYTES, MAX_PHOTO_SIDE
from complaints.extensions import db
from complaints.models import Complaint, PendingPhoto
from sla.scheduler import state_of
from tests.conftest import csrf_token_from, hidden_value

FORM = {
    "kind": "complaint",
    "category": "road-damage",
    "description": "Jalan di Desa Tanggilingo berlubang besar, dua motor sudah jatuh.",
    "address": "Desa Tanggilingo, Kabila",
}
THUMBNAIL = re.compile(r'src="(/complaints/new/photos/([0-9a-f]{32})/(\d+))"')


def photo(
    size: tuple[int, int] = (3000, 2000), colour: tuple[int, int, int] = (200, 30, 30)
) -> bytes:
    """A JPEG as a phone makes it: larger than the long side the service keeps."""
    picture = Image.new("RGB", size, colour)
    picture.paste((20, 60, 200), (0, 0, size[0] // 3, size[1]))
    buffer = io.BytesIO()
    picture.save(buffer, "JPEG", quality=95)
    return buffer.getvalue()


class Citizen:
    """One browser filling in the form: its page, its session, its posts."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.page = client.get("/complaints/new").get_data(as_text=True)

    def fields(self) -> dict[str, str]:
        return {
            "csrf_token": csrf_token_from(self.page),
            "submission_token": hidden_value(self.page, "submission_token"),
        }

    def post(
        self, changes: dict[str, Any] | None = None, photos: list[bytes] | None = None
    ) -> TestResponse:
        data: dict[str, Any] = {**FORM, **self.fields(), **(changes or {})}
        if photos:
            data["photos"] = [
                (io.BytesIO(content), f"foto-{number}.jpg", "image/jpeg")
                for number, content in enumerate(photos, 1)
            ]
        response = self.client.post(
            "/complaints/new", data=data, content_type="multipart/form-data"
        )
        if response.status_code == 422:
            self.page = response.get_data(as_text=True)
        return response

    def thumbnails(self) -> list[str]:
        return [match.group(1) for match in THUMBNAIL.finditer(self.page)]

    def held_ids(self) -> list[str]:
        return [match.group(3) for match in THUMBNAIL.finditer(self.page)]


def pending_count() -> int:
    return db.session.scalar(select(func.count(PendingPhoto.id))) or 0


def filed(response: TestResponse) -> Complaint:
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    code = re.search(r"/track/(ADU-[0-9A-Z-]+)", response.headers["Location"])
    assert code is not None
    complaint = db.session.scalar(select(Complaint).where(Complaint.code == code.group(1)))
    assert complaint is not None
    return complaint


def sizes(complaint: Complaint) -> list[tuple[int, int]]:
    found = []
    for attachment in complaint.attachments:
        with Image.open(io.BytesIO(attachment.content)) as image:
            found.append(image.size)
    return found


def test_a_photo_sent_with_a_form_that_comes_back_is_kept_and_filed(client, app_ctx) -> None:
    citizen = Citizen(client)
    refused = citizen.post({"category": ""}, photos=[photo()])

    assert refused.status_code == 422
    assert "Pilih kategori." in citizen.page
    assert "Foto yang sudah Anda kirim tetap tersimpan; tidak perlu memilih ulang." in citizen.page
    assert FORM["description"] in citizen.page  # the other answers are kept too
    assert len(citizen.thumbnails()) == 1 and pending_count() == 1
    thumbnail = client.get(citizen.thumbnails()[0])
    assert thumbnail.status_code == 200 and thumbnail.mimetype == "image/jpeg"
    assert thumbnail.headers["Cache-Control"] == "private, no-store"
    with Image.open(io.BytesIO(thumbnail.data)) as shown:
        assert max(shown.size) <= 320  # a thumbnail, not the photo again over 3G

    complaint = filed(citizen.post())  # the category now, and no photo chosen again

    assert sizes(complaint) == [(MAX_PHOTO_SIDE, 1365)]  # re-encoded, long side 2048
    assert complaint.attachments[0].filename == "foto-1.jpg"
    assert pending_count() == 0


def test_the_form_shown_in_english_says_the_photos_are_kept(client, app_ctx) -> None:
    client.get("/complaints/new?lang=en")
    citizen = Citizen(client)
    citizen.post({"category": ""}, photos=[photo((40, 30))])
    assert "The photos you already sent are kept" in citizen.page
    assert "Remove photo 1" in citizen.page


def test_a_photo_ticked_remove_is_not_filed(client, app_ctx) -> None:
    citizen = Citizen(client)
    red, green = photo((60, 40), (220, 0, 0)), photo((60, 40), (0, 200, 0))
    citizen.post({"category": ""}, photos=[red, green])
    first, second = citizen.held_ids()

    citizen.post({"category": "", "remove_photo": first})  # still an error: one stays shown
    assert citizen.held_ids() == [second]
    assert "tetap tersimpan" in citizen.page

    complaint = filed(citizen.post())
    assert len(complaint.attachments) == 1
    with Image.open(io.BytesIO(complaint.attachments[0].content)) as stored:
        red_part, green_part, _blue = stored.convert("RGB").getpixel((50, 20))
    assert green_part > 150 and red_part < 60  # the green photo, not the removed red one


def test_another_browser_can_neither_see_nor_take_the_held_photos(app: Flask, app_ctx) -> None:
    owner = Citizen(app.test_client())
    owner.post({"category": ""}, photos=[photo((60, 40))])
    thumbnail = owner.thumbnails()[0]
    token = hidden_value(owner.page, "submission_token")

    stranger = Citizen(app.test_client())
    assert stranger.client.get(thumbnail).status_code == 404
    # Posting the owner's token from elsewhere files the stranger's report without them.
    taken = filed(stranger.post({"submission_token": token}))
    assert taken.attachments == []
    assert owner.client.get(thumbnail).status_code == 200
    assert filed(owner.post()).attachments != []


def test_more_than_five_photos_are_refused_with_a_clear_message(client, app_ctx) -> None:
    citizen = Citizen(client)
    six = [photo((30 + n, 20)) for n in range(6)]
    assert citizen.post(photos=six).status_code == 422
    assert "Paling banyak 5 foto per laporan" in citizen.page
    assert pending_count() == 0

    citizen.post({"category": ""}, photos=six[:4])
    assert citizen.post(photos=six[4:]).status_code == 422  # four kept, two more: six
    assert "Paling banyak 5 foto per laporan" in citizen.page
    assert len(citizen.held_ids()) == 4

    assert len(filed(citizen.post(photos=six[4:5])).attachments) == 5


def test_a_photo_over_10_mb_is_refused_and_what_was_sent_stays(client, app_ctx) -> None:
    citizen = Citizen(client)
    citizen.post({"category": ""}, photos=[photo((60, 40))])
    too_large = b"\xff\xd8" + b"0" * MAX_PHOTO_BYTES

    assert citizen.post(photos=[too_large]).status_code == 422
    assert "10 MB" in citizen.page
    assert FORM["description"] in citizen.page
    assert len(citizen.held_ids()) == 1 and pending_count() == 1


def test_a_double_submitted_form_files_one_complaint_with_one_set_of_photos(
    client, app_ctx
) -> None:
    citizen = Citizen(client)
    first = citizen.post(photos=[photo((60, 40))])
    second = citizen.post(photos=[photo((60, 40))])

    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Complaint.id))) == 1
    assert len(filed(first).attachments) == 1
    assert pending_count() == 0


def test_photos_sent_ahead_by_the_script_are_filed_with_the_form(client, app_ctx) -> None:
    citizen = Citizen(client)
    ahead = client.post(
        "/complaints/new/photos",
        data={**citizen.fields(), "photos": [(io.BytesIO(photo()), "jalan.jpg", "image/jpeg")]},
        content_type="multipart/form-data",
    )
    assert ahead.status_code == 200
    assert ahead.get_json() == {"token": citizen.fields()["submission_token"], "held": 1}

    complaint = filed(citizen.post())
    assert sizes(complaint) == [(MAX_PHOTO_SIDE, 1365)]
    assert pending_count() == 0


def test_the_script_is_told_why_photos_sent_ahead_are_refused(client, app_ctx) -> None:
    citizen = Citizen(client)
    refused = client.post(
        "/complaints/new/photos",
        data={**citizen.fields(), "photos": [(io.BytesIO(b"not a photo"), "a.jpg", "image/jpeg")]},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert refused.get_json()["error"] == (
        "Hanya foto berformat JPEG, PNG, WebP, atau GIF yang dapat diterima."
    )
    assert pending_count() == 0


def test_a_token_this_browser_was_not_given_is_replaced(client, app_ctx) -> None:
    citizen = Citizen(client)
    forged = "0" * 32
    citizen.post({"category": "", "submission_token": forged}, photos=[photo((60, 40))])
    token = hidden_value(citizen.page, "submission_token")
    assert re.fullmatch(r"[0-9a-f]{32}", token) and token != forged
    assert db.session.scalars(select(PendingPhoto.submission_token)).all() == [token]


def test_the_purge_job_deletes_only_photos_held_over_a_day(app: Flask, app_ctx, set_now) -> None:
    now = clock.now()
    for name, age in (("old.jpg", timedelta(hours=25)), ("young.jpg", timedelta(hours=23))):
        db.session.add(
            PendingPhoto(
                submission_token="a" * 32,
                filename=name,
                content_type="image/jpeg",
                size=3,
                sha256="0" * 64,
                content=b"abc",
                created_at=now - age,
            )
        )
    db.session.commit()

    state_of(app).jobs["held-photos-purge"].func()  # as the scheduler runs it

    db.session.expire_all()
    assert db.session.scalars(select(PendingPhoto.filename)).all() == ["young.jpg"]
    set_now(now + timedelta(hours=2))
    state_of(app).jobs["held-photos-purge"].func()
    assert pending_count() == 0
