"""Which channels a citizen can use right now, as the citizen pages describe them.

The home page tells people how to reach us and the form and the tracking
page how updates will reach them. Both read the admin's channel state
(:func:`channels.channel_status`: a channel without credentials is off) and
the outbound transports actually registered, so no page promises an SMS, a
Telegram message or an e-mail the service cannot send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask import Flask

import channels
from channels import sms
from channels.email.settings import settings_of as mail_settings
from channels.smsgate.settings import settings_of as smsgate_settings
from channels.whatsapp.settings import settings_of as cloud_settings
from complaints.models import Complaint
from complaints.notify import citizen_address

WHATSAPP_PREFIX = "whatsapp:"
INDONESIA = 62


@dataclass(frozen=True)
class CitizenChannels:
    """The ways in and out that are on; ``None``/``False`` for those that are off."""

    sms_sender: str | None  # E.164 number people text LAPOR to (not an alphanumeric ID)
    whatsapp_sender: str | None  # E.164 number of the WhatsApp sender, when set
    telegram: bool
    telegram_username: str | None
    # The mailbox people write complaints to, when it is read and its login is an address.
    email_address: str | None = None
    # The channels a message to a citizen can leave by now ("sms", "telegram", …).
    sending: frozenset[str] = frozenset()

    @property
    def sms_number(self) -> str | None:
        return phone_for_people(self.sms_sender) if self.sms_sender else None

    @property
    def sms_link(self) -> str | None:
        return f"sms:{self.sms_sender}" if self.sms_sender else None

    @property
    def whatsapp_number(self) -> str | None:
        return phone_for_people(self.whatsapp_sender) if self.whatsapp_sender else None

    @property
    def whatsapp_link(self) -> str | None:
        return f"https://wa.me/{self.whatsapp_sender.lstrip('+')}" if self.whatsapp_sender else None

    @property
    def telegram_link(self) -> str | None:
        return f"https://t.me/{self.telegram_username}" if self.telegram_username else None

    @property
    def email_link(self) -> str | None:
        return f"mailto:{self.email_address}" if self.email_address else None

    @property
    def sms_updates(self) -> bool:
        return "sms" in self.sending

    @property
    def email_updates(self) -> bool:
        return "email" in self.sending  # MAIL_SERVER set: channels/email registered its sender


def phone_for_people(number: str) -> str:
    """An E.164 number as people dial it: +6281234567890 reads 0812-3456-7890.

    An Indonesian number is written the domestic way (phonenumbers' national
    format), others as they are.
    """
    digits = number.removeprefix(WHATSAPP_PREFIX).replace(" ", "")
    try:
        parsed = phonenumbers.parse(digits, None)
    except phonenumbers.NumberParseException:
        return digits
    if parsed.country_code != INDONESIA or not phonenumbers.is_valid_number(parsed):
        return digits
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)


def _phone_sender(sender: str | None) -> str | None:
    """The sender when people can text it: an E.164 number, not an alphanumeric sender ID
    (what Indonesian carriers often require for SMS)."""
    number = (sender or "").removeprefix(WHATSAPP_PREFIX)
    return number if re.fullmatch(r"\+\d{6,15}", number) else None


def citizen_channels(app: Flask) -> CitizenChannels:
    """What is on in ``app`` now, from the channel state and the registered transports."""
    on = {str(row["channel"]) for row in channels.channel_status(app) if row["configured"]}
    registered = set(app.extensions.get("aduan_transports", {}))
    # A transport counts only for a channel that is on (e-mail has no switch of its own).
    sending = frozenset(
        name for name in registered if name in on or name == "email" or _rides_on_sms(name, on)
    )
    telegram_on = "telegram" in on
    return CitizenChannels(
        sms_sender=_number_people_use(
            app, smsgate_settings(app).configured, "SMSGATE_PHONE_NUMBER", "TWILIO_FROM_NUMBER"
        ),
        whatsapp_sender=_number_people_use(
            app, cloud_settings(app).configured, "WHATSAPP_DISPLAY_NUMBER", "TWILIO_WHATSAPP_FROM"
        ),
        telegram=telegram_on,
        telegram_username=app.config.get("TELEGRAM_BOT_USERNAME") if telegram_on else None,
        email_address=_mailbox_address(app),
        sending=sending,
    )


def _number_people_use(app: Flask, own_on: bool, own_key: str, twilio_key: str) -> str | None:
    """The number people text or write to: the channel's own (``own_key``: the gateway
    phone's SIM, a local number Indonesian phones reach both ways, or the Cloud API's)
    while that provider is on and the number set, else Twilio's sender (``twilio_key``)."""
    if own_on and app.config.get(own_key):
        return _phone_sender(app.config[own_key])
    if sms.channel_status(app)["configured"]:
        return _phone_sender(app.config.get(twilio_key))
    return None


def _mailbox_address(app: Flask) -> str | None:
    """The address citizens can mail a complaint to: the mailbox's login when the mailbox
    is read and that login is an e-mail address (a bare user name such as ``aduan``
    tells people nothing, so no address is shown)."""
    settings = mail_settings(app)
    if not settings.polling or not settings.imap_username:
        return None
    try:
        checked = validate_email(settings.imap_username, check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.normalized


def _rides_on_sms(transport: str, on: set[str]) -> bool:
    """WhatsApp goes through the SMS channel's Twilio account."""
    return transport == "whatsapp" and "sms" in on


def update_channel(complaint: Complaint, available: CitizenChannels) -> tuple[str, str] | None:
    """How updates reach this complaint's reporter: ("sms", address), ("whatsapp", …),
    ("telegram", …), ("email", …) or None.

    The reporter's own contact, as :func:`complaints.notify.citizen_address`
    picks it, and only when that channel can send now.
    """
    target = citizen_address(complaint)
    if target is None or target[0] not in available.sending:
        return None
    return target


def masked_contact(address: str) -> str:
    """An address updates go to, masked for a page anyone with the code may read.

    ``r***@gmail.com`` for an e-mail, ``0812****890`` for a phone number.
    """
    if "@" in address:
        local, _, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    digits = re.sub(r"[^\d+]", "", phone_for_people(address))
    return f"{digits[:4]}****{digits[-3:]}"
