"""E-mail in and out.

- Outbound (``MAIL_*``): the outbox's "email" sender — ``transport.py`` —
  multipart text + HTML mails from ``templates/mail/`` in the reader's
  language, with a one-click unsubscribe for citizens (``unsubscribe.py``,
  ``/mail/unsubscribe/<token>``).
- Inbound (``IMAP_*``): ``flask mail poll`` (``cli.py``) and the scheduler's
  ``mail-poll`` job read unseen mail (``inbound.py``): a new mail files a
  complaint on channel ``email``, a reply to one of our notices becomes the
  citizen's message on that complaint, auto-replies and bounces are ignored.
"""

from __future__ import annotations

import logging

from flask import Flask

from complaints.outbox import register_transport

from . import unsubscribe
from .cli import mail_cli
from .settings import EXTENSION_KEY, MailSettings, settings_of
from .transport import MailTransport

logger = logging.getLogger(__name__)

# The admin page's phrases for a half that is off (complaints.staff.admin puts them in words).
OUTBOUND_OFF = "off (MAIL_SERVER and MAIL_DEFAULT_SENDER not set)"
MAILBOX_OFF = "off (IMAP_HOST, IMAP_USERNAME and IMAP_PASSWORD not set)"


def init_app(app: Flask) -> None:
    """Read the settings, register the unsubscribe route, the CLI and (when on) the sender."""
    settings = MailSettings.from_config(app.config)
    app.extensions[EXTENSION_KEY] = settings
    app.cli.add_command(mail_cli)
    if unsubscribe.bp.name not in app.blueprints:  # links in mails already sent keep working
        app.register_blueprint(unsubscribe.bp)
    if settings.sending:
        register_transport(app, MailTransport(settings))
        logger.info("e-mail on: SMTP %s:%s", settings.server, settings.port)
    else:
        logger.info("e-mail off: MAIL_SERVER and MAIL_DEFAULT_SENDER unset")
    if settings.polling:
        logger.info(
            "mailbox %s on %s read for complaints", settings.imap_folder, settings.imap_host
        )


def channel_status(app: Flask) -> dict[str, object]:
    """What the admin page shows about e-mail (never a credential)."""
    settings = settings_of(app)
    return {
        "channel": "email",
        "configured": settings.sending or settings.polling,
        "outbound": f"{settings.server}:{settings.port}" if settings.sending else OUTBOUND_OFF,
        "mailbox": f"{settings.imap_host} ({settings.imap_folder})"
        if settings.polling
        else MAILBOX_OFF,
    }


__all__ = ["channel_status", "init_app"]
