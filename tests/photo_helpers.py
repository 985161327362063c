"""Photos as phones make them: EXIF with the owner's name and number, GPS, a turned camera."""

from __future__ import annotations

import io

from PIL import ExifTags, Image

from complaints.attachments import clean_photo

OWNER = "Budi Santoso"
OWNER_PHONE = "+62 812-9876-5432"
# EXIF orientation 6: the camera was held turned; show the picture turned 90° clockwise.
TURNED_CLOCKWISE = 6


def phone_exif(orientation: int = 1) -> Image.Exif:
    """EXIF naming the owner (Artist, Copyright with a phone number) with a GPS position."""
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = OWNER
    exif[ExifTags.Base.Copyright] = f"{OWNER} {OWNER_PHONE}"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (0.0, 32.0, 28.3)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (123.0, 8.0, 4.4)
    return exif


def photo_with_metadata(
    image_format: str = "JPEG", size: tuple[int, int] = (40, 20), orientation: int = 1
) -> bytes:
    """A photo whose left half is red and right half blue, with every kind of metadata."""
    picture = Image.new("RGB", size, (0, 0, 255))
    picture.paste((255, 0, 0), (0, 0, size[0] // 2, size[1]))
    extra: dict[str, object] = {"exif": phone_exif(orientation), "xmp": f"<x>{OWNER}</x>".encode()}
    if image_format in ("JPEG", "GIF"):
        extra["comment"] = f"{OWNER} {OWNER_PHONE}".encode()
    buffer = io.BytesIO()
    picture.save(buffer, image_format, **extra)
    return buffer.getvalue()


def as_stored(content: bytes) -> bytes:
    """The bytes intake stores for ``content``: re-encoded without metadata."""
    clean = clean_photo(content)
    assert clean is not None
    return clean.content


def assert_no_metadata(content: bytes) -> None:
    """No EXIF (so no GPS), XMP, ICC or comment, and the owner's name and number nowhere."""
    with Image.open(io.BytesIO(content)) as stored:
        assert not stored.getexif(), dict(stored.getexif())
        assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
        for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"):
            assert key not in stored.info, key
    for secret in (OWNER, OWNER_PHONE, "812-9876"):
        assert secret.encode() not in content, secret
