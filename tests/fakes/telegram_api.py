"""A fake Telegram Bot API server on 127.0.0.1 for the real python-telegram-bot client.

It speaks the protocol python-telegram-bot uses: POST ``/bot<token>/<method>``
with form-encoded parameters (objects such as ``reply_markup`` JSON-encoded),
answered with ``{"ok": true, "result": ...}`` or an error object; files are
fetched with GET ``/file/bot<token>/<file_path>``. Every call is recorded.

Knobs for the failure tests: :meth:`FakeTelegramApi.fail_next_sends` (HTTP
502 or Telegram's 429 flood-control JSON), :meth:`FakeTelegramApi.block`
(403 "bot was blocked by the user") and :meth:`FakeTelegramApi.forget`
(400 "chat not found").

Outage knobs (:meth:`FakeTelegramApi.go_down`, :meth:`FakeTelegramApi.recover`):
``refuse`` closes the listening socket (connection refused), ``error``
answers every sendMessage with HTTP 500, ``flood`` with Telegram's 429
``retry_after``; :meth:`FakeTelegramApi.hang_next` delivers the next messages
but answers only after the client has given up.

:class:`Citizen` builds realistic update JSON for one person in a private
chat, with increasing update ids.

Import ``bot_api_fixture`` and ``telegram_app_fixture`` into a conftest or a
test module to switch the channel on there: they provide ``bot_api`` (a
fresh fake per test) and ``app`` (conftest's, with the bot talking to it).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, unquote

import pytest
from flask import Flask

from tests.fakes.server import FakeServer

TOKEN = "123456789:AAFakeTokenForTestsOnly_abcdefghijk"
WEBHOOK_SECRET = "test-webhook-secret_42"
BOT_USER = {"id": 123456789, "is_bot": True, "first_name": "Aduan", "username": "AduanTestBot"}


@dataclass(frozen=True)
class ApiCall:
    method: str
    params: dict[str, Any]


def _decode(value: str) -> Any:
    """Form values are strings; objects and lists arrive JSON-encoded."""
    if value[:1] in "[{":
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FakeTelegramApi(FakeServer):
    """The fake server and what it has seen."""

    poll_interval = 0.02

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.calls: list[ApiCall] = []
        self.files: dict[str, tuple[str, bytes]] = {}
        self.updates: list[dict[str, Any]] = []
        self.blocked_chats: set[str] = set()
        self.unknown_chats: set[str] = set()
        self.webhook_url: str | None = None
        self._failures: list[str] = []
        self.retry_after = 3
        self._message_ids = itertools.count(5000)
        self._lock = threading.Lock()
        self._listen(0)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        return _handler_for(self)

    # --- life cycle and configuration ---

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def config(self, secret: str | None = WEBHOOK_SECRET) -> dict[str, Any]:
        """App settings that point python-telegram-bot at this server."""
        return {
            "TELEGRAM_BOT_TOKEN": self.token,
            "TELEGRAM_WEBHOOK_SECRET": secret,
            "TELEGRAM_API_BASE_URL": self.base_url,
        }

    @classmethod
    @contextmanager
    def running(cls) -> Iterator[FakeTelegramApi]:
        api = cls().start()
        try:
            yield api
        finally:
            api.stop()

    # --- knobs ---

    def add_file(self, file_id: str, content: bytes, file_path: str | None = None) -> None:
        self.files[file_id] = (file_path or f"photos/{file_id}.jpg", content)

    def fail_next_sends(self, count: int, kind: str = "http_502") -> None:
        """The next ``count`` sendMessage calls fail: ``http_502`` or ``flood`` (429 JSON)."""
        with self._lock:
            self._failures.extend([kind] * count)

    def go_down(self, mode: str, retry_after: int = 3) -> None:
        """As :meth:`FakeServer.go_down`; a ``flood`` asks to retry after ``retry_after`` s."""
        with self._lock:
            self.retry_after = retry_after
        super().go_down(mode)

    def block(self, chat_id: int | str) -> None:
        """The person blocked the bot: 403 from now on."""
        self.blocked_chats.add(str(chat_id))

    def forget(self, chat_id: int | str) -> None:
        """The chat does not exist (deleted account, wrong id): 400 "chat not found"."""
        self.unknown_chats.add(str(chat_id))

    def queue_update(self, update: dict[str, Any]) -> None:
        with self._lock:
            self.updates.append(update)

    # --- what happened ---

    def calls_to(self, method: str) -> list[ApiCall]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def texts_to(self, chat_id: int | str) -> list[str]:
        """The texts of every message successfully sent to the chat, in order."""
        with self._lock:
            return [
                call.params["text"]
                for call in self.calls
                if call.method == "sendMessage"
                and call.params.get("chat_id") == str(chat_id)
                and call.params.get("_delivered")
            ]

    def last_sent_to(self, chat_id: int | str) -> ApiCall:
        with self._lock:
            return [
                call
                for call in self.calls
                if call.method == "sendMessage" and call.params.get("chat_id") == str(chat_id)
            ][-1]

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # --- the protocol ---

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            self.calls.append(ApiCall(method, params))
            answer = getattr(self, f"_api_{method}", None)
            if answer is None:
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            return answer(params)

    def _message(self, chat_id: str, **fields: Any) -> dict[str, Any]:
        return {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": int(chat_id), "type": "private"},
            "from": BOT_USER,
            **fields,
        }

    def _api_getMe(self, params: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"ok": True, "result": BOT_USER}

    def _api_sendMessage(self, params: dict[str, Any]) -> tuple[int, Any]:
        if self.outage == "error":
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if self.outage == "flood":
            return 429, {
                "ok": False,
                "error_code": 429,
                "description": f"Too Many Requests: retry after {self.retry_after}",
                "parameters": {"retry_after": self.retry_after},
            }
        if self._failures:
            kind = self._failures.pop(0)
            if kind == "flood":
                return 429, {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 3",
                    "parameters": {"retry_after": 3},
                }
            return 502, "<html><body>502 Bad Gateway</body></html>"
        chat_id = str(params.get("chat_id"))
        if chat_id in self.blocked_chats:
            return 403, {
                "ok": False,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }
        if chat_id in self.unknown_chats:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: chat not found",
            }
        sent = self._message(chat_id, text=params.get("text", ""))
        params["_delivered"] = True
        params["_message_id"] = sent["message_id"]
        return 200, {"ok": True, "result": sent}

    def _api_editMessageText(self, params: dict[str, Any]) -> tuple[int, Any]:
        chat_id = str(params.get("chat_id"))
        return 200, {"ok": True, "result": self._message(chat_id, text=params.get("text", ""))}

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"ok": True, "result": self._message(str(params.get("chat_id")), text="…")}

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"ok": True, "result": True}

    def _api_getFile(self, params: dict[str, Any]) -> tuple[int, Any]:
        file_id = params.get("file_id", "")
        if file_id not in self.files:
            return 400, {
                "ok": False,
                "error_code": 400,
                "description": "Bad Request: invalid file_id",
            }
        path, content = self.files[file_id]
        result = {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(content),
            "file_path": path,
        }
        return 200, {"ok": True, "result": result}

    def _api_setWebhook(self, params: dict[str, Any]) -> tuple[int, Any]:
        self.webhook_url = params.get("url")
        return 200, {"ok": True, "result": True, "description": "Webhook was set"}

    def _api_deleteWebhook(self, params: dict[str, Any]) -> tuple[int, Any]:
        self.webhook_url = None
        return 200, {"ok": True, "result": True, "description": "Webhook was deleted"}

    def _api_getUpdates(self, params: dict[str, Any]) -> tuple[int, Any]:
        if self.webhook_url:
            return 409, {
                "ok": False,
                "error_code": 409,
                "description": "Conflict: can't use getUpdates method while webhook is active",
            }
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        # An offset confirms (forgets) every earlier update, as Telegram does.
        self.updates = [update for update in self.updates if update["update_id"] >= offset]
        return 200, {"ok": True, "result": self.updates[:limit]}

    def download(self, file_path: str) -> bytes | None:
        with self._lock:
            self.calls.append(ApiCall("download", {"file_path": file_path}))
            for path, content in self.files.values():
                if path == file_path:
                    return content
        return None


def _handler_for(api: FakeTelegramApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

        def _reply(self, status: int, body: Any) -> None:
            if isinstance(body, bytes):
                payload, content_type = body, "application/octet-stream"
            elif isinstance(body, str):
                payload, content_type = body.encode(), "text/html"
            else:
                payload, content_type = json.dumps(body).encode(), "application/json"
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            prefix = f"/file/bot{api.token}/"
            path = unquote(self.path)  # the client percent-encodes the ":" of the token
            content = api.download(path[len(prefix) :]) if path.startswith(prefix) else None
            if content is None:
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
            else:
                self._reply(200, content)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            prefix = f"/bot{api.token}/"
            if not self.path.startswith(prefix):
                self._reply(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
                return
            if "json" in (self.headers.get("Content-Type") or ""):
                params = json.loads(raw or "{}")
            else:
                params = {key: _decode(value) for key, value in parse_qsl(raw)}
            method = self.path[len(prefix) :]
            answer = api.handle(method, params)
            delay = api.take_hang() if method == "sendMessage" and params.get("_delivered") else 0
            if delay:
                time.sleep(delay)  # processed, but the client has given up waiting
            with contextlib.suppress(OSError):  # the client may have gone
                self._reply(*answer)

    return Handler


# --- update JSON ---------------------------------------------------------------------------

_update_ids = itertools.count(700_000_000)
_message_ids = itertools.count(1)


@dataclass
class Citizen:
    """One Telegram user in a private chat with the bot; builds the updates they cause."""

    chat_id: int = 555_000_111
    first_name: str = "Rahmat"
    language_code: str = "en"

    def _sender(self) -> dict[str, Any]:
        return {
            "id": self.chat_id,
            "is_bot": False,
            "first_name": self.first_name,
            "language_code": self.language_code,
        }

    def _chat(self) -> dict[str, Any]:
        return {"id": self.chat_id, "type": "private", "first_name": self.first_name}

    def message(self, **content: Any) -> dict[str, Any]:
        return {
            "update_id": next(_update_ids),
            "message": {
                "message_id": next(_message_ids),
                "date": int(time.time()),
                "from": self._sender(),
                "chat": self._chat(),
                **content,
            },
        }

    def text(self, text: str, reply_to: int | None = None) -> dict[str, Any]:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split(" ", 1)[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        if reply_to is not None:
            content["reply_to_message"] = {
                "message_id": reply_to,
                "date": int(time.time()),
                "chat": self._chat(),
                "from": BOT_USER,
                "text": "…",
            }
        return self.message(**content)

    def photo(self, file_id: str, size: int, caption: str | None = None) -> dict[str, Any]:
        sizes = [
            {"file_id": f"{file_id}-thumb", "file_unique_id": f"t-{file_id}", "width": 90,
             "height": 90, "file_size": 1200},
            {"file_id": file_id, "file_unique_id": f"u-{file_id}", "width": 800, "height": 600,
             "file_size": size},
        ]  # fmt: skip
        content: dict[str, Any] = {"photo": sizes}
        if caption:
            content["caption"] = caption
        return self.message(**content)

    def location(self, latitude: float, longitude: float) -> dict[str, Any]:
        return self.message(location={"latitude": latitude, "longitude": longitude})

    def contact(self, phone_number: str, own: bool = True) -> dict[str, Any]:
        return self.message(
            contact={
                "phone_number": phone_number,
                "first_name": self.first_name,
                "user_id": self.chat_id if own else self.chat_id + 1,
            }
        )

    def sticker(self) -> dict[str, Any]:
        return self.message(
            sticker={
                "file_id": "CAACAgIAAxkBAAEB",
                "file_unique_id": "AgADsticker",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            }
        )

    def voice(self) -> dict[str, Any]:
        return self.message(
            voice={"file_id": "AwACAgIAAxkBvoice", "file_unique_id": "AgADvoice", "duration": 3}
        )

    def press(self, data: str, message_id: int) -> dict[str, Any]:
        """A tap on an inline button of the bot's message ``message_id``."""
        return {
            "update_id": next(_update_ids),
            "callback_query": {
                "id": f"cb{next(_message_ids)}",
                "from": self._sender(),
                "chat_instance": "-8000000000000000001",
                "data": data,
                "message": {
                    "message_id": message_id,
                    "date": int(time.time()),
                    "chat": self._chat(),
                    "from": BOT_USER,
                    "text": "…",
                },
            },
        }


