"""The SMS gateway's settings, read once from the app's config at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

from complaints.config import require_all_or_none

EXTENSION_KEY = "aduan_smsgate"
WEBHOOK_PATH = "/channels/sms/gateway"
DEFAULT_API_URL = "https://api.sms-gate.app/3rdparty/v1"
# The webhook events we register and handle (the app's names).
EVENTS = ("sms:received", "sms:sent", "sms:delivered", "sms:failed", "mms:downloaded")
_REQUIRED = ("SMSGATE_USERNAME", "SMSGATE_PASSWORD", "SMSGATE_SIGNING_KEY")


@dataclass(frozen=True)
class GatewaySettings:
    """Where the phone's API is, how to sign in to it, and the key its webhooks are signed with."""

    api_url: str
    username: str | None
    password: str | None
    signing_key: str | None
    public_base_url: str | None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> GatewaySettings:
        """Read the settings; raise ConfigError when only some of the three secrets are set."""
        require_all_or_none(config, _REQUIRED, "SMS gateway")
        return cls(
            api_url=(config.get("SMSGATE_API_URL") or DEFAULT_API_URL).rstrip("/"),
            username=config.get("SMSGATE_USERNAME") or None,
            password=config.get("SMSGATE_PASSWORD") or None,
            signing_key=config.get("SMSGATE_SIGNING_KEY") or None,
            public_base_url=config.get("PUBLIC_BASE_URL") or None,
        )

    @property
    def configured(self) -> bool:
        """The gateway is on when its credentials and signing key are set."""
        return bool(self.username and self.password and self.signing_key)

    @property
    def api_netloc(self) -> str:
        """host[:port] of the gateway's API (never the credentials)."""
        return _netloc(self.api_url)

    @property
    def webhook_url(self) -> str | None:
        """The address the gateway posts its events to, when the public address is known."""
        if not self.public_base_url:
            return None
        return self.public_base_url.rstrip("/") + WEBHOOK_PATH


def _netloc(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{host}:{parts.port}" if parts.port else host


def current_settings() -> GatewaySettings:
    """The settings of the app handling the current request."""
    settings: GatewaySettings = current_app.extensions[EXTENSION_KEY]
    return settings


def settings_of(app: Flask) -> GatewaySettings:
    """The app's settings (read again if init_app has not stored them)."""
    stored: GatewaySettings | None = app.extensions.get(EXTENSION_KEY)
    return stored if stored is not None else GatewaySettings.from_config(app.config)
