"""Fetching MMS and WhatsApp photos from Twilio, without becoming an open proxy.

The webhook names media by URL. Even though the request is signed, we fetch
only what can be Twilio's media store, never a URL of someone's choosing
(server-side request forgery):

1. only declared image types (``MediaContentType<n>``) that intake accepts;
2. the URL must be HTTPS on ``api.twilio.com`` (or exactly the scheme and
   host of ``TWILIO_API_BASE_URL``) and name our own account's media;
3. Twilio answers with a redirect to a short-lived signed URL on its CDN: a
   redirect is followed only to HTTPS hosts of Twilio's CDN or storage, at
   most three times, and our credentials go only to the API host;
4. every download is capped (bytes and seconds), and the bytes must really
   be an image (checked again by intake).

A photo that fails any step is skipped and logged; the complaint's text is
filed regardless.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from urllib.parse import urljoin, urlsplit

import requests

from complaints.attachments import MAX_PHOTO_BYTES, MAX_PHOTOS, NewAttachment, image_content_type

from .inbound import MediaRef
from .settings import TWILIO_API_HOST, TwilioSettings

logger = logging.getLogger(__name__)

ACCEPTED_TYPES = frozenset({"image/jpeg", "image/jpg", "image/png", "image/webp", "image/gif"})
# Twilio stores media in its own CDN and S3 buckets and redirects there.
REDIRECT_HOST_SUFFIXES = (".twilio.com", ".twiliocdn.com", ".amazonaws.com")
MAX_REDIRECTS = 3
CONNECT_TIMEOUT = 3.0
READ_TIMEOUT = 5.0
_EXTENSIONS = {"image/png": "png", "image/webp": "webp", "image/gif": "gif"}


class MediaRefused(Exception):
    """A media URL or response we will not use."""


# Other transports of the command layer name their media with a URL scheme of their
# own (WhatsApp Cloud API: ``wa-media:<id>``) and register how to fetch it.
Fetcher = Callable[[str, requests.Session], bytes]
_FETCHERS: dict[str, Fetcher] = {}


def register_fetcher(scheme: str, fetcher: Fetcher) -> None:
    """Fetch media URLs of ``scheme`` with ``fetcher`` instead of from Twilio."""
    _FETCHERS[scheme] = fetcher


def _api_origin(settings: TwilioSettings) -> tuple[str, str]:
    if settings.api_base_url:
        base = urlsplit(settings.api_base_url)
        return base.scheme, base.netloc
    return "https", TWILIO_API_HOST


def is_twilio_media_url(url: str, settings: TwilioSettings) -> bool:
    """True for a media URL of our account on the Twilio API host (step 2)."""
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != _api_origin(settings):
        return False
    account_prefix = f"/2010-04-01/Accounts/{settings.account_sid}/Messages/"
    base_path = urlsplit(settings.api_base_url).path.rstrip("/") if settings.api_base_url else ""
    return parts.path.startswith(base_path + account_prefix) and "/Media/" in parts.path


def _redirect_allowed(url: str, settings: TwilioSettings) -> bool:
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) == _api_origin(settings):
        return True
    host = parts.hostname or ""
    return parts.scheme == "https" and host.endswith(REDIRECT_HOST_SUFFIXES)


def read_capped(response: requests.Response) -> bytes:
    """The body, refused as soon as it (or the length it announces) passes the photo limit."""
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_PHOTO_BYTES:
        raise MediaRefused("larger than the photo size limit")
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=64 * 1024):
        size += len(chunk)
        if size > MAX_PHOTO_BYTES:
            raise MediaRefused("larger than the photo size limit")
        chunks.append(chunk)
    return b"".join(chunks)


def download(url: str, settings: TwilioSettings, session: requests.Session) -> bytes:
    """The bytes behind a Twilio media URL, following only allowed redirects (steps 2-4)."""
    if not is_twilio_media_url(url, settings):
        raise MediaRefused("not a media URL of our Twilio account")
    origin = _api_origin(settings)
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        on_api = (urlsplit(current).scheme, urlsplit(current).netloc) == origin
        auth = (settings.account_sid or "", settings.auth_token or "") if on_api else None
        with session.get(
            current,
            auth=auth,
            allow_redirects=False,
            stream=True,
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
        ) as response:
            if response.is_redirect:
                target = urljoin(current, response.headers.get("Location", ""))
                if not _redirect_allowed(target, settings):
                    raise MediaRefused(f"redirect to a foreign host {urlsplit(target).netloc}")
                current = target
                continue
            if response.status_code != 200:
                raise MediaRefused(f"HTTP {response.status_code}")
            return read_capped(response)
    raise MediaRefused("too many redirects")


def fetch_photos(
    refs: Iterable[MediaRef], settings: TwilioSettings, limit: int = MAX_PHOTOS
) -> list[NewAttachment]:
    """Download the photos among ``refs`` (at most ``limit``); skip anything unsafe.

    ``limit`` is what the complaint still has room for: a photo it would
    refuse is not downloaded.
    """
    photos: list[NewAttachment] = []
    with requests.Session() as session:
        for number, ref in enumerate(refs, start=1):
            if len(photos) >= limit:
                break
            if ref.content_type not in ACCEPTED_TYPES:
                logger.info("not fetching media of type %r", ref.content_type)
                continue
            try:
                fetcher = _FETCHERS.get(urlsplit(ref.url).scheme)
                if fetcher is not None:
                    content = fetcher(ref.url, session)
                else:
                    content = download(ref.url, settings, session)
            except (MediaRefused, requests.RequestException) as error:
                logger.warning("skipping media %s: %s", urlsplit(ref.url).netloc, error)
                continue
            content_type = image_content_type(content)
            if content_type is None:
                logger.warning("skipping media that is not an accepted image")
                continue
            extension = _EXTENSIONS.get(content_type, "jpg")
            photos.append(NewAttachment(f"photo-{number}.{extension}", content, content_type))
    return photos
