"""Photos sent by MMS to the phone: the ``mms:downloaded`` event and its attachments.

SMS Gateway for Android (1.56 and later) posts ``mms:downloaded`` once the
phone has downloaded an MMS. Its payload is what the client library models
as ``webhooks.MmsDownloadedPayload``: ``messageId, phoneNumber, sender,
receivedAt, attachments`` and optionally ``recipient, simNumber, subject,
body`` (the MMS's text). Each attachment (``MmsDownloadedAttachment``)
has ``partId, contentType`` and optionally ``name, size`` and ``data``
(the bytes in Base64, when the app includes them).

The MMS becomes one message of the SMS command layer: its text is read as
an SMS's (``LAPOR …`` files, a further part joins, …) and each attachment
is a media reference ``smsgate-mms:<messageId>/<partId>`` that the layer's
``fetch_photos`` resolves through :func:`download`, then checks as every
channel's photos are checked (``complaints.attachments``). Non-images are
never fetched (the layer logs and skips them).

:func:`download` takes the inline bytes of the event being handled when
the payload carried them (:func:`inline_parts`), else asks the phone with
the library's ``download_attachment`` (``GET /inbox/{id}/attachments/{partId}``),
reading at most the photo size limit.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote

import requests
from android_sms_gateway import errors
from android_sms_gateway.http import RequestsHttpClient
from android_sms_gateway.webhooks import MmsDownloadedPayload
from flask import g

from channels.sms.inbound import MAX_MEDIA, MediaRef
from channels.sms.media import MediaRefused, read_capped
from complaints.attachments import MAX_PHOTO_BYTES

from .settings import current_settings
from .transport import TimeoutSession, build_client

logger = logging.getLogger(__name__)

EVENT = "mms:downloaded"
SCHEME = "smsgate-mms"
_INLINE_KEY = "aduan_smsgate_inline_parts"


def parse_payload(payload: dict[str, Any]) -> MmsDownloadedPayload | None:
    """The payload as the library reads it; None when a field it requires is missing or bad."""
    try:
        return MmsDownloadedPayload.from_dict(payload)
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        logger.warning("unreadable %s payload: %s", EVENT, error)
        return None


def media_url(message_id: str, part_id: int) -> str:
    return f"{SCHEME}:{message_id}/{part_id}"


def media_of(mms: MmsDownloadedPayload) -> tuple[tuple[MediaRef, ...], dict[str, bytes]]:
    """The attachments as media references, and the inline bytes of those that carry them."""
    refs: list[MediaRef] = []
    inline: dict[str, bytes] = {}
    for attachment in mms.attachments[:MAX_MEDIA]:
        if not isinstance(attachment.part_id, int) or isinstance(attachment.part_id, bool):
            logger.warning("MMS attachment without a numeric partId skipped")
            continue
        url = media_url(str(mms.message_id), attachment.part_id)
        content_type = str(attachment.content_type or "").split(";")[0].strip().lower()
        refs.append(MediaRef(url, content_type))
        if isinstance(attachment.data, str) and attachment.data:
            try:
                inline[url] = base64.b64decode(attachment.data, validate=True)
            except (binascii.Error, ValueError):
                logger.warning("MMS part %s: inline data is not Base64; asking the phone", url)
    return tuple(refs), inline


@contextmanager
def inline_parts(parts: dict[str, bytes]) -> Iterator[None]:
    """While handling one event, :func:`download` serves these bytes without asking the phone."""
    previous = g.get(_INLINE_KEY)
    setattr(g, _INLINE_KEY, parts)
    try:
        yield
    finally:
        setattr(g, _INLINE_KEY, previous)


class _CappedHttpClient(RequestsHttpClient):
    """The library's requests layer, but ``get_bytes`` stops past the photo size limit.

    The library reads the whole body into memory; a part larger than any
    photo we keep is refused as soon as its length shows it.
    """

    def __init__(self, session: requests.Session) -> None:
        super().__init__(session=session)
        self._capped_session = session

    def get_bytes(self, url: str, *, headers: dict[str, str] | None = None) -> bytes:
        with self._capped_session.get(url, headers=headers, stream=True) as response:
            if response.status_code >= 400:
                raise errors.error_from_status(
                    f"HTTP {response.status_code}", response.status_code, {}
                )
            return read_capped(response)


def _parse_url(url: str) -> tuple[str, int]:
    message_id, _, part = url.removeprefix(f"{SCHEME}:").rpartition("/")
    if not message_id or message_id in (".", "..") or not part.isdigit():
        raise MediaRefused("not a gateway MMS part")
    return message_id, int(part)


def download(url: str, session: requests.Session) -> bytes:
    """The bytes of ``smsgate-mms:<messageId>/<partId>`` (raises MediaRefused or RequestException).

    ``session`` (the command layer's) is not used: the phone is asked
    through the library's client, with the gateway's credentials.
    """
    del session
    inline: dict[str, bytes] = g.get(_INLINE_KEY) or {}
    content = inline.get(url)
    if content is not None:
        if len(content) > MAX_PHOTO_BYTES:
            raise MediaRefused("larger than the photo size limit")
        return content
    message_id, part_id = _parse_url(url)
    with TimeoutSession() as http_session:
        client = build_client(current_settings(), http=_CappedHttpClient(http_session))
        try:
            # The id goes into the URL's path: quoted, so it can only name a message.
            return client.download_attachment(quote(message_id, safe=""), part_id)
        except errors.APIError as error:
            raise MediaRefused(f"the phone answered HTTP {error.status_code}") from error
        except (ValueError, KeyError) as error:
            raise MediaRefused(f"unreadable answer from the phone: {error}") from error
