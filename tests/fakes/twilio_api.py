"""A fake Twilio REST API on 127.0.0.1 for the real twilio client.

It speaks what twilio's ``messages.create`` sends: form-encoded
``POST /2010-04-01/Accounts/<sid>/Messages.json`` with HTTP Basic auth,
answered ``201`` with a Message resource (``sid`` "SM…", ``status`` queued),
or with Twilio's JSON error body (``code``, ``message``, ``more_info``,
``status``). It also serves media like Twilio's media store:
``GET /2010-04-01/Accounts/<sid>/Messages/<MM…>/Media/<ME…>``, behind Basic
auth, optionally through a redirect to a signed CDN-style URL.

Knobs for failure tests: :meth:`FakeTwilioApi.fail_next` (5xx or 429) and
:meth:`FakeTwilioApi.reject_number` (400 with an error code such as 21211).
Every request is recorded.

Outage knobs (:meth:`FakeTwilioApi.go_down`, :meth:`FakeTwilioApi.recover`):
``refuse`` closes the listening socket and drops kept-alive connections,
``error`` answers 500, ``flood`` 429; :meth:`FakeTwilioApi.hang_next`
creates the next messages but answers only after the client has given up.
:attr:`FakeTwilioApi.accepted` lists the messages actually created.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.fakes.server import FakeServer

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
FROM_NUMBER = "+15005550006"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    form: dict[str, list[str]]
    auth: tuple[str, str] | None

    def value(self, name: str) -> str | None:
        values = self.form.get(name)
        return values[0] if values else None


@dataclass
class _Media:
    content: bytes
    content_type: str
    redirect: bool


@dataclass
class _Rejection:
    status: int
    code: int
    message: str


@dataclass
class FakeTwilioApi(FakeServer):
    """The fake server and what it has seen."""

    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    requests: list[RecordedRequest] = field(default_factory=list)
    _failures: list[int] = field(default_factory=list)
    _rejections: dict[str, _Rejection] = field(default_factory=dict)
    _media: dict[str, _Media] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _sids: Any = field(default_factory=lambda: itertools.count(1))
    accepted: list[RecordedRequest] = field(default_factory=list)
    outage: str | None = None
    hang_seconds: float = 0.0
    _hangs_left: int = 0

    def __post_init__(self) -> None:
        self._listen(0)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    # --- life cycle and configuration ---

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def config(self, from_number: str | None = FROM_NUMBER) -> dict[str, Any]:
        """App settings that point the real twilio client at this server."""
        return {
            "TWILIO_ACCOUNT_SID": self.account_sid,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_FROM_NUMBER": from_number,
            "TWILIO_API_BASE_URL": self.base_url,
        }

    def reset(self) -> None:
        """Forget requests, failures, rejections and media (between tests)."""
        self.recover()
        with self._lock:
            self.requests.clear()
            self.accepted.clear()
            self._hangs_left = 0
            self._failures.clear()
            self._rejections.clear()
            self._media.clear()

    def fail_next(self, count: int, status: int = 503) -> None:
        """Answer the next ``count`` message creations with ``status`` (5xx, 429)."""
        with self._lock:
            self._failures.extend([status] * count)

    def reject_number(
        self, number: str, code: int = 21211, message: str = "The 'To' number is not valid."
    ) -> None:
        """Answer every message to ``number`` with HTTP 400 and Twilio error ``code``."""
        with self._lock:
            self._rejections[number] = _Rejection(400, code, message)

    def add_media(self, content: bytes, content_type: str, *, redirect: bool = False) -> str:
        """Store a file like an inbound MMS photo; return its Twilio media URL."""
        message_sid = "MM" + secrets.token_hex(16)
        media_sid = "ME" + secrets.token_hex(16)
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}/Media/{media_sid}"
        with self._lock:
            self._media[path] = _Media(content, content_type, redirect)
        return self.base_url + path

    # --- what the server saw ---

    @property
    def sent_messages(self) -> list[RecordedRequest]:
        """Message creations the fake accepted, in order."""
        with self._lock:
            return [
                request
                for request in self.requests
                if request.method == "POST" and request.path.endswith("/Messages.json")
            ]

    def requests_for(self, path_fragment: str) -> list[RecordedRequest]:
        with self._lock:
            return [request for request in self.requests if path_fragment in request.path]

    # --- request handling (called from the server's threads) ---

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _authorized(self, auth: tuple[str, str] | None) -> bool:
        return auth == (self.account_sid, self.auth_token)

    def _create_message(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        to = (form.get("To") or [""])[0]
        with self._lock:
            failure = self._failures.pop(0) if self._failures else None
            rejection = self._rejections.get(to)
            number = next(self._sids)
        if failure is None and self.outage in ("error", "flood"):
            failure = 500 if self.outage == "error" else 429
        if failure is not None:
            return failure, _error(failure, 20500 if failure >= 500 else 20429, "Try again")
        if rejection is not None:
            return rejection.status, _error(rejection.status, rejection.code, rejection.message)
        if not to:
            return 400, _error(400, 21604, "A 'To' phone number is required.")
        sid = f"SM{number:032x}"
        now = formatdate(usegmt=True)
        body = (form.get("Body") or [""])[0]
        with self._lock:
            self.accepted.append(RecordedRequest("POST", "Messages.json", form, None))
        return 201, {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": to,
            "from": (form.get("From") or [None])[0],
            "body": body,
            "status": "queued",
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "messaging_service_sid": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"
            },
        }

    def _media_at(self, path: str) -> _Media | None:
        with self._lock:
            return self._media.get(path)


def _error(status: int, code: int, message: str) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    try:
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    return user, password


def _handler_for(api: FakeTwilioApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in separate writes: without TCP_NODELAY each answer
        # waits for the client's delayed ACK (about 40 ms) on a kept-alive connection.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

        def _send(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            self._send(status, json.dumps(payload).encode(), "application/json")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            form = parse_qs(raw, keep_blank_values=True)
            path = urlsplit(self.path).path
            auth = _basic_auth(self.headers.get("Authorization"))
            api._record(RecordedRequest("POST", path, form, auth))
            if api.outage == "refuse":  # a kept-alive connection of a server that went away
                self.close_connection = True
                return
            expected = f"/2010-04-01/Accounts/{api.account_sid}/Messages.json"
            if path != expected:
                self._json(404, _error(404, 20404, "The requested resource was not found"))
            elif not api._authorized(auth):
                self._json(401, _error(401, 20003, "Authenticate"))
            else:
                status, answer = api._create_message(form)
                delay = api.take_hang() if status == 201 else 0
                if delay:
                    time.sleep(delay)  # created, but the client has given up waiting
                with contextlib.suppress(OSError):  # the client may have gone
                    self._json(status, answer)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            auth = _basic_auth(self.headers.get("Authorization"))
            api._record(RecordedRequest("GET", path, {}, auth))
            if path.startswith("/cdn/"):
                media = api._media_at(path.removeprefix("/cdn"))
                if media is None:
                    self._send(404, b"", "text/plain")
                else:
                    self._send(200, media.content, media.content_type)
                return
            media = api._media_at(path)
            if media is None:
                self._json(404, _error(404, 20404, "The requested resource was not found"))
            elif not api._authorized(auth):
                self._json(401, _error(401, 20003, "Authenticate"))
            elif media.redirect:
                # Twilio answers with a short-lived signed URL on its CDN.
                self._send(307, b"", "text/plain", Location=f"/cdn{path}?Signature=fake")
            else:
                self._send(200, media.content, media.content_type)

    return Handler
