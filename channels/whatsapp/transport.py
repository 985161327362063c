"""Outbound WhatsApp messages through Meta's Cloud API (the outbox's "whatsapp" sender "cloud").

``POST /{version}/{phone-number-id}/messages`` with the bearer token, by
httpx directly. WhatsApp lets a business write freely only within 24 hours
of the citizen's last message (the customer-service window, counted from
``conversations.last_inbound_at``); outside it only an approved template
may open a conversation. So:

- inside the window: the text as it is (``type: text``);
- outside it, or when Meta answers 131047 (re-engagement needed): the
  acknowledgement template (body parameter: the tracking code) for a
  complaint still received, the status-change template (code, status in
  words) for a later one. A text that names no complaint cannot become a
  template: it fails permanently, and the admin page lists it.

Errors are classified for the outbox's retry: rate limits (130429, 131056,
4, 80007), Meta's passing faults (1, 2, 131000, 131016) and HTTP 5xx or a
network failure are temporary; an undeliverable number (131026), a bad
request and the rest are permanent. An expired token (190, HTTP 401) is
temporary, so messages wait while an admin sets a new one.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import httpx
from flask_babel import force_locale
from sqlalchemy import select

from complaints import clock
from complaints.codes import complaint_by_code, normalize_code
from complaints.extensions import db
from complaints.models import Complaint, Conversation, Status, Transport
from complaints.notify import status_label
from complaints.outbox import Delivery, PermanentFailure, TemporaryFailure

from .settings import CloudSettings

logger = logging.getLogger(__name__)

REQUEST_TIMEOUT = httpx.Timeout(15.0, connect=5.0)
SERVICE_WINDOW = timedelta(hours=24)
MAX_TEXT = 4096  # Meta's limit for a text message body
RE_ENGAGEMENT = 131047
_TEMPORARY_CODES = frozenset({1, 2, 4, 80007, 130429, 131000, 131016, 131056, 190})


def classify(status: int, error: dict[str, Any]) -> TemporaryFailure | PermanentFailure:
    """The outbox's retry decision for a Graph API error answer."""
    code = error.get("code")
    text = f"HTTP {status}, error {code}: {error.get('message') or ''}"[:500]
    if status >= 500 or status in (401, 429) or code in _TEMPORARY_CODES:
        if code == 190 or status == 401:
            logger.error("the WhatsApp Cloud API refused our access token: %s", text)
        return TemporaryFailure(text)
    return PermanentFailure(text)


def recipient(address: str) -> str:
    """Meta's ``to``: the number's digits with the country code."""
    return address.removeprefix("whatsapp:").lstrip("+")


def _words(text: str) -> list[str]:
    return [word.strip(".,:;()[]") for word in text.split()]


def complaint_named_in(body: str) -> Complaint | None:
    """The complaint whose tracking code the text mentions (the first one found)."""
    for word in _words(body):
        if len(word) >= 6 and normalize_code(word) is not None:
            complaint = complaint_by_code(word)
            if complaint is not None:
                return complaint
    return None


class CloudTransport:
    """Delivers outbox WhatsApp messages through the Cloud API."""

    channel = "whatsapp"
    provider = Transport.WHATSAPP_CLOUD.value

    def __init__(self, settings: CloudSettings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=REQUEST_TIMEOUT)

    # --- the outbox's interface ---

    def send(self, address: str, body: str) -> Delivery:
        """Text inside the 24-hour window, a template outside it; raise on failure."""
        to = recipient(address)
        if self.window_open(address):
            try:
                return self.post(self.text_payload(to, body))
            except PermanentFailure as failure:
                if f"error {RE_ENGAGEMENT}:" not in str(failure):
                    raise
                logger.info("WhatsApp window closed for a recipient: sending the template")
        return self.post(self.template_payload(to, body))

    # --- building blocks ---

    def window_open(self, address: str, now: datetime | None = None) -> bool:
        """Has the citizen written to the Cloud API number within the last 24 hours?"""
        try:
            last = db.session.scalar(
                select(Conversation.last_inbound_at).where(
                    Conversation.channel == self.channel,
                    Conversation.address == address.removeprefix("whatsapp:"),
                )
            )
        finally:
            db.session.rollback()  # the drain sends outside any transaction
        return last is not None and (now or clock.now()) - last < SERVICE_WINDOW

    def text_payload(self, to: str, body: str) -> dict[str, Any]:
        text = body if len(body) <= MAX_TEXT else body[: MAX_TEXT - 3] + "..."
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": {"body": text, "preview_url": True},
        }

    def template_payload(self, to: str, body: str) -> dict[str, Any]:
        """The approved template that says what ``body`` says, for outside the window."""
        try:
            complaint = complaint_named_in(body)
            if complaint is None:
                raise PermanentFailure(
                    "outside WhatsApp's 24-hour window and the message names no complaint, "
                    "so no approved template can carry it"
                )
            parameters = [complaint.code]
            name = self.settings.template_ack
            if complaint.status != Status.RECEIVED:
                name = self.settings.template_status
                with force_locale(complaint.locale or self.settings.template_language):
                    parameters.append(str(status_label(complaint.status)))
        finally:
            db.session.rollback()
        return {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "template",
            "template": {
                "name": name,
                "language": {"code": self.settings.template_language},
                "components": [
                    {
                        "type": "body",
                        "parameters": [{"type": "text", "text": value} for value in parameters],
                    }
                ],
            },
        }

    def post(self, payload: dict[str, Any]) -> Delivery:
        """POST one message; the wamid Meta gives it, or TemporaryFailure/PermanentFailure."""
        headers = {"Authorization": f"Bearer {self.settings.access_token}"}
        try:
            response = self.client.post(self.settings.messages_url, json=payload, headers=headers)
        except httpx.HTTPError as error:
            raise TemporaryFailure(f"{type(error).__name__}: {error}"[:500]) from error
        try:
            document = response.json()
        except ValueError:
            document = {}
        if not isinstance(document, dict):
            document = {}
        if response.status_code >= 400 or "error" in document:
            detail = document.get("error")
            raise classify(response.status_code, detail if isinstance(detail, dict) else {})
        messages = document.get("messages") or [{}]
        wamid = messages[0].get("id") if isinstance(messages[0], dict) else None
        return Delivery(provider_message_id=wamid, provider_status=payload["type"])
