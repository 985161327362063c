"""A fake SMS Gateway for Android API on 127.0.0.1 for the real ``android-sms-gateway`` client.

It speaks what the client sends under ``/3rdparty/v1`` with HTTP Basic auth:
``POST /messages`` (answered 202 with the message's state, id ``msg-…``),
``GET``/``POST /webhooks``, ``GET /health`` and ``GET
/inbox/{messageId}/attachments/{partId}`` (the bytes of an MMS part put there
with :meth:`FakeSmsGateway.hold_attachment`). Every sent message, registered
webhook and attachment download is recorded. :func:`signed_event` builds a webhook
request as the app on the phone does: a JSON event signed with
``X-Signature`` = hex HMAC-SHA256 of the body followed by ``X-Timestamp``.

Outage knobs (:class:`tests.fakes.server.FakeServer`): ``refuse`` closes the
socket, ``error`` answers 500; :meth:`FakeSmsGateway.reject_next` answers
the next message with 400 (a number the gateway refuses).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import itertools
import json
import secrets
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

from tests.fakes.server import FakeServer, JsonApiHandler

USERNAME = "GATEWAYUSER"
PASSWORD = "gateway-password-0123"
SIGNING_KEY = "gateway-signing-key-0123456789"
PREFIX = "/3rdparty/v1"

_ids = itertools.count(1)


@dataclass(frozen=True)
class SentMessage:
    id: str
    phone_numbers: list[str]
    text: str


def signed_event(
    event: str,
    payload: dict[str, Any],
    timestamp: int,
    *,
    key: str = SIGNING_KEY,
    event_id: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A webhook request body and headers exactly as the app signs them."""
    document = {
        "deviceId": "fake-device-0001",
        "event": event,
        "id": event_id or f"evt-{next(_ids)}-{secrets.token_hex(6)}",
        "payload": payload,
        "webhookId": "fake-webhook",
    }
    body = json.dumps(document).encode()
    stamp = str(timestamp)
    signature = hmac.new(key.encode(), body + stamp.encode(), hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "X-Signature": signature,
        "X-Timestamp": stamp,
    }
    return body, headers


@dataclass
class FakeSmsGateway(FakeServer):
    """The fake gateway and what it has seen."""

    sent: list[SentMessage] = field(default_factory=list)
    webhooks: list[dict[str, str]] = field(default_factory=list)
    health_status: str = "pass"
    # (messageId, partId) -> (bytes, content type) the phone holds for an MMS it received.
    attachments: dict[tuple[str, int], tuple[bytes, str]] = field(default_factory=dict)
    attachment_requests: list[str] = field(default_factory=list)
    _rejections: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self._listen(0)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{PREFIX}"

    def config(self) -> dict[str, str]:
        """The app settings that point the gateway channel here."""
        return {
            "SMSGATE_API_URL": self.base_url,
            "SMSGATE_USERNAME": USERNAME,
            "SMSGATE_PASSWORD": PASSWORD,
            "SMSGATE_SIGNING_KEY": SIGNING_KEY,
        }

    def reset(self) -> None:
        self.recover()
        with self._lock:
            self.sent.clear()
            self.webhooks.clear()
            self.attachments.clear()
            self.attachment_requests.clear()
            self.health_status = "pass"
            self._rejections = 0

    def hold_attachment(
        self, message_id: str, part_id: int, content: bytes, content_type: str
    ) -> None:
        """Serve ``content`` as part ``part_id`` of the received MMS ``message_id``."""
        with self._lock:
            self.attachments[(message_id, part_id)] = (content, content_type)

    def reject_next(self, count: int = 1) -> None:
        with self._lock:
            self._rejections = count

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(JsonApiHandler):
            def _route(self, method: str, raw: bytes) -> None:
                if fake.outage == "error":
                    return self._json(500, {"message": "internal error"})
                if not self._authorised():
                    return self._json(401, {"message": "unauthorized"})
                path = self.path.split("?", 1)[0].removeprefix(PREFIX)
                body = json.loads(raw) if raw else {}
                if (method, path) == ("POST", "/messages"):
                    return self._message(body)
                if (method, path) == ("GET", "/webhooks"):
                    with fake._lock:
                        return self._json(200, list(fake.webhooks))
                if (method, path) == ("POST", "/webhooks"):
                    hook = {"id": f"wh-{next(_ids)}", "url": body["url"], "event": body["event"]}
                    with fake._lock:
                        fake.webhooks.append(hook)
                    return self._json(201, hook)
                if method == "GET" and path.startswith("/inbox/"):
                    return self._attachment(path)
                if (method, path) == ("GET", "/health"):
                    checks = {"messages:failed": {"status": fake.health_status}}
                    return self._json(
                        200, {"status": fake.health_status, "version": "1.0", "checks": checks}
                    )
                return self._json(404, {"message": "not found"})

            def _authorised(self) -> bool:
                expected = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
                return self.headers.get("Authorization") == f"Basic {expected}"

            def _message(self, body: dict[str, Any]) -> None:
                with fake._lock:
                    if fake._rejections > 0:
                        fake._rejections -= 1
                        return self._json(400, {"message": "invalid phone number"})
                    message = SentMessage(
                        id=f"msg-{next(_ids)}",
                        phone_numbers=list(body["phoneNumbers"]),
                        text=body["textMessage"]["text"],
                    )
                    fake.sent.append(message)
                recipients = [
                    {"phoneNumber": number, "state": "Pending"} for number in message.phone_numbers
                ]
                self._json(202, {"id": message.id, "state": "Pending", "recipients": recipients})

            def _attachment(self, path: str) -> None:
                parts = path.split("/")  # "", "inbox", id, "attachments", partId
                if len(parts) != 5 or parts[3] != "attachments" or not parts[4].isdigit():
                    return self._json(404, {"message": "not found"})
                with fake._lock:
                    fake.attachment_requests.append(path)
                    held = fake.attachments.get((unquote(parts[2]), int(parts[4])))
                if held is None:
                    return self._json(404, {"message": "attachment not found"})
                content, content_type = held
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                # The client may hang up once the Content-Length says it is too large.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(content)

        return Handler
