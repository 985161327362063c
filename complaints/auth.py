"""Password hashing (Argon2id) and staff account creation."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select

from .errors import ValidationFailed
from .extensions import db, login_manager
from .models import Role, Unit, User

_hasher = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


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
    """Flask-Login: the signed-in staff member, if still active."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None
