"""Citizens' one-click unsubscribe (RFC 8058): a signed link in every mail to a citizen.

``List-Unsubscribe: <https://…/mail/unsubscribe/TOKEN>`` with
``List-Unsubscribe-Post: List-Unsubscribe=One-Click``: a mail program POSTs
``List-Unsubscribe=One-Click`` to the link; a person who opens it sees a page
with one button that does the same. Either way the address goes into
``blocked_addresses`` on channel ``email`` and is never mailed again (the
transport refuses it). The token is the address signed with SECRET_KEY: no
one can unsubscribe an address they were never sent.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from complaints.extensions import csrf, db
from complaints.models import BlockedAddress, Channel

logger = logging.getLogger(__name__)

bp = Blueprint("mail", __name__, url_prefix="/mail")
PATH = "/mail/unsubscribe/"
_SALT = "mail-unsubscribe"
REASON = "unsubscribed (List-Unsubscribe)"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def normalized(address: str) -> str:
    """An e-mail address as it is compared and stored: trimmed, lower case."""
    return address.strip().lower()


def token_for(address: str) -> str:
    return _serializer().dumps(normalized(address))


def link_for(address: str) -> str:
    """The one-click link for ``address``, from PUBLIC_BASE_URL only."""
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}{PATH}{token_for(address)}"


def is_unsubscribed(address: str) -> bool:
    return (
        db.session.scalar(
            select(BlockedAddress.id).where(
                BlockedAddress.channel == Channel.EMAIL.value,
                BlockedAddress.address == normalized(address)[:128],
            )
        )
        is not None
    )


def unsubscribe(address: str) -> None:
    """Never mail ``address`` again (committed; twice is harmless)."""
    if is_unsubscribed(address):
        return
    db.session.add(
        BlockedAddress(
            channel=Channel.EMAIL.value, address=normalized(address)[:128], reason=REASON
        )
    )
    try:
        db.session.commit()
    except IntegrityError:  # the mail program and the person clicked at once
        db.session.rollback()


def _address_of(token: str) -> str:
    try:
        address = _serializer().loads(token)
    except BadSignature:
        abort(404)
    if not isinstance(address, str):
        abort(404)
    return address


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: the mail program posts without a form of ours; the token is the proof
def unsubscribe_view(token: str) -> ResponseReturnValue:
    address = _address_of(token)
    if request.method == "POST":
        unsubscribe(address)
        logger.info("an e-mail address unsubscribed")
        return render_template("mail/unsubscribed.html", done=True, token=token)
    return render_template("mail/unsubscribed.html", done=is_unsubscribed(address), token=token)