def button(call: ApiCall, label: str) -> str:
    """The callback data of the inline button labelled ``label`` in a recorded message."""
    markup = call.params.get("reply_markup") or {}
    for row in markup.get("inline_keyboard", []):
        for key in row:
            if key["text"] == label:
                return str(key["callback_data"])
    raise AssertionError(f"no button {label!r} in {markup!r}")


def message_id_of(call: ApiCall) -> int:
    """The message_id the fake gave to a recorded sendMessage (for pressing its buttons)."""
    return int(call.params["_message_id"])


def telegram_app(parent: Flask, database_url: str, api: FakeTelegramApi) -> Iterator[Flask]:
    """An app with the Telegram channel on, on the database the conftest ``app`` prepared.

    ``parent`` is the conftest ``app``: taking it makes the database ready
    first and emptied after. Use this to override ``app`` in a test module,
    so ``app_ctx``, ``client``, ``make_complaint`` and ``cast`` all work on
    the Telegram-enabled app.
    """
    from complaints import create_app
    from complaints.extensions import db
    from tests.conftest import IsolatedClient, _test_config

    application = create_app({**_test_config(database_url), **api.config()})
    application.test_client_class = IsolatedClient
    yield application
    with application.app_context():
        application.extensions["aduan_telegram"].close()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(name="bot_api")
def bot_api_fixture() -> Iterator[FakeTelegramApi]:
    """A fake Bot API of its own for each test."""
    with FakeTelegramApi.running() as api:
        yield api


@pytest.fixture(name="app")
def telegram_app_fixture(
    app: Flask, database_url: str, bot_api: FakeTelegramApi
) -> Iterator[Flask]:
    """conftest's app with the Telegram channel on, its bot talking to ``bot_api``."""
    yield from telegram_app(app, database_url, bot_api)
