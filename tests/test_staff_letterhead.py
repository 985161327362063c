"""Letterhead and signer settings (issue 19 item 5): the admin page and what documents read."""

from __future__ import annotations

import base64
import io
import os
import struct
import zlib

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image

from complaints.assessment.letterhead import current_letterhead, logo_data_uri
from complaints.extensions import db
from complaints.models import Letterhead
from tests.conftest import Cast, csrf_token_from
from tests.staff_helpers import signed_in


def test_documents_read_a_default_naming_the_regency_until_an_admin_saves_one(
    app_ctx: Flask,
) -> None:
    letterhead = current_letterhead()

    assert letterhead.government_name == "PEMERINTAH KABUPATEN BONE BOLANGO"
    assert letterhead.place == "Bone Bolango"
    assert letterhead.number_code == "ADUAN"
    assert logo_data_uri(letterhead) is None
    assert db.session.get(Letterhead, 1) is None  # reading the default writes nothing


def test_a_saved_logo_is_handed_to_the_printer_as_a_data_uri(app_ctx: Flask) -> None:
    db.session.add(Letterhead(id=1, logo=b"\x89PNG fake", logo_content_type="image/png"))
    db.session.commit()

    uri = logo_data_uri(current_letterhead())

    assert uri == "data:image/png;base64," + base64.b64encode(b"\x89PNG fake").decode()


def _png(width: int, height: int, *, noise: bool = False) -> bytes:
    image = Image.new("RGBA", (width, height), (200, 30, 30, 255))
    if noise:  # random pixels do not compress: a big file
        image = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


FILLED = {
    "government_name": "PEMERINTAH KABUPATEN BONE BOLANGO",
    "office_name": "DINAS KOMUNIKASI, INFORMATIKA DAN PERSANDIAN",
    "address": "Jl. Ahmad Nadjamuddin, Suwawa 96183",
    "phone": "(0435) 881234",
    "email": "diskominfo@bonebolangokab.go.id",
    "website": "bonebolangokab.go.id",
    "signer_name": "Drs. Andi Hasan, M.Si.",
    "signer_nip": "19750312 200003 1 004",
    "signer_position": "Kepala Dinas",
    "place": "Suwawa",
    "number_code": "ADUAN-KOMINFO",
}


def _post(client: FlaskClient, logo: bytes | None = None, **changes: str):  # type: ignore[no-untyped-def]
    page = client.get("/staff/admin/letterhead").get_data(as_text=True)
    data: dict[str, object] = {**FILLED, **changes, "csrf_token": csrf_token_from(page)}
    if logo is not None:
        data["logo"] = (io.BytesIO(logo), "logo.png")
    return client.post("/staff/admin/letterhead", data=data, content_type="multipart/form-data")


def test_an_admin_edits_the_letterhead_and_sees_it_as_printed(app: Flask, cast: Cast) -> None:
    admin = signed_in(app, cast.admin.email)
    first = admin.get("/staff/admin/letterhead").get_data(as_text=True)
    assert "<h1>Kop surat & penandatangan</h1>" in first
    assert "PEMERINTAH KABUPATEN BONE BOLANGO" in first  # the default, from the regency's name
    assert "NIP terdiri dari 18 angka" in first  # the hint says what an NIP is

    response = _post(admin, logo=_png(1600, 800))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = admin.get("/staff/admin/letterhead").get_data(as_text=True)
    assert "Tersimpan" in page
    assert "DINAS KOMUNIKASI, INFORMATIKA DAN PERSANDIAN" in page
    assert "19750312 200003 1 004" in page  # printed in its parts
    assert 'src="data:image/png;base64,' in page  # the logo's preview

    with app.app_context():
        letterhead = current_letterhead()
        assert letterhead.signer_nip == "197503122000031004"
        assert letterhead.number_code == "ADUAN-KOMINFO"
        assert letterhead.updated_by_user_id == cast.admin.id
        with Image.open(io.BytesIO(letterhead.logo or b"")) as logo:
            assert logo.size == (600, 300)  # made smaller for print, its ratio kept
    audit = admin.get("/staff/admin/audit").get_data(as_text=True)
    assert "Menyimpan kop surat dan penandatangan" in audit

    # Saved again without a new file, the logo stays; ticked "remove", it goes.
    assert _post(admin).status_code == 302
    with app.app_context():
        assert current_letterhead().logo is not None
    assert _post(admin, remove_logo="y").status_code == 302
    with app.app_context():
        assert current_letterhead().logo is None


