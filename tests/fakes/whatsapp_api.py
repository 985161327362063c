"""A fake Meta Graph API (WhatsApp Cloud API) on 127.0.0.1.

It speaks what ``channels.whatsapp`` sends, with the bearer token:
``POST /{version}/{phone-number-id}/messages`` (recorded, answered with a
wamid ``wamid.fake-…``), ``GET /{version}/{media-id}`` (the media's URL,
type and size) and ``GET /media-bytes/{media-id}`` (a small JPEG).
:meth:`FakeGraphApi.fail_next` answers the next messages with a Graph API
error (e.g. 131047, the re-engagement error outside the 24-hour window).
:func:`notification` builds a webhook request as Meta sends it, signed with
``X-Hub-Signature-256``.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from PIL import Image

from tests.fakes.server import FakeServer, JsonApiHandler

ACCESS_TOKEN = "fake-whatsapp-access-token-0123"
PHONE_NUMBER_ID = "106540352242922"
APP_SECRET = "fake-app-secret-0123456789abcdef"
VERIFY_TOKEN = "fake-verify-token-4567"
VERSION = "v21.0"

_ids = itertools.count(1)


def small_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (120, 60, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


def notification(
    value: dict[str, Any], *, secret: str = APP_SECRET, phone_number_id: str = PHONE_NUMBER_ID
) -> tuple[bytes, dict[str, str]]:
    """A webhook POST body and headers as Meta sends them, for one change ``value``."""
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "628110000000", "phone_number_id": phone_number_id},
        **value,
    }
    document = {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA-ID", "changes": [{"field": "messages", "value": value}]}],
    }
    body = json.dumps(document).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"Content-Type": "application/json", "X-Hub-Signature-256": signature}


def message(
    sender: str, kind: str, content: dict[str, Any], wamid: str | None = None
) -> dict[str, Any]:
    """One entry of ``value.messages`` (``sender``: digits with the country code)."""
    return {
        "from": sender,
        "id": wamid or f"wamid.in-{next(_ids)}",
        "timestamp": "1700000000",
        "type": kind,
        kind: content,
    }


@dataclass
class FakeGraphApi(FakeServer):
    """The fake Graph API and the messages it has been asked to send."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    media_requests: int = 0
    _failures: list[tuple[int, int]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._listen(0)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self) -> dict[str, str]:
        return {
            "WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": PHONE_NUMBER_ID,
            "WHATSAPP_APP_SECRET": APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
            "WHATSAPP_API_BASE_URL": self.base_url,
            "WHATSAPP_API_VERSION": VERSION,
            "WHATSAPP_TEMPLATE_ACK": "aduan_diterima",
            "WHATSAPP_TEMPLATE_STATUS": "aduan_status",
            "WHATSAPP_TEMPLATE_LANGUAGE": "id",
        }

    def reset(self) -> None:
        self.recover()
        with self._lock:
            self.sent.clear()
            self.media_requests = 0
            self._failures.clear()

    def fail_next(self, code: int, status: int = 400, count: int = 1) -> None:
        with self._lock:
            self._failures.extend([(status, code)] * count)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self
        image = small_jpeg()

        class Handler(JsonApiHandler):
            def _route(self, method: str, raw: bytes) -> None:
                if fake.outage == "error":
                    return self._json(500, {"error": {"code": 1, "message": "unknown"}})
                if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
                    return self._json(401, {"error": {"code": 190, "message": "bad token"}})
                path = self.path.split("?", 1)[0]
                if method == "POST" and path == f"/{VERSION}/{PHONE_NUMBER_ID}/messages":
                    return self._message(json.loads(raw))
                if method == "GET" and path.startswith("/media-bytes/"):
                    with fake._lock:
                        fake.media_requests += 1
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(image)))
                    self.end_headers()
                    self.wfile.write(image)
                    return None
                if method == "GET" and path.startswith(f"/{VERSION}/"):
                    media_id = path.rsplit("/", 1)[-1]
                    return self._json(
                        200,
                        {
                            "messaging_product": "whatsapp",
                            "url": f"{fake.base_url}/media-bytes/{media_id}",
                            "mime_type": "image/jpeg",
                            "file_size": len(image),
                            "id": media_id,
                        },
                    )
                return self._json(404, {"error": {"code": 100, "message": "unknown path"}})

            def _message(self, payload: dict[str, Any]) -> None:
                with fake._lock:
                    failure = fake._failures.pop(0) if fake._failures else None
                    if failure is None:
                        fake.sent.append(payload)
                if failure is not None:
                    status, code = failure
                    return self._json(status, {"error": {"code": code, "message": "fake error"}})
                wamid = f"wamid.fake-{next(_ids)}"
                return self._json(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": payload.get("to"), "wa_id": payload.get("to")}],
                        "messages": [{"id": wamid}],
                    },
                )

        return Handler
