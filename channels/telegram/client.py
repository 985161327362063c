"""A synchronous face on python-telegram-bot's asyncio ``Bot`` for sync Flask code.

python-telegram-bot 22 is asyncio-based and its httpx connection pool is
bound to the event loop that first used it, so ``asyncio.run(...)`` per call
fails on the second call ("Event loop is closed"). Instead, each process
runs ONE long-lived event loop in a daemon thread, and every Bot API call
(webhook replies, the outbox transport, ``flask telegram poll``) is handed to
it with ``asyncio.run_coroutine_threadsafe`` and awaited from the calling
thread. Flask request threads and the outbox drain may call concurrently;
the loop multiplexes them over one pool.

A forked child (gunicorn ``--preload``) must not reuse its parent's loop
thread or connection pool: both are created lazily and re-created when the
process id changes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import threading
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from telegram import (
    Bot,
    ForceReply,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
    User,
)
from telegram.error import TimedOut
from telegram.request import HTTPXRequest

logger = logging.getLogger(__name__)
T = TypeVar("T")
# What python-telegram-bot accepts as reply_markup (its own alias is private).
ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply

# A call waits at most this long for the loop (httpx's own timeouts are 5 s each).
CALL_TIMEOUT = 30.0
# How long a Bot API call waits for Telegram's answer (python-telegram-bot's default).
READ_TIMEOUT = 5.0


class _LoopThread:
    """The process's one event loop for Bot API calls, running in a daemon thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._pid: int | None = None

    def loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            if self._loop is None or self._pid != os.getpid() or not alive:
                self._loop = asyncio.new_event_loop()
                self._thread = threading.Thread(
                    target=self._loop.run_forever, name="telegram-loop", daemon=True
                )
                self._thread.start()
                self._pid = os.getpid()
            return self._loop

    def current(self) -> asyncio.AbstractEventLoop | None:
        """The running loop of this process, without starting one."""
        with self._lock:
            alive = self._thread is not None and self._thread.is_alive()
            return self._loop if alive and self._pid == os.getpid() else None

    def run(self, coroutine: Awaitable[T], timeout: float) -> T:
        future = asyncio.run_coroutine_threadsafe(_awaited(coroutine), self.loop())
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimedOut(f"no answer from the Bot API within {timeout:.0f} s") from None


async def _awaited(awaitable: Awaitable[T]) -> T:
    return await awaitable


_LOOP = _LoopThread()


def _file_base_url(base_url: str) -> str:
    """The file download base matching ``base_url`` (``…/bot`` → ``…/file/bot``)."""
    if base_url.endswith("/bot"):
        return base_url[: -len("/bot")] + "/file/bot"
    return base_url.rstrip("/") + "/file/bot"


class TelegramClient:
    """Bot API calls for one bot token, made synchronously through the shared loop."""

    def __init__(self, token: str, base_url: str, read_timeout: float = READ_TIMEOUT) -> None:
        self._token = token
        self.base_url = base_url
        self.read_timeout = read_timeout
        self._bot: Bot | None = None
        self._bot_loop: asyncio.AbstractEventLoop | None = None
        self._requests: tuple[HTTPXRequest, ...] = ()
        self._lock = threading.Lock()

    @property
    def bot(self) -> Bot:
        """The Bot for the current loop: its connection pool must never meet another loop."""
        loop = _LOOP.loop()  # a new one after a fork
        with self._lock:
            if self._bot is None or self._bot_loop is not loop:
                # Our own request objects, so close() can shut their pools down: Bot.shutdown()
                # only does so after Bot.initialize(), which costs a getMe we do not need.
                requests = (
                    HTTPXRequest(connection_pool_size=1),
                    HTTPXRequest(read_timeout=self.read_timeout),
                )
                self._bot = Bot(
                    self._token,
                    base_url=self.base_url,
                    base_file_url=_file_base_url(self.base_url),
                    get_updates_request=requests[0],
                    request=requests[1],
                )
                self._requests = requests
                self._bot_loop = loop
            return self._bot

    def call(self, operation: Callable[[Bot], Awaitable[T]], timeout: float = CALL_TIMEOUT) -> T:
        """Run ``operation(bot)`` on the shared loop and return its result (or raise its error)."""
        return _LOOP.run(operation(self.bot), timeout)

    def send_message(self, chat_id: int | str, text: str, markup: ReplyMarkup | None = None) -> int:
        """Send a plain-text message (no parse mode: citizen text cannot break markup)."""
        sent: Message = self.call(
            lambda bot: bot.send_message(chat_id=chat_id, text=text, reply_markup=markup)
        )
        return sent.message_id

    def edit_message_text(
        self,
        chat_id: int | str,
        message_id: int,
        text: str,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        self.call(
            lambda bot: bot.edit_message_text(
                text=text, chat_id=chat_id, message_id=message_id, reply_markup=markup
            )
        )

    def answer_callback_query(self, callback_query_id: str, text: str | None = None) -> None:
        self.call(lambda bot: bot.answer_callback_query(callback_query_id, text=text))

    def download_file(self, file_id: str) -> bytes:
        """Fetch a file a user sent (getFile, then the file download URL)."""

        async def fetch(bot: Bot) -> bytes:
            telegram_file = await bot.get_file(file_id)
            return bytes(await telegram_file.download_as_bytearray())

        return self.call(fetch)

    def get_updates(
        self,
        offset: int | None,
        timeout: int,
        allowed_updates: Sequence[str],
        limit: int | None = None,
    ) -> tuple[Update, ...]:
        return self.call(
            lambda bot: bot.get_updates(
                offset=offset, limit=limit, timeout=timeout, allowed_updates=allowed_updates
            ),
            timeout=CALL_TIMEOUT + timeout,
        )

    def set_webhook(
        self, url: str, secret_token: str, allowed_updates: Sequence[str], drop_pending: bool
    ) -> bool:
        return self.call(
            lambda bot: bot.set_webhook(
                url=url,
                secret_token=secret_token,
                allowed_updates=allowed_updates,
                drop_pending_updates=drop_pending,
            )
        )

    def delete_webhook(self, drop_pending: bool = False) -> bool:
        return self.call(lambda bot: bot.delete_webhook(drop_pending_updates=drop_pending))

    def get_me(self) -> User:
        return self.call(lambda bot: bot.get_me())

    def close(self) -> None:
        """Close this process's connection pool (tests; a worker's exit needs nothing)."""
        with self._lock:
            requests, self._requests, self._bot = self._requests, (), None
            if self._bot_loop is not _LOOP.current():
                return  # pools of another loop (a forked parent's) cannot be closed from here
        for request in requests:
            try:
                _LOOP.run(request.shutdown(), CALL_TIMEOUT)
            except Exception:  # closing is best effort: the pool dies with the process anyway
                logger.debug("closing a Telegram connection pool failed", exc_info=True)
