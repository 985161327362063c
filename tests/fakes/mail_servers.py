"""Fake mail servers on 127.0.0.1: aiosmtpd as the SMTP server, and a small IMAP4rev1 server.

The SMTP server has the outage knobs of the other fakes
(:class:`tests.fakes.server.FakeServer`): ``refuse`` stops it (connection
refused) and :meth:`FakeSmtpServer.recover` starts it again on the same
port; ``error`` answers every mail ``451`` (try again later); ``reject``
answers the greeting's EHLO and HELO ``554`` (a server refusing all mail,
as one does while misconfigured or blocklisted).

The IMAP server speaks what imap-tools sends (CAPABILITY, LOGIN, SELECT, UID
SEARCH, UID FETCH, UID STORE, EXPUNGE, NOOP, LOGOUT) over one mailbox of
messages held in memory, each with its UID and flags, so a test sees which
mails the poll marked Seen.
"""

from __future__ import annotations

import email
import re
import socket
import socketserver
import threading
from dataclasses import dataclass, field
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

# --- SMTP -----------------------------------------------------------------------------------


REFUSING = "554 5.3.2 fake server refuses all mail"


class _Collect:
    def __init__(self, box: FakeSmtpServer) -> None:
        self.box = box

    async def handle_EHLO(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        hostname: str,
        responses: list[str],
    ) -> list[str]:
        if self.box.outage == "reject":
            return [REFUSING]
        session.host_name = hostname
        return responses

    async def handle_HELO(
        self, server: SMTP, session: Session, envelope: Envelope, hostname: str
    ) -> str:
        if self.box.outage == "reject":
            return REFUSING
        session.host_name = hostname
        return f"250 {server.hostname}"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.box.outage == "error":
            return "451 4.3.0 fake server: try again later"
        content = envelope.content if isinstance(envelope.content, bytes) else b""
        with self.box.lock:
            self.box.received.append((list(envelope.rcpt_tos), email.message_from_bytes(content)))
        return "250 OK"