@pytest.mark.parametrize(
    ("nip", "message"),
    [
        ("19750312 200003 1 00", "NIP terdiri dari 18 angka; yang ini 17 angka."),
        ("19751332 200003 1 004", "NIP diawali tanggal lahir"),
        ("1975.0312.2000.031004", "NIP ditulis dengan angka saja"),
    ],
)
def test_a_wrong_nip_is_refused_with_a_clear_message(
    app: Flask, cast: Cast, nip: str, message: str
) -> None:
    admin = signed_in(app, cast.admin.email)
    response = _post(admin, signer_nip=nip)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert 'href="#signer_nip"' in page  # the error summary leads to the field
    with app.app_context():
        assert db.session.get(Letterhead, 1) is None


def test_a_logo_over_one_megabyte_is_refused_with_its_size(app: Flask, cast: Cast) -> None:
    admin = signed_in(app, cast.admin.email)
    big = _png(700, 700, noise=True)
    assert len(big) > 1024 * 1024
    response = _post(admin, logo=big)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "paling besar 1 MB" in page and "1,4 MB" in page
    response = _post(admin, logo=b"%PDF-1.4 not a picture")
    assert response.status_code == 422
    assert "Logo harus berupa gambar PNG atau JPEG." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Letterhead, 1) is None


def _blank_png(width: int, height: int) -> bytes:
    """A genuine black-and-white PNG of ``width`` x ``height`` white pixels, a few KB in all.

    Written chunk by chunk rather than by Pillow, which would hold every pixel in memory.
    """

    def chunk(kind: bytes, body: bytes) -> bytes:
        checksum = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", checksum)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1 bit, greyscale
    row = b"\x00" + b"\xff" * ((width + 7) // 8)  # filter byte, then the row's bits
    pixels = zlib.compressobj(9)
    compressed = b"".join(pixels.compress(row) for _ in range(height)) + pixels.flush()
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", compressed)
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (10_000, 10_000),  # past our limit, short of the twice-as-many Pillow itself refuses
        (20_000, 20_000),  # past both
    ],
)
# Pillow warns on opening such a file: expected here, it is the attack being refused.
@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
def test_a_logo_declaring_too_many_pixels_is_refused_before_it_is_decoded(
    app: Flask, cast: Cast, width: int, height: int
) -> None:
    bomb = _blank_png(width, height)
    assert len(bomb) < 100 * 1024  # small on the wire, hundreds of MB once decoded
    assert struct.unpack(">II", bomb[16:24]) == (width, height)  # what its header declares
    admin = signed_in(app, cast.admin.email)

    response = _post(admin, logo=bomb)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Logo memiliki terlalu banyak piksel untuk dibuka dengan aman" in page
    assert "paling banyak 89 juta" in page
    with app.app_context():
        assert db.session.get(Letterhead, 1) is None


@pytest.mark.parametrize("role", ["officer_a", "supervisor"])
def test_only_admins_open_the_letterhead_page(app: Flask, cast: Cast, role: str) -> None:
    client = signed_in(app, getattr(cast, role).email)
    assert client.get("/staff/admin/letterhead").status_code == 403
    token = csrf_token_from(client.get("/staff/password").get_data(as_text=True))
    refused = client.post("/staff/admin/letterhead", data={**FILLED, "csrf_token": token})
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.get(Letterhead, 1) is None
