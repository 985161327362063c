"""Bearer tokens for the staff JSON API and api_keys for Open311 clients.

Both secrets are random, shown once when issued and stored only as a SHA-256
hash: a leaked database does not leak working credentials, and a lookup is one
indexed equality on the hash (no slow password hash: the secrets carry 256
bits of entropy, so brute force is not a concern).

Only the ``Authorization: Bearer …`` header authorizes a staff API call. A
browser session cookie never does: the API is CSRF-exempt, so accepting the
cookie would let any web page act with a signed-in officer's rights.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import ParamSpec, TypeVar

from flask import request
from flask_babel import gettext
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import ApiToken, Open311Key, Role, User

from .errors import ApiError

logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

TOKEN_PREFIX = "aduan_"  # noqa: S105 -- a marker that makes leaked tokens greppable
OPEN311_KEY_PREFIX = "o311_"
# Writing last_used_at on every call would turn each read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=5)
_ENVIRON_KEY = "aduan.api_user"


def hash_secret(secret: str) -> str:
    """The stored form of a token or api_key (hex SHA-256)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a bearer token for ``user`` (not committed); return the row and the secret."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, token_hash=hash_secret(secret), name=name[:100], created_at=clock.now()
    )
    db.session.add(token)
    return token, secret


def issue_open311_key(name: str) -> tuple[Open311Key, str]:
    """Create an Open311 api_key for a client called ``name`` (not committed)."""
    secret = OPEN311_KEY_PREFIX + secrets.token_urlsafe(32)
    key = Open311Key(name=name[:100], key_hash=hash_secret(secret), created_at=clock.now())
    db.session.add(key)
    return key, secret


def find_open311_key(secret: str | None) -> Open311Key | None:
    """The active Open311 key matching ``secret``, or None."""
    if not secret:
        return None
    key = db.session.scalar(select(Open311Key).where(Open311Key.key_hash == hash_secret(secret)))
    if key is None or key.revoked_at is not None:
        return None
    return key


def _bearer_secret() -> str | None:
    """The token in the Authorization header, '' when the header is malformed, None if absent."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return ""
    return secret.strip()


def has_bearer_token() -> bool:
    """True when the request carries an Authorization header (valid or not)."""
    return _bearer_secret() is not None


def _unauthorized() -> ApiError:
    return ApiError(
        401,
        "unauthorized",
        gettext("A valid API token is required (header 'Authorization: Bearer <token>')."),
    )


def _user_for(secret: str) -> User:
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        raise _unauthorized()
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        token.last_used_at = now
        db.session.commit()
    return token.user


def authenticate() -> User | None:
    """The staff member behind the request's bearer token; None without a header.

    Raises a 401 ApiError for a malformed, unknown or revoked token, or a
    deactivated user: a bad credential is an error, never a silent fallback
    to the public view.
    """
    # Cached per request in its WSGI environ, not on flask.g: an application context
    # can outlive a request (tests, CLI), and one request's user must never leak to the next.
    if _ENVIRON_KEY in request.environ:
        cached: User | None = request.environ[_ENVIRON_KEY]
        return cached
    secret = _bearer_secret()
    if secret == "":
        raise _unauthorized()
    user = _user_for(secret) if secret is not None else None
    request.environ[_ENVIRON_KEY] = user
    return user


def current_api_user() -> User:
    """The authenticated staff member; only valid inside a ``token_required`` view."""
    user = authenticate()
    if user is None:
        raise _unauthorized()
    return user


def token_required(
    roles: Iterable[Role | str] | None = None,
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a view so it needs a valid bearer token, optionally of one of ``roles``.

    401 without or with a bad token; 403 when the user's role is not allowed.
    """
    allowed = {Role(role).value for role in roles} if roles is not None else None

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            user = current_api_user()
            if allowed is not None and user.role not in allowed:
                raise ApiError(403, "forbidden", gettext("Your role may not use this endpoint."))
            return view(*args, **kwargs)

        return guarded

    return decorate


def revoke_token(token: ApiToken, now: datetime | None = None) -> bool:
    """Revoke ``token`` (not committed); False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or clock.now()
    logger.info("API token %s of %s revoked", token.id, token.user.email)
    return True
