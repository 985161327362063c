"""Outbound SMS through the gateway's message API (the outbox's "sms" sender "smsgate").

The client is the app's own Python library, ``android-sms-gateway``: its
``APIClient`` posts to ``<SMSGATE_API_URL>/messages`` with HTTP basic
auth. The library's requests session has no timeout, so we hand it one
that has (a phone on a slow link must not hold the outbox's drain).

The text is shaped as the Twilio adapter shapes SMS: GSM-7 look-alikes
(one segment holds 160 characters, not 70) and at most ``MAX_BODY``
characters; the phone splits a longer text into parts itself.
"""

from __future__ import annotations

import logging
from typing import Any

import requests
from android_sms_gateway import client as gateway_client
from android_sms_gateway import domain, errors
from android_sms_gateway.http import HttpClient, RequestsHttpClient

from channels.sms.segments import ELLIPSIS, sms_safe
from complaints.models import Transport
from complaints.outbox import Delivery, PermanentFailure, TemporaryFailure

from .settings import GatewaySettings

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT = 15.0  # seconds; the outbox retries a slow gateway later
# As the Twilio adapter: ten GSM-7 parts. A phone sends any length, but each part is billed.
MAX_BODY = 1600
# HTTP statuses where the same request can never succeed: a bad number or text.
_PERMANENT_STATUSES = frozenset({400, 413, 422})
# A misconfigured gateway (wrong password, device removed): messages wait, backing off,
# while an admin fixes the settings.
_CONFIGURATION_STATUSES = frozenset({401, 403, 404})


class TimeoutSession(requests.Session):
    """A requests session whose every request has a timeout unless one is given."""

    def request(self, method: str, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("timeout", REQUEST_TIMEOUT)
        return super().request(method, url, *args, **kwargs)


def build_client(
    settings: GatewaySettings, http: HttpClient | None = None
) -> gateway_client.APIClient:
    """The library's API client for the configured gateway, ready to use (no context manager).

    ``http``: the library's HTTP layer; by default requests with our timeout.
    """
    return gateway_client.APIClient(
        settings.username,
        settings.password or "",
        base_url=settings.api_url,
        http=http or RequestsHttpClient(session=TimeoutSession()),
    )


def classify_api_error(error: errors.APIError) -> TemporaryFailure | PermanentFailure:
    """Map a gateway API error to the outbox's retry decision."""
    status = int(error.status_code or 0)
    detail = ""
    if isinstance(error.response, dict):
        detail = str(error.response.get("message") or "")
    text = f"HTTP {status}: {detail or error}"[:500]
    if status in _PERMANENT_STATUSES:
        return PermanentFailure(text)
    if status in _CONFIGURATION_STATUSES:
        logger.error("the SMS gateway refused our credentials (HTTP %s): %s", status, text)
    # 429, 5xx, the configuration statuses and anything unknown: try again later.
    return TemporaryFailure(text)


def prepare(body: str) -> str:
    """The body as sent: GSM-7 look-alikes, within ``MAX_BODY`` characters."""
    text = sms_safe(body)
    if len(text) > MAX_BODY:
        text = text[: MAX_BODY - len(ELLIPSIS)].rstrip() + ELLIPSIS
    return text


class GatewayTransport:
    """Delivers outbox SMS through an Android phone running SMS Gateway for Android."""

    channel = "sms"
    provider = Transport.SMS_GATEWAY.value

    def __init__(self, client: gateway_client.APIClient) -> None:
        self.client = client

    def send(self, address: str, body: str) -> Delivery:
        """Hand the message to the gateway; raise TemporaryFailure or PermanentFailure."""
        message = domain.Message(
            phone_numbers=[address],
            text_message=domain.TextMessage(text=prepare(body)),
            with_delivery_report=True,
        )
        try:
            state = self.client.send(message)
        except errors.APIError as error:
            raise classify_api_error(error) from error
        except (requests.RequestException, ValueError, KeyError) as error:
            # Unreachable phone or server, or an answer we cannot read: try again later.
            raise TemporaryFailure(f"{type(error).__name__}: {error}"[:500]) from error
        return Delivery(provider_message_id=state.id, provider_status=state.state.value.lower())
