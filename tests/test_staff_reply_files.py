"""Photos and PDFs on replies, internal notes and the resolution.

Staff attach files in the reply composer and the resolve form. Photos are
checked and re-encoded as the citizen's are (shrunk, no metadata); a PDF is
kept and always downloaded. Each file hangs on its message and is shown
under it in the timeline. Files of public replies and of the resolution are
shown on the tracking page to anyone with the code; an internal note's files
never leave the console. A file too large is refused with 413, one of
another type with 422, nothing applied and the typed text kept.
"""

from __future__ import annotations

import io
import re

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Attachment, Complaint, Message
from tests.conftest import Cast, MakeComplaint, open_as_reporter
from tests.photo_helpers import assert_no_metadata, photo_with_metadata
from tests.staff_helpers import session_csrf, signed_in

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def send(
    client: FlaskClient,
    complaint: Complaint,
    action: str,
    body: str,
    files: list[tuple[bytes, str]],
) -> tuple[int, str]:
    """Post ``action`` with ``files``; the status and the page the officer then sees."""
    data: dict[str, object] = {
        "csrf_token": session_csrf(client),
        "body": body,
        "files": [(io.BytesIO(content), name) for content, name in files],
    }
    response = client.post(
        f"/staff/complaints/{complaint.code}/{action}",
        data=data,
        content_type="multipart/form-data",
    )
    if response.status_code == 302:
        return 302, client.get(response.headers["Location"]).get_data(as_text=True)
    return response.status_code, response.get_data(as_text=True)


