"""Upload attacks on the citizen form: bombs, polyglots, disguised HTML and SVG, path tricks.

Photos are judged by their content, never their name or declared type;
whatever is refused is refused with the form's message (422) or 413, never
a MemoryError or a 500; whatever is stored is served back as an image that
no browser will sniff into HTML.
"""

from __future__ import annotations

import io
import struct
import zlib

from flask import Flask
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Attachment, Complaint
from tests.conftest import Cast
from tests.staff_helpers import signed_in
from tests.test_web_form import submit

SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"


def jpeg(size: tuple[int, int] = (16, 16)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes whose header declares ``width`` × ``height`` pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    rows = zlib.compress(
        b"\x00" * (1 + (width + 7) // 8) * 4, 9
    )  # a few rows; "the rest" is the bomb
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


def complaints() -> int:
    return db.session.scalar(select(func.count(Complaint.id))) or 0


def refused(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 422 and 'id="photos-error"' in response.get_data(as_text=True)


HOSTILE_PHOTOS = (
    (png_declaring(50_000, 50_000), "bom.png"),  # 2.5 gigapixels: Pillow's hard limit
    (png_declaring(12_000, 12_000), "besar.png"),  # 144 MP: past the limit, only a warning
    (SCRIPT, "foto.jpg"),  # HTML named like a photo
    (b"GIF89a" + SCRIPT, "animasi.gif"),  # a GIF signature in front of HTML
    (
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "peta.svg",
    ),
    (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        "peta.jpg",
    ),
    (jpeg()[:200], "terpotong.jpg"),  # truncated
)


def test_hostile_photos_are_refused_with_the_forms_message(
    client: FlaskClient, app_ctx: Flask
) -> None:
    for content, filename in HOSTILE_PHOTOS:
        response = submit(client, files=[(io.BytesIO(content), filename)])
        assert refused(response), (filename, response.status_code)
    assert complaints() == 0
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_a_body_over_the_upload_limit_gets_413(client: FlaskClient, app: Flask, app_ctx) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    photos = [(io.BytesIO(b"\0" * (limit // 5)), f"foto{number}.jpg") for number in range(6)]
    assert submit(client, files=photos).status_code == 413
    assert complaints() == 0


def test_a_stored_photo_gets_a_safe_name_and_is_served_as_an_image_only(
    client: FlaskClient, app: Flask, app_ctx, cast: Cast
) -> None:
    # A real JPEG with a page of script after its end: a polyglot.
    polyglot = jpeg() + SCRIPT
    traversal = "../../etc/passwd.jpg"
    windows = "..\\..\\windows\\system32\\foto.png.html"
    files = [(io.BytesIO(polyglot), traversal), (io.BytesIO(jpeg((20, 20))), windows)]
    response = submit(client, files=files)
    assert response.status_code == 302, response.get_data(as_text=True)
    complaint = db.session.scalars(select(Complaint)).one()
    names = sorted(attachment.filename for attachment in complaint.attachments)
    for name in names:
        assert "/" not in name and "\\" not in name and ".." not in name, name
        assert name.endswith(".jpg"), name  # the extension follows the content
    assert len(names) == 2
    # Stored re-encoded from the pixels alone: the page after the JPEG's end is gone.
    assert not any(SCRIPT in attachment.content for attachment in complaint.attachments)

    officer = signed_in(app, cast.admin.email)
    for attachment in complaint.attachments:
        served = officer.get(f"/staff/complaints/{complaint.code}/attachments/{attachment.id}")
        assert served.status_code == 200
        assert served.mimetype == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        disposition = served.headers["Content-Disposition"]
        assert disposition.startswith(("inline", "attachment"))
        assert ".." not in disposition and "/" not in disposition
    # Anyone without a staff session gets nothing.
    anonymous = client.get(f"/staff/complaints/{complaint.code}/attachments/{attachment.id}")
    assert anonymous.status_code in (302, 401, 403, 404)
