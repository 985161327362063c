"""The SMS channel's settings, read once from the app's config at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, current_app

EXTENSION_KEY = "aduan_sms"
WEBHOOK_PATH = "/channels/sms/twilio"
STATUS_CALLBACK_PATH = "/channels/sms/twilio/status"
WHATSAPP_PREFIX = "whatsapp:"
TWILIO_API_HOST = "api.twilio.com"
# A flood from one number must not bury the queue: a person filing one
# complaint in several parts and checking on it sends far fewer than this.
DEFAULT_MAX_INBOUND_PER_HOUR = 30


@dataclass(frozen=True)
class TwilioSettings:
    """Credentials, senders and URLs of the Twilio account behind the SMS channel."""

    account_sid: str | None
    auth_token: str | None
    sms_from: str | None
    whatsapp_from: str | None
    api_base_url: str | None
    public_base_url: str | None
    max_inbound_per_hour: int = DEFAULT_MAX_INBOUND_PER_HOUR

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TwilioSettings:
        """Read the settings; ``TWILIO_WHATSAPP_FROM`` defaults to the SMS number, if it is one."""
        sms_from = config.get("TWILIO_FROM_NUMBER") or None
        whatsapp_from = config.get("TWILIO_WHATSAPP_FROM") or None
        if whatsapp_from is None and sms_from and sms_from.startswith("+"):
            # A phone number may also be a WhatsApp sender; an alphanumeric
            # sender ID (what Indonesian carriers require for SMS) cannot.
            whatsapp_from = sms_from
        if whatsapp_from and not whatsapp_from.startswith(WHATSAPP_PREFIX):
            whatsapp_from = WHATSAPP_PREFIX + whatsapp_from
        return cls(
            account_sid=config.get("TWILIO_ACCOUNT_SID") or None,
            auth_token=config.get("TWILIO_AUTH_TOKEN") or None,
            sms_from=sms_from,
            whatsapp_from=whatsapp_from,
            api_base_url=(config.get("TWILIO_API_BASE_URL") or None),
            public_base_url=config.get("PUBLIC_BASE_URL") or None,
            max_inbound_per_hour=int(
                config.get("SMS_MAX_INBOUND_PER_HOUR", DEFAULT_MAX_INBOUND_PER_HOUR)
            ),
        )

    @property
    def configured(self) -> bool:
        """The channel is on when Twilio's credentials are set."""
        return bool(self.account_sid and self.auth_token)

    @property
    def status_callback_url(self) -> str | None:
        """Where Twilio reports delivery; only a public URL is useful to Twilio."""
        if not self.public_base_url:
            return None
        return self.public_base_url.rstrip("/") + STATUS_CALLBACK_PATH

    @property
    def api_netloc(self) -> str:
        """host[:port] of the API that outbound requests and media fetches go to."""
        if self.api_base_url:
            return urlsplit(self.api_base_url).netloc
        return TWILIO_API_HOST


def current_settings() -> TwilioSettings:
    """The settings of the app handling the current request."""
    settings: TwilioSettings = current_app.extensions[EXTENSION_KEY]
    return settings


def store(app: Flask, settings: TwilioSettings) -> None:
    app.extensions[EXTENSION_KEY] = settings
