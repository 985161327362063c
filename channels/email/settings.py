"""The e-mail channel's settings, read once from the app's config at start-up.

Outbound mail is on when ``MAIL_SERVER`` and ``MAIL_DEFAULT_SENDER`` are set;
the mailbox is read when ``IMAP_HOST``, ``IMAP_USERNAME`` and
``IMAP_PASSWORD`` are. Half a setting stops the start with a message rather
than leaving a channel silently off.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

from complaints.config import ConfigError, require_all_or_none

EXTENSION_KEY = "aduan_email"
_IMAP_REQUIRED = ("IMAP_HOST", "IMAP_USERNAME", "IMAP_PASSWORD")
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class MailSettings:
    """Outbound SMTP and the IMAP mailbox complaints are read from."""

    server: str | None
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    default_sender: str | None
    imap_host: str | None
    imap_port: int
    imap_ssl: bool
    imap_username: str | None
    imap_password: str | None
    imap_folder: str

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> MailSettings:
        """Read the settings; raise ConfigError for a half or unusable configuration."""
        server = config.get("MAIL_SERVER") or None
        sender = config.get("MAIL_DEFAULT_SENDER") or None
        username = config.get("MAIL_USERNAME") or None
        password = config.get("MAIL_PASSWORD") or None
        if bool(server) != bool(sender):
            raise ConfigError(
                "E-mail half configured: set both MAIL_SERVER and MAIL_DEFAULT_SENDER, or neither"
            )
        if bool(username) != bool(password):
            raise ConfigError("MAIL_USERNAME and MAIL_PASSWORD go together: set both or neither")
        if sender and "@" not in parseaddr(sender)[1]:
            raise ConfigError(f"MAIL_DEFAULT_SENDER={sender!r} is not an e-mail address")
        require_all_or_none(config, _IMAP_REQUIRED, "Mailbox")
        host, port, ssl = _imap_address(config.get("IMAP_HOST") or None)
        return cls(
            server=server,
            port=int(config.get("MAIL_PORT") or 587),
            username=username,
            password=password,
            use_tls=bool(config.get("MAIL_USE_TLS", True)),
            default_sender=sender,
            imap_host=host,
            imap_port=port,
            imap_ssl=ssl,
            imap_username=config.get("IMAP_USERNAME") or None,
            imap_password=config.get("IMAP_PASSWORD") or None,
            imap_folder=config.get("IMAP_FOLDER") or "INBOX",
        )

    @property
    def sending(self) -> bool:
        """Outbound mail is on."""
        return bool(self.server and self.default_sender)

    @property
    def polling(self) -> bool:
        """The mailbox is read."""
        return bool(self.imap_host and self.imap_username and self.imap_password)

    @property
    def sender_address(self) -> str:
        """The bare address of MAIL_DEFAULT_SENDER (``aduan@…``)."""
        return parseaddr(self.default_sender or "")[1]


def _imap_address(raw: str | None) -> tuple[str | None, int, bool]:
    """(host, port, over TLS) from IMAP_HOST.

    ``imap.example.go.id`` or ``imap.example.go.id:993`` is IMAP over TLS
    (port 993 by default). ``imap://127.0.0.1:1143`` is plain IMAP, accepted
    for this machine only (a local relay or the tests' fake server): a
    password never crosses a network in the clear.
    """
    if not raw:
        return None, 993, True
    if "://" in raw:
        parts = urlsplit(raw)
        if parts.scheme not in ("imap", "imaps") or not parts.hostname:
            raise ConfigError(
                f"IMAP_HOST={raw!r}: use host[:port], imaps://host or imap://127.0.0.1"
            )
        ssl = parts.scheme == "imaps"
        if not ssl and parts.hostname not in _LOCAL_HOSTS:
            raise ConfigError(f"IMAP_HOST={raw!r}: plain imap:// is allowed for 127.0.0.1 only")
        return parts.hostname, parts.port or (993 if ssl else 143), ssl
    host, _, port = raw.partition(":")
    if port and not port.isdigit():
        raise ConfigError(f"IMAP_HOST={raw!r}: the port is not a number")
    return host, int(port or 993), True


def settings_of(app: Flask) -> MailSettings:
    """The app's settings (read again if init_app has not stored them)."""
    stored: MailSettings | None = app.extensions.get(EXTENSION_KEY)
    return stored if stored is not None else MailSettings.from_config(app.config)


def current_settings() -> MailSettings:
    """The settings of the current app."""
    return settings_of(current_app)


def mail_on() -> bool:
    """Outbound mail is registered in the current app (what notify and the pages ask)."""
    return "email" in current_app.extensions.get("aduan_transports", {})
