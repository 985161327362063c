"""The WhatsApp Cloud API's settings, read once from the app's config at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

from complaints.config import require_all_or_none

EXTENSION_KEY = "aduan_whatsapp_cloud"
WEBHOOK_PATH = "/channels/whatsapp/webhook"
DEFAULT_API_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
_REQUIRED = (
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
)


@dataclass(frozen=True)
class CloudSettings:
    """The number we speak for, how to reach the Graph API, and the webhook's two secrets."""

    access_token: str | None
    phone_number_id: str | None
    app_secret: str | None
    verify_token: str | None
    api_base_url: str = DEFAULT_API_BASE_URL
    api_version: str = DEFAULT_API_VERSION
    template_ack: str = "aduan_diterima"
    template_status: str = "aduan_status"
    template_language: str = "id"
    public_base_url: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> CloudSettings:
        """Read the settings; raise ConfigError when only some of the four secrets are set."""
        require_all_or_none(config, _REQUIRED, "WhatsApp Cloud API")
        return cls(
            access_token=config.get("WHATSAPP_ACCESS_TOKEN") or None,
            phone_number_id=config.get("WHATSAPP_PHONE_NUMBER_ID") or None,
            app_secret=config.get("WHATSAPP_APP_SECRET") or None,
            verify_token=config.get("WHATSAPP_VERIFY_TOKEN") or None,
            api_base_url=(config.get("WHATSAPP_API_BASE_URL") or DEFAULT_API_BASE_URL).rstrip("/"),
            api_version=config.get("WHATSAPP_API_VERSION") or DEFAULT_API_VERSION,
            template_ack=config.get("WHATSAPP_TEMPLATE_ACK") or "aduan_diterima",
            template_status=config.get("WHATSAPP_TEMPLATE_STATUS") or "aduan_status",
            template_language=config.get("WHATSAPP_TEMPLATE_LANGUAGE") or "id",
            public_base_url=config.get("PUBLIC_BASE_URL") or None,
        )

    @property
    def configured(self) -> bool:
        return all((self.access_token, self.phone_number_id, self.app_secret, self.verify_token))

    @property
    def api_netloc(self) -> str:
        """host[:port] of the Graph API (never a credential)."""
        parts = urlsplit(self.api_base_url)
        host = parts.hostname or ""
        return f"{host}:{parts.port}" if parts.port else host

    def graph_url(self, path: str) -> str:
        """``<base>/<version>/<path>``."""
        return f"{self.api_base_url}/{self.api_version}/{path.lstrip('/')}"

    @property
    def messages_url(self) -> str:
        return self.graph_url(f"{self.phone_number_id}/messages")

    @property
    def webhook_url(self) -> str | None:
        if not self.public_base_url:
            return None
        return self.public_base_url.rstrip("/") + WEBHOOK_PATH


def current_settings() -> CloudSettings:
    """The settings of the app handling the current request."""
    settings: CloudSettings = current_app.extensions[EXTENSION_KEY]
    return settings


def settings_of(app: Flask) -> CloudSettings:
    stored: CloudSettings | None = app.extensions.get(EXTENSION_KEY)
    return stored if stored is not None else CloudSettings.from_config(app.config)
