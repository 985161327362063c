"""What every fake API server shares: listening on 127.0.0.1, outages and late answers.

A fake subclasses :class:`FakeServer`, gives :meth:`FakeServer._handler`
(its protocol) and a ``_lock``, and calls ``self._listen(0)`` once its own
state is set up. The outage knobs are the same for every provider:
``refuse`` closes the listening socket (connection refused) and
:meth:`FakeServer.recover` listens again on the same port, so a client
configured with the old URL finds it back; ``error`` and ``flood`` are left
to the fake's handler, which reads :attr:`FakeServer.outage`. A fake speaking
JSON over GET and POST can build its handler on :class:`JsonApiHandler`.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class FakeServer:
    """A threaded HTTP server on 127.0.0.1 that can go down and come back on its port."""

    # shutdown() waits up to one poll interval: keep it short, tests stop servers often.
    poll_interval = 0.05
    outage: str | None = None
    hang_seconds: float = 0.0
    _hangs_left: int = 0
    _lock: threading.Lock

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        """The request handler class that speaks this fake's protocol."""
        raise NotImplementedError

    def _listen(self, port: int) -> None:
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": self.poll_interval},
            daemon=True,
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._close()
        self._thread.join(timeout=5)

    def _close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- outages ---

    def go_down(self, mode: str) -> None:
        """An outage: ``refuse`` connections, answer ``error`` (500) or ``flood`` (429)."""
        self.recover()
        with self._lock:
            self.outage = mode
        if mode == "refuse":
            self._close()

    def recover(self) -> None:
        """The outage ends: listen again on the same port, answer normally."""
        with self._lock:
            mode, self.outage = self.outage, None
        if mode == "refuse":
            self._listen(self.port)
            self.start()

    def hang_next(self, count: int, seconds: float) -> None:
        """Accept the next ``count`` messages but answer each only after ``seconds``."""
        with self._lock:
            self._hangs_left, self.hang_seconds = count, seconds

    def take_hang(self) -> float:
        """How long to hold back the answer just computed (0: answer at once)."""
        with self._lock:
            if self._hangs_left <= 0:
                return 0.0
            self._hangs_left -= 1
            return self.hang_seconds


class JsonApiHandler(BaseHTTPRequestHandler):
    """A quiet handler passing each GET and POST, with its body, to :meth:`_route`."""

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet

    def do_GET(self) -> None:
        self._route("GET", self._body())

    def do_POST(self) -> None:
        self._route("POST", self._body())

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _route(self, method: str, raw: bytes) -> None:
        """Answer the request (``raw`` is its body, empty for none)."""
        raise NotImplementedError

    def _json(self, status: int, document: object) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