class FakeSmtpServer:
    """aiosmtpd on a free port of 127.0.0.1, keeping every mail it was given."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[list[str], Message]] = []
        self.outage: str | None = None
        # aiosmtpd checks its server by connecting to the port it was given: give it a real one.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self._port = int(probe.getsockname()[1])
        self._controller = self._new_controller()
        self._running = False

    def _new_controller(self) -> Controller:
        return Controller(_Collect(self), hostname="127.0.0.1", port=self._port)

    def start(self) -> FakeSmtpServer:
        self._controller.start()
        self._running = True
        return self

    def stop(self) -> None:
        if self._running:
            self._controller.stop()
            self._running = False

    def go_down(self, mode: str) -> None:
        """An outage: ``refuse`` connections, answer mail ``error`` (451) or ``reject`` (554)."""
        self.recover()
        self.outage = mode
        if mode == "refuse":
            self.stop()

    def recover(self) -> None:
        """The outage ends: listen again on the same port, accept mail."""
        self.outage = None
        if not self._running:
            self._controller = self._new_controller()
            self.start()

    @property
    def port(self) -> int:
        return self._port

    def reset(self) -> None:
        self.recover()
        with self.lock:
            self.received.clear()

    def mails_to(self, address: str) -> list[Message]:
        with self.lock:
            return [message for recipients, message in self.received if address in recipients]

    def config(self) -> dict[str, Any]:
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_USE_TLS": False,
            "MAIL_USERNAME": None,
            "MAIL_PASSWORD": None,
            "MAIL_DEFAULT_SENDER": "Aduan Bone Bolango <aduan@bonebolangokab.go.id>",
        }


# --- IMAP -----------------------------------------------------------------------------------

USERNAME = "aduan@bonebolangokab.go.id"
PASSWORD = "imap-secret"


@dataclass
class StoredMail:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


_TOKENS = re.compile(rb'"((?:[^"\\]|\\.)*)"|\(([^)]*)\)|(\S+)')


def _arguments(line: bytes) -> list[bytes]:
    found = []
    for quoted, group, atom in _TOKENS.findall(line):
        found.append(quoted or group or atom)
    return found


class FakeImapServer:
    """One mailbox ("INBOX") behind LOGIN, on a free port of 127.0.0.1."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.mails: list[StoredMail] = []
        self.commands: list[str] = []
        self._next_uid = 1
        fake = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                fake._session(self)

        self._server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> FakeImapServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def config(self) -> dict[str, Any]:
        return {
            "IMAP_HOST": f"imap://127.0.0.1:{self.port}",
            "IMAP_USERNAME": USERNAME,
            "IMAP_PASSWORD": PASSWORD,
            "IMAP_FOLDER": "INBOX",
        }

    def reset(self) -> None:
        with self.lock:
            self.mails.clear()
            self.commands.clear()

    def deliver(self, raw: bytes | str | Message) -> int:
        """Put a mail in the mailbox, unseen; return its UID."""
        if isinstance(raw, Message):
            raw = raw.as_bytes()
        if isinstance(raw, str):
            raw = raw.encode()
        with self.lock:
            uid = self._next_uid
            self._next_uid += 1
            self.mails.append(StoredMail(uid, raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")))
            return uid

    def seen(self, uid: int) -> bool:
        with self.lock:
            return any(mail.uid == uid and "\\Seen" in mail.flags for mail in self.mails)

    # --- the protocol ---

    def _session(self, handler: socketserver.StreamRequestHandler) -> None:
        out = handler.wfile
        out.write(b"* OK [CAPABILITY IMAP4rev1] fake IMAP ready\r\n")
        authenticated = False
        while True:
            line = handler.rfile.readline()
            if not line:
                return
            tag, _, rest = line.rstrip(b"\r\n").partition(b" ")
            command, _, arguments = rest.partition(b" ")
            name = command.upper().decode()
            if name == "UID":
                sub, _, arguments = arguments.partition(b" ")
                name = "UID " + sub.upper().decode()
            with self.lock:
                self.commands.append(name)
            reply = self._answer(name, arguments, authenticated)
            if name == "LOGIN" and reply[-1].startswith(b"OK"):
                authenticated = True
            for untagged in reply[:-1]:
                out.write(untagged if untagged.endswith(b"\r\n") else untagged + b"\r\n")
            out.write(tag + b" " + reply[-1] + b"\r\n")
            out.flush()
            if name == "LOGOUT":
                return

    def _answer(self, name: str, arguments: bytes, authenticated: bool) -> list[bytes]:
        if name == "CAPABILITY":
            return [b"* CAPABILITY IMAP4rev1 UIDPLUS", b"OK CAPABILITY completed"]
        if name == "NOOP":
            return [b"OK NOOP completed"]
        if name == "LOGOUT":
            return [b"* BYE fake IMAP says goodbye", b"OK LOGOUT completed"]
        if name == "LOGIN":
            user, password = ([*_arguments(arguments), b"", b""])[:2]
            if user.decode() == USERNAME and password.decode() == PASSWORD:
                return [b"OK LOGIN completed"]
            return [b"NO [AUTHENTICATIONFAILED] wrong user or password"]
        if not authenticated:
            return [b"BAD log in first"]
        with self.lock:
            if name in ("SELECT", "EXAMINE"):
                return [
                    b"* FLAGS (\\Seen \\Deleted \\Flagged \\Answered \\Draft)",
                    f"* {len(self.mails)} EXISTS".encode(),
                    b"* 0 RECENT",
                    b"* OK [UIDVALIDITY 1] UIDs valid",
                    f"* OK [UIDNEXT {self._next_uid}] next".encode(),
                    b"OK [READ-WRITE] SELECT completed",
                ]
            if name == "UID SEARCH":
                words = arguments.upper().replace(b"(", b" ").replace(b")", b" ").split()
                unseen_only = b"UNSEEN" in words
                uids = [
                    str(mail.uid)
                    for mail in self.mails
                    if not (unseen_only and "\\Seen" in mail.flags)
                ]
                return [("* SEARCH " + " ".join(uids)).rstrip().encode(), b"OK SEARCH completed"]
            if name == "UID FETCH":
                uid_set, _, parts = arguments.partition(b" ")
                wanted = self._uids(uid_set)
                lines = []
                for number, mail in enumerate(self.mails, start=1):
                    if mail.uid not in wanted:
                        continue
                    flags = " ".join(sorted(mail.flags))
                    head = (
                        f"* {number} FETCH (UID {mail.uid} FLAGS ({flags}) "
                        f"RFC822.SIZE {len(mail.raw)} BODY[] {{{len(mail.raw)}}}\r\n"
                    ).encode()
                    lines.append(head + mail.raw + b")")
                    if b".PEEK" not in parts.upper():
                        mail.flags.add("\\Seen")
                return [*lines, b"OK FETCH completed"]
            if name == "UID STORE":
                uid_set, _, rest = arguments.partition(b" ")
                action, _, flag_list = rest.partition(b" ")
                wanted_flags = set(flag_list.strip(b"()").decode().split())
                lines = []
                for number, mail in enumerate(self.mails, start=1):
                    if mail.uid in self._uids(uid_set):
                        if action.startswith(b"+"):
                            mail.flags |= wanted_flags
                        else:
                            mail.flags -= wanted_flags
                        shown = " ".join(sorted(mail.flags))
                        lines.append(f"* {number} FETCH (UID {mail.uid} FLAGS ({shown}))".encode())
                return [*lines, b"OK STORE completed"]
            if name == "EXPUNGE":
                return [b"OK EXPUNGE completed"]
        return [b"BAD unknown command"]

    @staticmethod
    def _uids(uid_set: bytes) -> set[int]:
        found: set[int] = set()
        for part in uid_set.decode().split(","):
            low, _, high = part.partition(":")
            if high:
                found.update(range(int(low), int(high) + 1))
            elif low.isdigit():
                found.add(int(low))
        return found
