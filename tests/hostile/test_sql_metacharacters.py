"""SQL metacharacters in every filter: never a 500, and they match literally.

Quotes, comment markers, LIKE wildcards, backslashes and NUL go into every
query parameter of the staff queue, the staff JSON API, Open311, the
public statistics and the reports. Each answer is a clean 200 or 4xx; a
search for ``%`` or ``_`` finds the complaints that contain that character,
not everything.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from flask import Flask

from tests.api_helpers import bearer
from tests.conftest import Cast, MakeComplaint
from tests.staff_helpers import signed_in

METACHARACTERS = ("'", '"', ";--", "%", "_", "\\", "\x00", "' OR '1'='1", "%' OR 1=1 --")
# Digits that int() refuses or no INTEGER column holds (PostgreSQL: "out of range").
NUMBERS = ("99999999999", "\u00b2", "-1", "0")
SEARCHES = {
    "%": {"percent"},
    "_": {"underscore"},
    "'": {"quote"},
    "\\": {"backslash"},
    "100%": {"percent"},
    "pipa_air": {"underscore"},
    "O'Neil": {"quote"},
    "' OR '1'='1": set(),
    "%' OR 1=1 --": set(),
    "ADU-%": set(),
}
QUEUE_PARAMETERS = (
    "q", "status", "channel", "unit", "category", "assignee", "due", "from", "to",
    "sort", "after", "before",
)  # fmt: skip
API_PARAMETERS = (
    "q", "status", "channel", "unit", "category", "assignee", "due", "from", "to",
    "limit", "cursor",
)  # fmt: skip
OPEN311_PARAMETERS = ("service_request_id", "service_code", "status", "start_date", "end_date")
CODE = re.compile(r"ADU-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture
def complaints(make_complaint: MakeComplaint) -> dict[str, str]:
    """Complaints whose text holds metacharacters, and plain ones; name → tracking code."""
    texts = {
        "percent": "Jalan rusak 100% di Desa Bube, tidak bisa dilewati kendaraan.",
        "underscore": "Saluran pipa_air bocor di depan kantor desa sejak kemarin.",
        "quote": "Rumah Pak O'Neil kebanjiran karena got tersumbat sampah.",
        "backslash": "Papan nama jalan tertulis C:\\jalan\\rusak oleh orang iseng.",
        "plain": "Lampu jalan mati di perempatan pasar sejak tiga hari lalu.",
    }
    return {
        name: make_complaint(status="verified", description=text).code
        for name, text in texts.items()
    }


def codes_in(text: str) -> set[str]:
    return set(CODE.findall(text))


def test_the_staff_queue_and_api_take_metacharacters_in_every_filter_and_match_literally(
    app: Flask, cast: Cast, complaints: dict[str, str]
) -> None:
    officer = signed_in(app, cast.admin.email)
    client, token = app.test_client(), bearer(cast.admin)
    for name in QUEUE_PARAMETERS:
        for value in METACHARACTERS + NUMBERS:
            response = officer.get(f"/staff/complaints?{name}={quote(value)}")
            assert response.status_code in (200, 400), (name, value, response.status_code)
    for value in METACHARACTERS + NUMBERS:
        response = officer.get(f"/staff/admin/audit?user={quote(value)}")
        assert response.status_code in (200, 400), (value, response.status_code)
    for name in API_PARAMETERS:
        for value in METACHARACTERS + NUMBERS:
            response = client.get(f"/api/v1/complaints?{name}={quote(value)}", headers=token)
            assert response.status_code in (200, 400), (name, value, response.status_code)
    for value in METACHARACTERS:
        for url in (
            f"/api/v1/complaints/{quote(value, safe='')}",
            f"/api/v1/metrics?from={quote(value)}",
            f"/api/v1/metrics?unit={quote(value)}",
        ):
            response = client.get(url, headers=token)
            assert response.status_code in (200, 400, 404, 422), (url, response.status_code)

    # A search finds the complaints holding the character, not everything.
    for search, expected in SEARCHES.items():
        wanted = {complaints[name] for name in expected}
        page = officer.get(f"/staff/complaints?q={quote(search)}").get_data(as_text=True)
        assert codes_in(page) == wanted, search
        listed = client.get(f"/api/v1/complaints?q={quote(search)}", headers=token)
        assert {item["code"] for item in listed.get_json()["items"]} == wanted, search


def test_open311_public_pages_and_reports_take_metacharacters_without_a_500(
    app: Flask, cast: Cast, complaints: dict[str, str]
) -> None:
    client = app.test_client()
    admin = signed_in(app, cast.admin.email)
    for value in METACHARACTERS:
        quoted, in_path = quote(value), quote(value, safe="")
        for name in OPEN311_PARAMETERS:
            response = client.get(f"/open311/v2/requests.json?{name}={quoted}")
            assert response.status_code in (200, 400), (name, value, response.status_code)
            if response.status_code == 200 and name in ("service_request_id", "service_code"):
                assert response.get_json() == [], (name, value)  # a pattern matches nothing
        for url in (f"/open311/v2/requests/{in_path}.json", f"/open311/v2/services/{in_path}.json"):
            assert client.get(url).status_code in (400, 404), url
        for url in (
            f"/track?code={quoted}",
            f"/track/{in_path}",
            f"/stats?year={quoted}",
            f"/stats?quarter={quoted}",
            f"/stats?page={quoted}",
        ):
            assert client.get(url).status_code in (200, 400, 404), (url, value)
        for name in ("from", "to", "unit"):
            for url in (
                f"/staff/reports?{name}={quoted}",
                f"/staff/reports/complaints.csv?{name}={quoted}",
            ):
                assert admin.get(url).status_code in (200, 400), (url, value)


def test_a_nul_in_a_citizen_or_staff_form_is_refused_not_a_500(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    from sqlalchemy import func, select

    from complaints.extensions import db
    from complaints.models import Complaint, Message
    from tests.conftest import csrf_token_from
    from tests.test_web_form import submit

    citizen = submit(app.test_client(), {"description": "Jalan\x00 rusak di depan SD Negeri 2."})
    assert citizen.status_code == 400
    assert db.session.scalar(select(func.count(Complaint.id))) == 0

    complaint = make_complaint(status="verified")
    officer = signed_in(app, cast.admin.email)
    page = officer.get(f"/staff/complaints/{complaint.code}").get_data(as_text=True)
    for action in ("reply", "note"):
        response = officer.post(
            f"/staff/complaints/{complaint.code}/{action}",
            data={"body": "Sudah\x00 dicek.", "csrf_token": csrf_token_from(page)},
        )
        assert response.status_code == 400, (action, response.status_code)
    assert db.session.scalar(select(func.count(Message.id))) == 0
