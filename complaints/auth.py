"""Password hashing (Argon2id), staff sign-in and sessions, and staff account creation.

A signed-in session is a signed cookie that also carries the user's
``session_generation``. :func:`revoke_sessions` bumps the stored number, so
every cookie issued before (a copy kept by someone else included) stops
opening the staff console: on signing out, on a password change (a reset
link's included), and when an admin changes a role or deactivates an account.

A password an admin chose (a new account's, or one set on the edit page) is
temporary: ``must_change_password`` sends its owner to the password page
first. A one-time reset link (:func:`issue_password_reset`) carries a random
token stored only as its SHA-256, good for 24 hours and for one use.

An invitation (:func:`issue_invitation`) is the same kind of link, good for
seven days, to an account that has no password yet: its ``password_hash`` is
:data:`NO_PASSWORD_YET`, which no password matches, until its owner opens the
link and chooses one.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import session
from flask_login import login_user
from sqlalchemy import select

from . import clock
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


# The password hash of an invited account until its owner chooses a password.
# It is no Argon2 hash, so no password matches it.
NO_PASSWORD_YET = "!invited"  # noqa: S105 -- a marker, not a password


def invitation_pending(user: User) -> bool:
    """Whether ``user`` was invited and has not chosen a password yet."""
    return user.password_hash == NO_PASSWORD_YET


def verify_password(user: User, password: str) -> bool:
    """Check a password; upgrade the stored hash when Argon2's parameters changed."""
    if invitation_pending(user):
        # As much work as a wrong password: the answer's timing does not tell
        # a guesser that this account exists and waits for its owner.
        with contextlib.suppress(VerificationError):
            _hasher.verify(_STAND_IN_HASH, password)
        return False
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


def set_password(user: User, password: str, *, temporary: bool = False) -> None:
    """Give ``user`` a new password; ``temporary`` when someone else chose it.

    Any reset link still open stops working (not committed).
    """
    user.password_hash = hash_password(password)
    user.must_change_password = temporary
    user.password_reset_hash = None
    user.password_reset_expires_at = None


RESET_LINK_LIFETIME = timedelta(hours=24)
INVITATION_LIFETIME = timedelta(days=7)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_password_reset(user: User, lifetime: timedelta = RESET_LINK_LIFETIME) -> str:
    """A new one-time reset token for ``user`` (replacing any earlier one; not committed)."""
    token = secrets.token_urlsafe(32)
    user.password_reset_hash = _token_hash(token)
    user.password_reset_expires_at = clock.now() + lifetime
    return token


def issue_invitation(user: User) -> str:
    """A new one-time invitation token for an account without a password (not committed).

    It replaces any earlier invitation or reset link of the account.
    """
    user.password_hash = NO_PASSWORD_YET
    user.must_change_password = False  # the owner chooses it: nothing to replace
    return issue_password_reset(user, INVITATION_LIFETIME)


def expired_link_owner(token: str) -> User | None:
    """The account a link was issued to when the link has expired (unused, not replaced).

    Lets the link's page say it expired rather than that it does not exist.
    """
    if not token or len(token) > 128:
        return None
    user = db.session.scalar(select(User).where(User.password_reset_hash == _token_hash(token)))
    if user is None or user.password_reset_expires_at is None:
        return None
    return user if user.password_reset_expires_at <= clock.now() else None


def user_for_reset_token(token: str) -> User | None:
    """The active account a reset token opens, while it has not expired nor been used."""
    if not token or len(token) > 128:
        return None
    user = db.session.scalar(select(User).where(User.password_reset_hash == _token_hash(token)))
    if user is None or not user.active or user.password_reset_expires_at is None:
        return None
    if user.password_reset_expires_at <= clock.now():
        return None
    return user


def create_user(
    email: str,
    role: str,
    password: str,
    *,
    unit_code: str | None = None,
    name: str = "",
    temporary_password: bool = False,
) -> User:
    """Create a staff account (not committed). Raises ValidationFailed on bad input.

    ``temporary_password``: someone other than its owner chose the password
    (an admin's form), so the owner must change it at first sign-in.
    """
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
        email=address,
        name=name,
        role=role,
        unit=unit,
        password_hash=hash_password(password),
        must_change_password=temporary_password,
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
