"""Signing in staff through the real login form."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import STAFF_PASSWORD, csrf_token_from


def signed_in(app: Flask, email: str, password: str = STAFF_PASSWORD) -> FlaskClient:
    client = app.test_client()
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    response = client.post(
        "/staff/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def session_csrf(client: FlaskClient) -> str:
    return csrf_token_from(client.get("/staff/password").get_data(as_text=True))
