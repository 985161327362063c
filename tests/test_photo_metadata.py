"""Photos are stored without the metadata phones put in them (security review, finding 4).

An anonymous reporter's photo must not tell the officer who took it or where:
EXIF Artist and Copyright (often with a phone number), GPS, XMP and comments
are dropped by re-encoding the pixels, the picture is turned upright as its
EXIF said, and its long side is at most 2048 pixels.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from complaints.attachments import MAX_PHOTO_SIDE, NewAttachment
from complaints.extensions import db
from complaints.intake import submit_complaint
from complaints.models import Category, Complaint
from tests.photo_helpers import OWNER, TURNED_CLOCKWISE, assert_no_metadata, photo_with_metadata
from tests.test_web_form import submit


def stored_photos() -> list[bytes]:
    db.session.expire_all()
    complaint = db.session.scalars(select(Complaint)).one()
    return [attachment.content for attachment in complaint.attachments]


def test_a_photo_through_the_form_is_stored_upright_without_exif_gps_or_owner(
    client, app_ctx
) -> None:
    photo = photo_with_metadata(size=(40, 20), orientation=TURNED_CLOCKWISE)
    response = submit(client, {"anonymous": "y"}, files=[(io.BytesIO(photo), "jalan.jpg")])
    assert response.status_code == 302, response.get_data(as_text=True)

    [content] = stored_photos()
    assert_no_metadata(content)
    with Image.open(io.BytesIO(content)) as stored:
        assert stored.format == "JPEG"
        assert stored.size == (20, 40)  # turned: the 40×20 sensor picture stands upright
        # The left (red) half of the sensor picture is on top once turned clockwise.
        top, bottom = stored.convert("RGB").getpixel((10, 5)), stored.getpixel((10, 35))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


@pytest.mark.parametrize(
    ("image_format", "content_type"),
    [("PNG", "image/png"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_png_webp_and_gif_keep_their_format_and_lose_their_metadata(
    app_ctx, image_format: str, content_type: str
) -> None:
    photo = photo_with_metadata(image_format)
    assert OWNER.encode() in photo  # the test photo does carry it
    result = submit_complaint(
        channel="api",
        category=db.session.scalars(select(Category).where(Category.code == "road-damage")).one(),
        description="Jalan rusak parah di Kecamatan Suwawa.",
        photos=[NewAttachment("foto", photo)],
    )
    [attachment] = result.complaint.attachments
    assert attachment.content_type == content_type
    assert_no_metadata(attachment.content)
    with Image.open(io.BytesIO(attachment.content)) as stored:
        assert stored.format == image_format and stored.size == (40, 20)


def test_a_large_photo_is_stored_with_its_long_side_at_most_2048_pixels(client, app_ctx) -> None:
    photo = photo_with_metadata(size=(4000, 3000), orientation=TURNED_CLOCKWISE)
    response = submit(client, files=[(io.BytesIO(photo), "besar.jpg")])
    assert response.status_code == 302, response.get_data(as_text=True)

    [content] = stored_photos()
    assert_no_metadata(content)
    with Image.open(io.BytesIO(content)) as stored:
        assert stored.size == (1536, MAX_PHOTO_SIDE)  # turned upright, then shrunk
