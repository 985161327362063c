"""One citizen's WhatsApp message as the Cloud API channel reads it (shared by its modules)."""

from __future__ import annotations

from dataclasses import dataclass

from channels.sms.inbound import InboundMessage, MediaRef
from complaints.models import Transport

CHANNEL = "whatsapp"
PROVIDER = Transport.WHATSAPP_CLOUD.value
# Twilio's MessageSids and Meta's wamids share the receipts of channel "whatsapp".
RECEIPT_PREFIX = "cloud:"


@dataclass(frozen=True)
class Incoming:
    """One citizen message from a notification, in the terms we use."""

    wamid: str
    address: str  # E.164, or Meta's digits when they are not a valid number
    phone: str | None
    kind: str
    body: str
    media: tuple[MediaRef, ...] = ()
    location: tuple[float, float, str] | None = None
    choice: str | None = None  # the id of the reply button or list row

    def command_message(self) -> InboundMessage:
        return InboundMessage(
            sid=(RECEIPT_PREFIX + self.wamid)[:128],
            channel=CHANNEL,
            address=self.address,
            phone=self.phone,
            body=self.body,
            media=self.media,
            transport=PROVIDER,
        )
