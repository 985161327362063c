"""What a citizen's phone downloads: the form is light, the site has its icon and its regency."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient

# The budget for the form with everything it loads, compressed.
FORM_BUDGET_GZIP = 150 * 1024


def _assets(html: str) -> list[str]:
    """Same-origin stylesheets, scripts and images the page loads."""
    found = re.findall(r'<link rel="stylesheet" href="(/[^"]+)"', html)
    found += re.findall(r'<script[^>]* src="(/[^"]+)"', html)
    found += re.findall(r'<img[^>]* src="(/[^"]+)"', html)
    return found


def test_the_form_and_everything_it_loads_stay_under_150_kb_compressed(
    client: FlaskClient,
) -> None:
    page = client.get("/complaints/new")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = _assets(html)
    assert any("bootstrap" in url for url in assets)
    total = len(gzip.compress(page.get_data()))
    for url in assets:
        answer = client.get(url)
        assert answer.status_code == 200, url
        total += len(gzip.compress(answer.get_data()))
    assert total < FORM_BUDGET_GZIP, f"{total} bytes compressed"


def test_the_favicon_is_served(client: FlaskClient) -> None:
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.get_data()[:4] == b"\x00\x00\x01\x00"  # the ICO header
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)


def test_the_regency_name_and_logo_come_from_the_settings(
    app: Flask, client: FlaskClient, tmp_path: Path
) -> None:
    assert client.get("/logo").status_code == 404
    logo = tmp_path / "logo.png"
    logo.write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
        b"\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01"
        b"\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
    )
    app.config.update(REGENCY_NAME="Kabupaten Gorontalo Utara", REGENCY_LOGO=str(logo))
    html = client.get("/").get_data(as_text=True)
    assert "Kabupaten Gorontalo Utara" in html
    assert "Bone Bolango" not in html
    assert 'src="/logo"' in html
    answer = client.get("/logo")
    assert answer.status_code == 200
    assert answer.mimetype == "image/png"
