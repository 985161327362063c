"""Downloading a WhatsApp photo from the Graph API, with the checks of ``channels.sms.media``.

The command layer names media by a ``MediaRef`` URL; a Cloud API photo is
``wa-media:<media id>``. Fetching it takes two requests, both to the
configured Graph API host only, with the bearer token:

1. ``GET /{version}/{media-id}`` answers JSON with ``url``, ``mime_type``
   and ``file_size``;
2. ``GET <url>`` (Meta's media host, ``lookaside.fbsbx.com``, or the
   configured API host in tests) gives the bytes.

The declared type must be one intake accepts and the size within the photo
limit; the download is capped and the bytes must really be an image
(``fetch_photos`` checks again). A URL elsewhere is refused: the token goes
only to Meta.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from flask import current_app

from channels.sms.media import (
    ACCEPTED_TYPES,
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    MediaRefused,
    read_capped,
)
from complaints.attachments import MAX_PHOTO_BYTES

from .settings import EXTENSION_KEY, CloudSettings

SCHEME = "wa-media"
# Where Meta serves media bytes (the URL the media endpoint answers with).
MEDIA_HOST_SUFFIXES = (".fbsbx.com", ".facebook.com", ".whatsapp.net")


def media_url(media_id: str) -> str:
    return f"{SCHEME}:{media_id}"


def _download_host_allowed(url: str, settings: CloudSettings) -> bool:
    parts, api = urlsplit(url), urlsplit(settings.api_base_url)
    if (parts.scheme, parts.netloc) == (api.scheme, api.netloc):
        return True
    host = parts.hostname or ""
    return parts.scheme == "https" and host.endswith(MEDIA_HOST_SUFFIXES)


def download(ref_url: str, session: requests.Session) -> bytes:
    """The bytes of the photo named ``wa-media:<id>`` (raises MediaRefused or RequestException)."""
    settings: CloudSettings = current_app.extensions[EXTENSION_KEY]
    media_id = ref_url.removeprefix(f"{SCHEME}:")
    if not media_id or not media_id.isalnum():
        raise MediaRefused("not a WhatsApp media id")
    headers = {"Authorization": f"Bearer {settings.access_token}"}
    timeout = (CONNECT_TIMEOUT, READ_TIMEOUT)
    response = session.get(
        settings.graph_url(media_id), headers=headers, timeout=timeout, allow_redirects=False
    )
    if response.status_code != 200:
        raise MediaRefused(f"media lookup: HTTP {response.status_code}")
    info = response.json()
    url = str(info.get("url") or "")
    if str(info.get("mime_type") or "").split(";")[0].strip().lower() not in ACCEPTED_TYPES:
        raise MediaRefused("not an accepted image type")
    size = info.get("file_size")
    if isinstance(size, int) and size > MAX_PHOTO_BYTES:
        raise MediaRefused("larger than the photo size limit")
    if not _download_host_allowed(url, settings):
        raise MediaRefused(f"media on a foreign host {urlsplit(url).netloc}")
    with session.get(
        url, headers=headers, stream=True, timeout=timeout, allow_redirects=False
    ) as download_response:
        if download_response.status_code != 200:
            raise MediaRefused(f"media download: HTTP {download_response.status_code}")
        return read_capped(download_response)
