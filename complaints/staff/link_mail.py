"""One-time account links (password reset, invitation) by e-mail, through the outbox.

While outbound mail is on (:func:`complaints.notify.mail_on`), a link an
admin issues, or a staff member asks for on the sign-in page, is mailed to
the account's own address in the account's language, as a multipart text
and HTML mail like every other (``templates/mail/``): nobody but its owner
sees it. The link lives only in the outbox row's body until it is sent;
the row's key names no token, and nothing here logs it.
"""

from __future__ import annotations

import logging
import uuid
from enum import StrEnum
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale, gettext

from complaints.i18n import LOCALES, local_time
from complaints.mail_envelope import STAFF, wrap
from complaints.models import User
from complaints.notify import EMAIL, mail_on
from complaints.outbox import enqueue

logger = logging.getLogger(__name__)


class LinkKind(StrEnum):
    RESET = "reset"
    INVITATION = "invitation"


def public_url(endpoint: str, **values: Any) -> str:
    """The address of a page as a person outside opens it (``PUBLIC_BASE_URL``)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for(endpoint, **values)
    return base.rstrip("/") + path if base else url_for(endpoint, _external=True, **values)


# The page each kind of link opens.
_ENDPOINTS = {
    LinkKind.RESET: "staff.reset_password",
    LinkKind.INVITATION: "staff.accept_invitation",
}


def link_url(kind: LinkKind, token: str) -> str:
    """The one-time link of ``kind`` for ``token``, as the person opens it."""
    return public_url(_ENDPOINTS[kind], token=token)


def mails_links(user: User) -> bool:
    """Whether a link for ``user`` goes by e-mail (mail is on and the account has an address)."""
    return bool(user.email) and mail_on()


def _words(user: User, kind: LinkKind, link: str) -> tuple[str, str]:
    """The subject and text of the mail, in the current locale."""
    until = local_time(user.password_reset_expires_at)
    if kind == LinkKind.INVITATION:
        subject = gettext("Your invitation to the Aduan staff console")
        text = gettext(
            "An administrator has made you an account (%(email)s) on Aduan, the public "
            "complaint service of Kabupaten Bone Bolango. Choose your password with this "
            "link; it works once, until %(time)s:",
            email=user.email,
            time=until,
        )
    else:
        subject = gettext("A link to choose a new Aduan password")
        text = gettext(
            "A new password was asked for the Aduan staff account %(email)s. Choose it with "
            "this link; it works once, until %(time)s:",
            email=user.email,
            time=until,
        )
    closing = gettext(
        "If you did not expect this e-mail, ignore it: nothing changes until the link is used."
    )
    return subject, f"{text}\n\n{link}\n\n{closing}"


def mail_link(user: User, kind: LinkKind, link: str) -> None:
    """Queue the mail that brings ``link`` to ``user`` (in the caller's transaction).

    Each issued link is a new message: the key is random, never the token.
    """
    locale = user.locale if user.locale in LOCALES else LOCALES[0]
    with force_locale(locale):
        subject, text = _words(user, kind, link)
    body = wrap(subject, text, locale=locale, audience=STAFF)
    key = f"account-{kind}-{user.id}-{uuid.uuid4().hex}"
    enqueue(EMAIL, user.email, body, key, user_id=user.id)
    logger.info("account %s: %s link queued by e-mail", user.id, kind.value)
