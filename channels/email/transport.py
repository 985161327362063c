"""Outbound mail through SMTP (the outbox's "email" sender), with the standard library's smtplib.

Each outbox row becomes a multipart/alternative mail: the text as it was
queued and the same text in an HTML template, both in the reader's language
(``templates/mail/``). Mails to citizens carry a one-click ``List-Unsubscribe``
(RFC 8058); an address that unsubscribed is refused for good. The Message-ID
we give the mail is recorded as the row's provider_message_id, so a reply
(``In-Reply-To``/``References``) is matched to its complaint.
"""

from __future__ import annotations

import email.policy
import logging
import re
import smtplib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup, escape

from complaints.mail_envelope import Envelope, unwrap
from complaints.outbox import Delivery, PermanentFailure, TemporaryFailure

from . import unsubscribe
from .settings import MailSettings

logger = logging.getLogger(__name__)

TIMEOUT = 20.0  # seconds; the outbox retries a slow server later
_POLICY = email.policy.SMTP.clone(max_line_length=998)


def html_text(text: str) -> Markup:
    """The text as HTML paragraphs, its links clickable, everything else escaped."""
    paragraphs = []
    for block in text.split("\n\n"):
        escaped = str(escape(block))
        linked = re.sub(
            r"(https?://[^\s<>&\"]+(?:&amp;[^\s<>&\"]+)*)",
            r'<a href="\1">\1</a>',
            escaped,
        )
        paragraphs.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return Markup("\n".join(paragraphs))  # noqa: S704 - every piece escaped above


def build_message(settings: MailSettings, address: str, mail: Envelope) -> EmailMessage:
    """The mail for ``address``: headers, text part, HTML part."""
    # Long header lines are allowed (RFC 5322: 998): the default 78 would encode the
    # unsubscribe link, a single unbreakable word, and mail programs would not read it.
    message = EmailMessage(policy=_POLICY)
    message["From"] = settings.default_sender
    message["To"] = address
    message["Subject"] = mail.subject
    message["Date"] = formatdate(localtime=False)
    domain = settings.sender_address.rpartition("@")[2] or None
    message["Message-ID"] = make_msgid("aduan", domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to it, please
    link = None
    if mail.for_citizen:
        link = unsubscribe.link_for(address)
        message["List-Unsubscribe"] = f"<{link}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    with force_locale(mail.locale):
        context = {"text": mail.text, "html": html_text(mail.text), "unsubscribe_url": link}
        message.set_content(render_template("mail/notice.txt", **context))
        message.add_alternative(render_template("mail/notice.html", **context), subtype="html")
    message["Content-Language"] = mail.locale
    return message


def _classify(error: smtplib.SMTPException) -> TemporaryFailure | PermanentFailure:
    """The outbox's retry decision for an SMTP error.

    Only a refusal of this mail is permanent: every recipient refused with a 5xx
    (no such mailbox), or a 5xx to its content (too large, rejected as spam). A
    server that refuses everyone — 5xx to the greeting, HELO, STARTTLS, our login
    or our sender — refuses every queued mail alike: that is the server's trouble
    or our settings', so the mails wait while an admin sees to it, and none is lost.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            return PermanentFailure(f"recipient refused: {codes}")
        return TemporaryFailure(f"recipient deferred: {codes}")
    if isinstance(error, smtplib.SMTPAuthenticationError):
        logger.error("the mail server refused MAIL_USERNAME/MAIL_PASSWORD")
        return TemporaryFailure("authentication refused")
    code = getattr(error, "smtp_code", None)
    if isinstance(error, smtplib.SMTPDataError) and isinstance(code, int) and 500 <= code < 600:
        return PermanentFailure(f"SMTP {code}: the server refused this mail")
    if isinstance(code, int) and 500 <= code < 600:
        logger.error("the mail server refuses all mail (SMTP %s): %s", code, error)
    return TemporaryFailure(f"{type(error).__name__}: {error}"[:500])


class MailTransport:
    """Delivers outbox mail through the configured SMTP server."""

    channel = "email"

    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    def send(self, address: str, body: str) -> Delivery:
        """Hand the mail to the SMTP server; raise TemporaryFailure or PermanentFailure."""
        mail = unwrap(body)
        if mail.for_citizen and unsubscribe.is_unsubscribed(address):
            raise PermanentFailure("the address unsubscribed")
        message = build_message(self.settings, address, mail)
        settings = self.settings
        assert settings.server is not None
        try:
            with smtplib.SMTP(settings.server, settings.port, timeout=TIMEOUT) as smtp:
                if settings.use_tls:
                    smtp.starttls()
                if settings.username and settings.password:
                    smtp.login(settings.username, settings.password)
                smtp.send_message(message)
        except smtplib.SMTPException as error:
            raise _classify(error) from error
        except OSError as error:  # refused, unreachable, timed out
            raise TemporaryFailure(f"{type(error).__name__}: {error}"[:500]) from error
        return Delivery(provider_message_id=str(message["Message-ID"]), provider_status="sent")
