"""Location the way people give it, in Chromium on a 360-px phone.

"Use my location" (the browser's geolocation, granted to the test's context),
a Leaflet map to tap and drag a pin on, the desa list of the chosen
kecamatan, and the same form without JavaScript or without Leaflet. Map
tiles never come from the internet: a route answers them with a small PNG.
What the page does does not depend on the database: SQLite only (test_location
stores the same fields over HTTP on both databases).
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Complaint
from tests.browser_helpers import OSM_TILES, PHONE, assert_fits, check_accessibility, shot
from tests.conftest import IN_CI

LEAFLET = Path(__file__).resolve().parent.parent / "static" / "vendor" / "leaflet" / "leaflet.js"
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

# Near the Suwawa regent's office: where the test's phone says it is.
HERE = {"latitude": 0.5571, "longitude": 123.2617}


def _tile() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), (222, 236, 214)).save(buffer, "PNG")
    return buffer.getvalue()


TILE = _tile()


@pytest.fixture(autouse=True)
def leaflet_fetched() -> None:
    if not LEAFLET.exists():
        message = "Leaflet is not in static/vendor: run `make vendor`"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def form_page(open_browser: Any, live_server: str, **options: Any) -> Any:
    page = open_browser(viewport=PHONE, **options)
    tiles: list[tuple[str, str | None]] = []
    page.tiles = tiles

    def answer_tile(route: Any) -> None:
        tiles.append((route.request.url, route.request.headers.get("referer")))
        route.fulfill(status=200, content_type="image/png", body=TILE)

    page.route(OSM_TILES, answer_tile)
    page.goto(f"{live_server}/complaints/new")
    return page


def describe_problem(page: Any) -> None:
    page.get_by_label("Kategori").select_option("road-damage")
    page.get_by_label("Apa yang terjadi?").fill(
        "Lampu jalan di depan kantor bupati padam sejak seminggu, jalan gelap sekali."
    )


def send(page: Any, app: Flask) -> Complaint:
    page.get_by_role("button", name="Kirim laporan").click()
    page.wait_for_url(re.compile(r".*/track/ADU-.*"))
    code = page.url.rsplit("/", 1)[-1].split("?")[0]
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.code == code))
        assert complaint is not None
        db.session.expunge(complaint)
    return complaint


def coordinates(page: Any) -> tuple[float, float]:
    return float(page.locator("#lat").input_value()), float(page.locator("#lon").input_value())


def map_settled(page: Any) -> None:
    """No zoom or pan animation running (Leaflet marks the container while one does)."""
    page.wait_for_function(
        "() => !document.querySelector('#location-map.leaflet-zoom-anim, "
        "#location-map .leaflet-zoom-anim')"
    )
    page.wait_for_timeout(300)  # the pan that follows a zoom


def test_use_my_location_fills_the_coordinates_and_the_report_keeps_them(
    app: Flask, live_server: str, open_browser: Any
) -> None:
    page = form_page(open_browser, live_server, geolocation=HERE, permissions=["geolocation"])
    page.locator("#location-map.leaflet-container").wait_for()
    assert page.locator("#lat").input_value() == ""

    page.get_by_role("button", name="Gunakan lokasi saya").click()
    page.wait_for_function("() => document.querySelector('#lat').value !== ''")
    assert coordinates(page) == (pytest.approx(0.5571), pytest.approx(123.2617))
    assert "Lokasi ditemukan" in page.locator("#location-status").inner_text()
    assert page.locator(".leaflet-marker-icon").count() == 1

    describe_problem(page)
    complaint = send(page, app)
    assert complaint.lat == pytest.approx(0.5571) and complaint.lon == pytest.approx(123.2617)
    assert not page.csp_blocked, page.csp_blocked


def test_tapping_the_map_drops_the_pin_and_dragging_moves_it(
    app: Flask, live_server: str, open_browser: Any
) -> None:
    page = form_page(open_browser, live_server)
    area = page.locator("#location-map.leaflet-container")
    area.wait_for()
    box = area.bounding_box()
    assert box is not None
    # It fits the phone: the whole width, about 240 px high.
    assert box["width"] <= 360 and 200 <= box["height"] <= 280
    assert page.tiles, "the map asked for no tiles"
    # The tile servers' policy wants a Referer: our origin, never the page's path.
    assert {referer for _url, referer in page.tiles} == {f"{live_server}/"}
    assert "© OpenStreetMap" in page.locator(".leaflet-control-attribution").inner_text()

    # The wheel over the map scrolls the page, not the map: it does not trap scrolling.
    area.scroll_into_view_if_needed()
    seen = area.bounding_box()
    assert seen is not None
    page.mouse.move(seen["x"] + seen["width"] / 2, seen["y"] + seen["height"] / 2)
    before = page.evaluate("() => window.scrollY")
    page.mouse.wheel(0, 150)
    page.wait_for_function(f"() => window.scrollY > {before}")

    # An empty form's map shows the regency: a tap at its centre is near Bone Bolango's.
    area.click(position={"x": box["width"] / 2, "y": box["height"] / 2})
    first = coordinates(page)
    assert first[0] == pytest.approx(0.50, abs=0.02) and first[1] == pytest.approx(123.27, abs=0.02)
    map_settled(page)

    # A tap up and to the right of the pin puts it north-east of where it was.
    area.click(position={"x": box["width"] / 2 + 60, "y": box["height"] / 2 - 40})
    second = coordinates(page)
    assert second[0] > first[0] and second[1] > first[1]
    assert page.locator(".leaflet-marker-icon").count() == 1
    map_settled(page)

    # Dragging the pin to the left moves it west.
    pin = page.locator(".leaflet-marker-icon").bounding_box()
    assert pin is not None
    x, y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x - 40, y, steps=8)
    page.mouse.up()
    page.wait_for_function(f"() => parseFloat(document.querySelector('#lon').value) < {second[1]}")
    dragged = coordinates(page)
    assert dragged[1] < second[1]

    # The form is still a phone's, readable and allowed by the CSP, map included.
    assert_fits(page, "location-map")
    check_accessibility(page, "location-map")
    shot(page, "location-map")
    assert page.csp_blocked == []

    describe_problem(page)
    complaint = send(page, app)
    assert (complaint.lat, complaint.lon) == (pytest.approx(dragged[0]), pytest.approx(dragged[1]))


def test_the_map_fits_a_phone_in_english_too(live_server: str, open_browser: Any) -> None:
    page = form_page(open_browser, live_server, locale="en-US")
    page.goto(f"{live_server}/complaints/new?lang=en")
    page.locator("#location-map.leaflet-container").wait_for()
    assert page.get_by_role("button", name="Use my location").is_visible()
    assert page.get_by_text("Tap the map where the problem is").is_visible()
    assert_fits(page, "location-map-en")
    shot(page, "location-map-en")
    assert page.csp_blocked == []


def test_typed_coordinates_move_the_pin(live_server: str, open_browser: Any) -> None:
    page = form_page(open_browser, live_server)
    page.locator("#location-map.leaflet-container").wait_for()
    assert page.locator(".leaflet-marker-icon").count() == 0
    page.get_by_text("Koordinat (garis lintang dan garis bujur)").click()
    page.locator("#lat").fill("0.5412")
    page.locator("#lon").fill("123.1345")
    page.locator("#lon").press("Tab")
    page.locator(".leaflet-marker-icon").wait_for()
    assert page.csp_blocked == []


def test_the_desa_list_shows_the_chosen_kecamatans_and_the_report_keeps_both(
    app: Flask, live_server: str, open_browser: Any
) -> None:
    page = form_page(open_browser, live_server)
    page.get_by_label("Kecamatan (opsional)").select_option("Suwawa Tengah")
    desa = page.get_by_label("Desa/kelurahan (opsional)")
    offered = desa.locator("option").all_inner_texts()
    assert offered[1:] == ["Alale", "Duano", "Lombongo", "Lompotoo", "Tapadaa", "Tolomato"]
    desa.select_option("Lombongo")

    # Another kecamatan: its own desa, and Lombongo is no longer chosen.
    page.get_by_label("Kecamatan (opsional)").select_option("Pinogu")
    assert desa.input_value() == ""
    assert "Lombongo" not in desa.locator("option").all_inner_texts()
    page.get_by_label("Kecamatan (opsional)").select_option("Suwawa Tengah")
    desa.select_option("Lombongo")

    describe_problem(page)
    complaint = send(page, app)
    assert (complaint.kecamatan, complaint.desa) == ("Suwawa Tengah", "Lombongo")


def test_without_javascript_the_address_alone_or_typed_coordinates_are_enough(
    app: Flask, live_server: str, open_browser: Any
) -> None:
    page = form_page(open_browser, live_server, javascript=False)
    assert not page.locator("#location-map").is_visible()
    assert not page.get_by_role("button", name="Gunakan lokasi saya").is_visible()
    page.get_by_label("Alamat atau nama tempat (opsional)").fill("Jalan Poowo, depan pasar Kabila")
    describe_problem(page)
    assert_fits(page, "location-no-js")
    shot(page, "location-no-js")
    by_address = send(page, app)
    assert by_address.address == "Jalan Poowo, depan pasar Kabila" and by_address.lat is None

    page.goto(f"{live_server}/complaints/new")
    page.get_by_text("Koordinat (garis lintang dan garis bujur)").click()
    page.get_by_label("Garis lintang (opsional)").fill("0.5412")
    page.get_by_label("Garis bujur (opsional)").fill("123.1345")
    page.get_by_label("Desa/kelurahan (opsional)").select_option(label="Botubarani")
    describe_problem(page)
    by_coordinates = send(page, app)
    assert (by_coordinates.lat, by_coordinates.lon) == (
        pytest.approx(0.5412),
        pytest.approx(123.1345),
    )
    assert (by_coordinates.kecamatan, by_coordinates.desa) == ("Kabila Bone", "Botubarani")


def test_without_leaflet_there_is_no_map_but_my_location_still_fills_in(
    app: Flask, live_server: str, open_browser: Any
) -> None:
    page = open_browser(viewport=PHONE, geolocation=HERE, permissions=["geolocation"])
    page.route("**/static/vendor/leaflet/**", lambda route: route.fulfill(status=404))
    page.goto(f"{live_server}/complaints/new")
    button = page.get_by_role("button", name="Gunakan lokasi saya")
    button.click()
    page.wait_for_function("() => document.querySelector('#lat').value !== ''")
    assert not page.locator("#location-map").is_visible()
    # No map to show it on: the coordinates open for the citizen to see.
    assert page.get_by_label("Garis lintang (opsional)").is_visible()
    assert coordinates(page) == (pytest.approx(0.5571), pytest.approx(123.2617))
    assert_fits(page, "location-no-leaflet")
    describe_problem(page)
    complaint = send(page, app)
    assert complaint.lat == pytest.approx(0.5571)
