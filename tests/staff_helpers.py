"""Signing in staff through the real login form."""

from __future__ import annotations

import re

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


def act_on_complaint_page(client: FlaskClient, code: str, action: str, **data: str) -> str:
    """Send one of the staff complaint page's forms as a browser would; return the page after.

    The page is opened first: it must offer the action's form, and the form's
    CSRF token and the complaint's version seen there go with the post.
    """
    page = client.get(f"/staff/complaints/{code}").get_data(as_text=True)
    assert f'"/staff/complaints/{code}/{action}"' in page, f"the page offers no {action} form"
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page)
    fields = {"csrf_token": csrf_token_from(page), **data}
    if version is not None:
        fields["version"] = version.group(1)
    response = client.post(f"/staff/complaints/{code}/{action}", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)
    after = client.get(response.headers["Location"])
    assert after.status_code == 200
    return after.get_data(as_text=True)
