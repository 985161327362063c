"""A real phone browser: a photo attached to a form that comes back is kept, then filed.

With JavaScript the photo is made smaller in the browser and sent ahead with a
progress bar; without it the form posts it as it is. Either way the citizen
does not choose it again after "Pilih kategori.", and the complaint has it.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from complaints.attachments import MAX_PHOTO_SIDE
from complaints.extensions import db
from complaints.models import Complaint, PendingPhoto
from tests.browser_helpers import PHONE, assert_fits, check_accessibility, shot

DESCRIPTION = "Jalan di depan SDN 1 Kabila berlubang besar dan tergenang saat hujan."
# Everything not served by the live server (map tiles, say) is refused: no test reaches out.
ELSEWHERE = re.compile(r"^https?://(?!127\.0\.0\.1[:/])")


def phone_photo(folder: Path) -> Path:
    """A 3000×2000 JPEG of about 3 MB, as a phone camera makes it (noise keeps it large)."""
    noise = Image.effect_noise((3000, 2000), 40)
    gradient = Image.linear_gradient("L").resize((3000, 2000))
    picture = Image.merge("RGB", (noise, gradient, Image.eval(noise, lambda value: 255 - value)))
    path = folder / "jalan-rusak.jpg"
    picture.save(path, "JPEG", quality=92)
    return path


def stored_photos(app: Flask) -> list[tuple[int, int]]:
    with app.app_context():
        complaint = db.session.scalars(select(Complaint)).one()
        sizes = []
        for attachment in complaint.attachments:
            with Image.open(io.BytesIO(attachment.content)) as image:
                sizes.append(image.size)
        assert db.session.scalars(select(PendingPhoto)).all() == []
        db.session.remove()
    return sizes


def wait_for(found: list[Any], page: Any) -> Any:
    """The first item ``found`` collects while the page runs (Playwright handles events)."""
    deadline = time.monotonic() + 15
    while not found and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert found, "nothing arrived"
    return found[0]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_a_photo_sent_with_a_form_that_comes_back_is_kept_on_a_phone(
    app: Flask, live_server: str, open_browser: Any, tmp_path: Path, javascript: bool
) -> None:
    mode = "js" if javascript else "nojs"
    photo = phone_photo(tmp_path)
    page = open_browser(viewport=PHONE, javascript=javascript)
    page.route(ELSEWHERE, lambda route: route.abort())
    held_back: list[Any] = []  # the photos' upload, held until the progress bar is seen
    if javascript:
        page.route("**/complaints/new/photos", lambda route: held_back.append(route))

    page.goto(f"{live_server}/complaints/new")
    page.get_by_label("Apa yang terjadi?").fill(DESCRIPTION)
    page.locator("#photos").set_input_files(photo)
    if javascript:
        chosen = page.locator("#chosen-photos img")
        chosen.wait_for()
        assert chosen.get_attribute("alt") == "jalan-rusak.jpg"
    page.get_by_role("button", name="Kirim laporan").click()  # no category chosen

    if javascript:
        upload = wait_for(held_back, page)
        bar = page.get_by_role("progressbar", name="Mengirim foto…")
        assert bar.is_visible()
        assert bar.get_attribute("aria-valuenow") is not None
        shot(page, "photos-uploading-js")
        sent = len(upload.request.post_data_buffer)
        # Made smaller in the browser: the JPEG at 2048 px instead of the 3 MB original.
        assert sent < photo.stat().st_size * 0.7, (sent, photo.stat().st_size)
        upload.continue_()

    kept = page.locator("#photos-kept")
    kept.wait_for()
    assert "tidak perlu memilih ulang" in kept.inner_text()
    assert "Pilih kategori." in page.content()
    assert page.get_by_label("Apa yang terjadi?").input_value() == DESCRIPTION
    thumbnail = page.get_by_role("img", name="Foto 1 yang Anda kirim")
    # Served to this browser (its cookies), as the page shows it; evaluate() needs JavaScript.
    shown = page.request.get(live_server + str(thumbnail.get_attribute("src")))
    assert shown.ok and shown.headers["content-type"] == "image/jpeg"
    assert page.get_by_label("Hapus foto 1").is_visible()
    assert_fits(page, f"photos-kept-{mode}")
    check_accessibility(page, f"photos-kept-{mode}")
    shot(page, f"photos-kept-{mode}")

    page.get_by_label("Kategori").select_option("road-damage")
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url(re.compile(r".*/track/ADU-.*"))
    assert "Laporan Anda sudah diterima" in page.content()

    assert stored_photos(app) == [(MAX_PHOTO_SIDE, 1365)]
    assert page.csp_blocked == []
