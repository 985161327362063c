"""What Twilio tells us about an incoming SMS, MMS or WhatsApp message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from complaints.intake import normalize_phone
from complaints.models import Transport

from .settings import WHATSAPP_PREFIX

# Twilio sends at most ten media per message; we keep no more than that.
MAX_MEDIA = 10


@dataclass(frozen=True)
class MediaRef:
    """A photo or file Twilio holds for us, as announced in the webhook."""

    url: str
    content_type: str


@dataclass(frozen=True)
class InboundMessage:
    """One incoming message, parsed from Twilio's form fields.

    ``address`` is the sender in E.164 (without ``whatsapp:``), or Twilio's
    raw ``From`` when it is not a valid phone number (a short code);
    ``phone`` is set only for a valid number and becomes the reporter's contact.
    """

    sid: str
    channel: str  # "sms" or "whatsapp"
    address: str
    phone: str | None
    body: str
    media: tuple[MediaRef, ...] = ()
    # The provider it came through (``models.Transport``); None: the channel's default
    # (Twilio). Answers and the complaint's later notices leave the same way.
    transport: str | None = None

    @property
    def answered_in(self) -> str:
        """How the answer reaches the sender, as noted on notices it makes redundant."""
        return "twiml" if self.transport in (None, Transport.TWILIO.value) else "reply"

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> InboundMessage | None:
        """Parse Twilio's webhook parameters; None when the sender or MessageSid is missing."""
        sid = _text(form, "MessageSid") or _text(form, "SmsSid")
        sender = _text(form, "From")
        if not sid or not sender:
            return None
        channel = "whatsapp" if sender.startswith(WHATSAPP_PREFIX) else "sms"
        raw = sender.removeprefix(WHATSAPP_PREFIX)
        phone = normalize_phone(raw)
        return cls(
            sid=sid[:128],
            channel=channel,
            address=(phone or raw)[:128],
            phone=phone,
            body=_text(form, "Body", strip=False),
            media=_media(form),
        )


def _text(form: Mapping[str, str], name: str, *, strip: bool = True) -> str:
    """A form field without NUL characters, which no database column takes."""
    value = (form.get(name) or "").replace("\x00", "")
    return value.strip() if strip else value


def _media(form: Mapping[str, str]) -> tuple[MediaRef, ...]:
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        return ()
    refs = []
    for index in range(min(max(count, 0), MAX_MEDIA)):
        url = (form.get(f"MediaUrl{index}") or "").strip()
        if url:
            content_type = (form.get(f"MediaContentType{index}") or "").strip().lower()
            refs.append(MediaRef(url, content_type))
    return tuple(refs)
