"""Two-step staff sign-in with an authenticator app (TOTP, RFC 6238, via pyotp).

A staff member enrols on their profile page: a new secret is stored on the
account, shown once as text, as an ``otpauth://`` URI and as its QR code (an
SVG drawn here, so the page loads nothing), and becomes active
when they confirm it with a code from their app. From then on the sign-in
page asks for the 6-digit code after the password. A code is accepted for the
current 30-second step and one step either side (clocks drift), and each step
at most once (``totp_last_counter``), so an overheard code cannot be replayed.
``ADUAN_REQUIRE_2FA_ROLES`` names the roles that must enrol before anything else.

The codes follow the wall clock of the person's phone, so they are checked
against the real time, not ``complaints.clock`` (which tests may freeze).
"""

from __future__ import annotations

import time

import pyotp
import segno
from flask import current_app
from markupsafe import Markup

from .models import User

ISSUER = "Aduan"
_STEP_SECONDS = 30


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str, title: str) -> Markup:
    """The QR code of ``uri`` as inline SVG markup, titled ``title`` for screen readers.

    Medium error correction (15 %): read reliably from a laptop screen. The
    quiet zone is drawn white so the code reads on any background.
    """
    # A viewBox instead of a fixed size: the page sets how large it is drawn.
    svg = segno.make(uri, error="m").svg_inline(light="#fff", title=title, omitsize=True)
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))  # noqa: S704 -- segno's own SVG


def _clean(code: str) -> str:
    return "".join(ch for ch in code if not ch.isspace())


def accept_code(user: User, code: str, secret: str | None = None) -> bool:
    """Whether ``code`` is a fresh, valid code of ``user``'s secret; remember its step.

    ``secret`` is the one being confirmed at enrolment (default: the account's).
    Not committed: the caller commits with its own changes.
    """
    secret = secret or user.totp_secret
    code = _clean(code)
    if not secret or len(code) != 6 or not code.isdigit():
        return False
    totp = pyotp.TOTP(secret)
    now = time.time()
    current = int(now // _STEP_SECONDS)
    for step in (current - 1, current, current + 1):
        if user.totp_last_counter is not None and step <= user.totp_last_counter:
            continue
        if pyotp.utils.strings_equal(totp.at(step * _STEP_SECONDS), code):
            user.totp_last_counter = step
            return True
    return False


def required_for(user: User) -> bool:
    """Whether the server requires two-step sign-in of ``user``'s role."""
    return user.role in current_app.config.get("REQUIRE_2FA_ROLES", frozenset())


def must_enrol(user: User) -> bool:
    return required_for(user) and not user.uses_two_step
