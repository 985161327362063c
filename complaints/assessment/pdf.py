"""HTML to PDF with WeasyPrint, offline.

The printed pages are rendered from the same templates as their HTML views.
WeasyPrint fetches what a page refers to; here it may read only our own
static files (``/static/…``) and ``data:`` URIs, never the network, so a
document renders the same on a machine with no internet and cannot be made to
call out by a link in a complaint's text.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import current_app

_BASE_URL = "http://aduan.invalid/"


def html_to_pdf(html: str) -> bytes:
    """The PDF of ``html`` (a whole page, with its print CSS)."""
    from weasyprint import HTML  # imported late: Pango loads here
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static_root = Path(current_app.static_folder or "static").resolve()

    class LocalOnly(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urlsplit(url)
            if parts.netloc == urlsplit(_BASE_URL).netloc and parts.path.startswith("/static/"):
                path = (static_root / parts.path.removeprefix("/static/")).resolve()
                if path.is_relative_to(static_root) and path.is_file():
                    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                    return URLFetcherResponse(
                        url, path.read_bytes(), headers={"Content-Type": kind}
                    )
            raise ValueError(f"not fetched while printing: {url}")

    document = HTML(string=html, base_url=_BASE_URL, url_fetcher=LocalOnly())
    return bytes(document.write_pdf())
