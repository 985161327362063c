"""Credentials for API tests: bearer tokens and Open311 api_keys, issued as the CLI does."""

from __future__ import annotations

from complaints.api import auth
from complaints.extensions import db
from complaints.models import User


def bearer(user: User, name: str = "test") -> dict[str, str]:
    """Headers carrying a fresh token of ``user``."""
    _token, secret = auth.issue_token(user, name)
    db.session.commit()
    return {"Authorization": f"Bearer {secret}"}


def open311_key(name: str = "City app") -> str:
    _key, secret = auth.issue_open311_key(name)
    db.session.commit()
    return secret
