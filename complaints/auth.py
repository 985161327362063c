"""Password hashing (Argon2id), staff sign-in and sessions, and staff account creation.

A signed-in session is a signed cookie that also carries the user's
``session_generation``. :func:`revoke_sessions` bumps the stored number, so
every cookie issued before (a copy kept by someone else included) stops
opening the staff console: on signing out, on a password change, and when an
admin changes a role or deactivates an account.
"""

from __future__ import annotations

import contextlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import session
from flask_login import login_user
from sqlalchemy import select

from .errors import ValidationFailed
from .extensions import db, login_manager
from .models import Role, Unit, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10
# Checked instead of a real hash when no account has the e-mail, so that an
# unknown e-mail costs the same Argon2 work as a wrong password (made with the
# same parameters; its password is thrown away).
_STAND_IN_HASH = _hasher.hash(secrets.token_urlsafe(32))
# The session key holding the user's session generation at sign-in.
SESSION_GENERATION_KEY = "staff_session_generation"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User, password: str) -> bool:
    """Check a password; upgrade the stored hash when Argon2's parameters changed."""
    try:
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


@dataclass(frozen=True)
class SignInCheck:
    """What a sign-in attempt found: the account its e-mail names, and whether it may enter."""

    account: User | None
    accepted: bool


def check_sign_in(email: str, password: str) -> SignInCheck:
    """Check an e-mail and password the same way whether or not the account exists.

    Unknown e-mails are checked against a stand-in hash and inactive accounts
    are checked like active ones, so the work done (one Argon2 verification)
    and the answer (refused) do not tell a guesser which accounts exist.
    """
    account = db.session.scalar(select(User).where(User.email == email))
    if account is None:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_STAND_IN_HASH, password)
        return SignInCheck(None, accepted=False)
    accepted = verify_password(account, password) and account.active
    return SignInCheck(account, accepted=accepted)


def sign_in(user: User) -> None:
    """Start the signed-in session of ``user``, valid until their sessions are revoked."""
    login_user(user)
    session[SESSION_GENERATION_KEY] = user.session_generation


def revoke_sessions(user: User, *, except_this_one: bool = False) -> None:
    """Sign ``user`` out of every browser, from the caller's commit on.

    With ``except_this_one`` the session of the current request (``user``'s
    own, as after changing their own password) stays signed in.
    """
    user.session_generation = (user.session_generation or 0) + 1
    if except_this_one:
        session[SESSION_GENERATION_KEY] = user.session_generation


def create_user(
    email: str,
    role: str,
    password: str,
    *,
    unit_code: str | None = None,
    name: str = "",
) -> User:
    """Create a staff account (not committed). Raises ValidationFailed on bad input."""
    errors: dict[str, str] = {}
    try:
        address = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        errors["email"] = str(error)
        address = email
    if role not in {r.value for r in Role}:
        errors["role"] = f"role must be one of {', '.join(r.value for r in Role)}"
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = f"password must have at least {MIN_PASSWORD_LENGTH} characters"
    unit = None
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            errors["unit"] = f"no unit with code {unit_code!r}"
    elif role != Role.ADMIN:
        errors["unit"] = "officers and supervisors belong to a unit (--unit)"
    if not errors and db.session.scalar(select(User).where(User.email == address)) is not None:
        errors["email"] = f"a user with e-mail {address} already exists"
    if errors:
        raise ValidationFailed(errors)
    user = User(
        email=address, name=name, role=role, unit=unit, password_hash=hash_password(password)
    )
    db.session.add(user)
    return user


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login: the signed-in staff member, if still active and the session not revoked."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active:
        return None
    # A session from before the last revocation (or without a generation) is refused.
    if session.get(SESSION_GENERATION_KEY) != user.session_generation:
        return None
    return user