def files_of(complaint: Complaint) -> list[tuple[str, str, str]]:
    """(message kind, stored name, content type) of every file staff attached."""
    rows = db.session.execute(
        select(Message.kind, Attachment.filename, Attachment.content_type)
        .join(Message, Message.id == Attachment.message_id)
        .where(Attachment.complaint_id == complaint.id)
        .order_by(Attachment.id)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def section(page: str, heading: str) -> str:
    """The text of the tracking page's section under ``heading``, up to the next one."""
    match = re.search(rf"<h2[^>]*>{heading}</h2>(.*?)(?=<h2|$)", page, re.S)
    assert match is not None, heading
    return match.group(1)


def test_a_reply_with_a_photo_and_a_pdf_reaches_the_tracking_page(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="in_progress")
    officer = signed_in(app, cast.officer_a.email)
    big = photo_with_metadata(size=(3000, 1500))
    status, page = send(
        officer,
        complaint,
        "reply",
        "Foto lokasi dan surat tugas terlampir.",
        [(big, "IMG_2041.jpg"), (PDF, "surat tugas.pdf")],
    )
    assert status == 302
    assert files_of(complaint) == [
        ("public_reply", "IMG_2041.jpg", "image/jpeg"),
        ("public_reply", "surat_tugas.pdf", "application/pdf"),
    ]
    photo, pdf = db.session.scalars(
        select(Attachment).where(Attachment.message_id.is_not(None)).order_by(Attachment.id)
    ).all()
    # The photo is shrunk and re-encoded on the server; it is not among the citizen's photos.
    with Image.open(io.BytesIO(photo.content)) as stored:
        assert max(stored.size) == 2048
    assert_no_metadata(photo.content)
    assert complaint.attachments == []
    # The timeline shows them under the reply: a thumbnail and a download link.
    reply = re.search(r'<li class="entry entry-reply".*?</li>\s*</ul>', page, re.S)
    assert reply is not None
    assert f"/attachments/{photo.id}?size=small" in reply.group(0)
    assert "surat_tugas.pdf</a>" in reply.group(0)
    staff_pdf = officer.get(f"/staff/complaints/{complaint.code}/attachments/{pdf.id}")
    assert staff_pdf.headers["Content-Disposition"].startswith("attachment")
    assert staff_pdf.data == PDF

    # Anyone with the code sees the reply's files, under the reply.
    citizen = app.test_client()
    tracking = citizen.get(f"/track/{complaint.code}").get_data(as_text=True)
    replies = section(tracking, "Balasan dari pemerintah")
    assert f"/track/{complaint.code}/files/{photo.id}?size=small" in replies
    assert "surat_tugas.pdf</a>" in replies
    small = citizen.get(f"/track/{complaint.code}/files/{photo.id}?size=small")
    assert small.status_code == 200 and small.mimetype == "image/jpeg"
    with Image.open(io.BytesIO(small.data)) as thumbnail:
        assert max(thumbnail.size) == 320
    download = citizen.get(f"/track/{complaint.code}/files/{pdf.id}")
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_an_internal_notes_files_never_appear_publicly(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")
    officer = signed_in(app, cast.officer_a.email)
    status, page = send(
        officer,
        complaint,
        "note",
        "Foto rumah pelapor, jangan dibagikan.",
        [(photo_with_metadata(), "rumah.jpg")],
    )
    assert status == 302
    [note_file] = db.session.scalars(select(Attachment)).all()
    note = re.search(r'<li class="entry entry-note".*?</li>\s*</ul>', page, re.S)
    assert note is not None and f"/attachments/{note_file.id}" in note.group(0)

    # Not on the tracking page, not by its address, not even for the reporter.
    reporter = app.test_client()
    open_as_reporter(reporter, complaint.code)
    tracking = reporter.get(f"/track/{complaint.code}").get_data(as_text=True)
    assert "rumah.jpg" not in tracking and f"/files/{note_file.id}" not in tracking
    assert reporter.get(f"/track/{complaint.code}/files/{note_file.id}").status_code == 404
    assert reporter.get(f"/track/{complaint.code}/photos/{note_file.id}").status_code == 404
    public = app.test_client().get(f"/api/v1/complaints/{complaint.code}").get_json()
    assert public["public_replies"] == []
    # Staff of another unit do not reach it either.
    other = signed_in(app, cast.officer_b.email)
    url = f"/staff/complaints/{complaint.code}/attachments/{note_file.id}"
    assert other.get(url).status_code == 404


def test_the_resolutions_photos_are_shown_with_the_resolution(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="in_progress")
    officer = signed_in(app, cast.officer_a.email)
    status, _ = send(
        officer,
        complaint,
        "resolve",
        "Lubang sudah ditambal pada 26 November.",
        [(photo_with_metadata(), "sesudah.jpg")],
    )
    assert status == 302
    db.session.expire_all()
    assert complaint.status == "resolved"
    [(kind, name, _)] = files_of(complaint)
    assert (kind, name) == ("public_reply", "sesudah.jpg")
    photo = db.session.scalars(select(Attachment)).one()

    tracking = app.test_client().get(f"/track/{complaint.code}").get_data(as_text=True)
    resolved = section(tracking, "Bagaimana laporan diselesaikan")
    assert "Lubang sudah ditambal" in resolved
    assert f"/track/{complaint.code}/files/{photo.id}?size=small" in resolved
    # The resolution is not repeated among the replies, here or in the public JSON.
    assert "Lubang sudah ditambal" not in section(tracking, "Balasan dari pemerintah")
    public = app.test_client().get(f"/api/v1/complaints/{complaint.code}").get_json()
    assert public["public_replies"] == []


def test_a_file_too_large_or_of_another_type_is_refused_and_the_text_kept(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="in_progress")
    officer = signed_in(app, cast.officer_a.email)
    status, page = send(
        officer,
        complaint,
        "reply",
        "Terlampir rekaman.",
        [(b"MZ\x90\x00 not a photo", "rekaman.jpg")],
    )
    assert status == 422
    assert "rekaman.jpg bukan foto (JPEG, PNG, WebP, GIF) atau PDF." in page
    assert ">Terlampir rekaman.</textarea>" in page
    huge = b"%PDF-1.4\n" + b"0" * (10 * 1024 * 1024) + b"%%EOF"
    status, page = send(officer, complaint, "resolve", "Sudah diperbaiki.", [(huge, "laporan.pdf")])
    assert status == 413
    assert "laporan.pdf lebih besar dari 10 MB." in page
    assert ">Sudah diperbaiki.</textarea>" in page
    db.session.expire_all()
    assert complaint.status == "in_progress"
    assert db.session.scalars(select(Message)).all() == []
    assert db.session.scalars(select(Attachment)).all() == []
