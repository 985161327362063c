"""Outbound SMS and WhatsApp messages through Twilio's REST API (the outbox's transport).

twilio's ``Client`` builds absolute ``https://<product>.twilio.com/…`` URLs
for every service; :class:`ApiHostHttpClient` rewrites them to
``TWILIO_API_BASE_URL`` when it is set, so a fake server on 127.0.0.1 (or a
regional gateway) serves every request the real library makes.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

from complaints.models import Transport
from complaints.outbox import Delivery, PermanentFailure, TemporaryFailure

from .segments import ELLIPSIS, sms_safe
from .settings import WHATSAPP_PREFIX, TwilioSettings

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT = 15.0  # seconds; the outbox retries a slow provider later
MAX_BODY = 1600  # Twilio refuses longer bodies (error 21617)

# REST API errors where resending the same message can never succeed.
PERMANENT_SEND_ERRORS: dict[int, str] = {
    21211: "invalid 'To' phone number",
    21214: "'To' number cannot be reached",
    21217: "phone number does not appear to be valid",
    21408: "sending to this region is not enabled for the account",
    21601: "'To' number is not a valid SMS destination",
    21602: "message body is required",
    21604: "'To' number is required",
    21610: "the recipient replied STOP (unsubscribed)",
    21612: "no route to the 'To' number from this sender",
    21614: "'To' number is not a mobile number",
    21617: "message body is too long",
    63003: "WhatsApp could not find the recipient",
    63016: "outside the WhatsApp 24-hour window; a template is needed",
    63024: "invalid WhatsApp recipient",
}
# HTTP statuses of a misconfigured account (wrong SID or token, suspended):
# messages wait in the outbox, backing off, while an admin fixes the settings.
_CONFIGURATION_STATUSES = frozenset({401, 403, 404})


class ApiHostHttpClient(TwilioHttpClient):
    """A TwilioHttpClient that sends every ``*.twilio.com`` request to ``base_url`` instead."""

    def __init__(self, base_url: str | None, timeout: float = REQUEST_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.base = urlsplit(base_url) if base_url else None

    def rewrite(self, url: str) -> str:
        """The URL on the configured API host (unchanged when none is configured)."""
        if self.base is None:
            return url
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host != "twilio.com" and not host.endswith(".twilio.com"):
            return url
        path = self.base.path.rstrip("/") + parts.path
        return urlunsplit((self.base.scheme, self.base.netloc, path, parts.query, parts.fragment))

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        return super().request(method, self.rewrite(url), *args, **kwargs)


def build_client(settings: TwilioSettings) -> Client:
    """A twilio REST client for the configured account and API host."""
    return Client(
        username=settings.account_sid,
        password=settings.auth_token,
        account_sid=settings.account_sid,
        http_client=ApiHostHttpClient(settings.api_base_url),
    )


def _error_code(error: TwilioRestException | TwilioServiceException) -> int | None:
    try:
        return int(error.code) if error.code is not None else None
    except (TypeError, ValueError):
        return None


def classify_rest_error(
    error: TwilioRestException | TwilioServiceException,
) -> TemporaryFailure | PermanentFailure:
    """Map a Twilio API error to the outbox's retry decision."""
    code = _error_code(error)
    status = int(error.status or 0)
    text = f"{code or status}: {getattr(error, 'msg', None) or getattr(error, 'title', '')}"
    if code in PERMANENT_SEND_ERRORS:
        return PermanentFailure(f"{text} ({PERMANENT_SEND_ERRORS[code]})")
    if status == 429 or status >= 500:
        return TemporaryFailure(text)
    if status in _CONFIGURATION_STATUSES:
        logger.error("Twilio refused our credentials or account (HTTP %s): %s", status, text)
        return TemporaryFailure(text)
    # Any other 4xx: the request itself is wrong; sending it again cannot help.
    return PermanentFailure(text)


class TwilioTransport:
    """Delivers outbox messages of one channel ("sms" or "whatsapp") through Twilio."""

    provider = Transport.TWILIO.value

    def __init__(
        self, channel: str, sender: str, client: Client, status_callback: str | None
    ) -> None:
        self.channel = channel
        self.sender = sender
        self.client = client
        self.status_callback = status_callback

    def recipient(self, address: str) -> str:
        """Twilio's address for a citizen: E.164 for SMS, ``whatsapp:+…`` for WhatsApp."""
        if self.channel == "whatsapp" and not address.startswith(WHATSAPP_PREFIX):
            return WHATSAPP_PREFIX + address
        return address

    def prepare(self, body: str) -> str:
        """The body as sent: GSM-7 look-alikes for SMS, within Twilio's length limit."""
        text = sms_safe(body) if self.channel == "sms" else body
        if len(text) > MAX_BODY:
            text = text[: MAX_BODY - len(ELLIPSIS)].rstrip() + ELLIPSIS
        return text

    def send(self, address: str, body: str) -> Delivery:
        """Create the message at Twilio; raise TemporaryFailure or PermanentFailure."""
        options: dict[str, Any] = {}
        if self.status_callback:
            options["status_callback"] = self.status_callback
        try:
            message = self.client.messages.create(
                to=self.recipient(address), from_=self.sender, body=self.prepare(body), **options
            )
        except (TwilioRestException, TwilioServiceException) as error:
            raise classify_rest_error(error) from error
        except (requests.RequestException, TwilioException) as error:
            raise TemporaryFailure(f"{type(error).__name__}: {error}") from error
        return Delivery(provider_message_id=message.sid, provider_status=message.status)
