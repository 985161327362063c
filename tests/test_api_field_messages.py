"""The JSON API's 422 answers word each bad field exactly, in Indonesian and English.

These pin the type checks of the request bodies (a value of the wrong type,
text a database cannot store, a missing field) and which of them a request
hears first: every body field's type at once for a new complaint; for a
transition ``to`` and ``version`` before the move, the move's own fields
after it, the assignee last.
"""

from __future__ import annotations

from typing import Any

import pytest

from complaints.models import Status
from tests.api_helpers import bearer
from tests.conftest import Cast, MakeComplaint

VALID = {
    "category": "road-damage",
    "description": "Jalan berlubang besar di depan SD Negeri 1 Suwawa.",
}
MESSAGES = {
    "id": {
        "text": "Nilai ini harus berupa teks.",
        "chars": "Teks ini mengandung karakter yang tidak diizinkan.",
        "number": "Nilai ini harus berupa angka.",
        "flag": "Nilai ini harus true atau false.",
        "whole": "Nilai ini harus berupa bilangan bulat.",
        "required": "Kolom ini wajib diisi.",
        "person": "Isi alamat email atau id pengguna.",
        "choose": "Pilih salah satu dari: {values}.",
    },
    "en": {
        "text": "This must be text.",
        "chars": "This text contains characters that are not allowed.",
        "number": "This must be a number.",
        "flag": "This must be true or false.",
        "whole": "This must be a whole number.",
        "required": "This field is required.",
        "person": "Give an e-mail address or a user id.",
        "choose": "Choose one of: {values}.",
    },
}
LANGUAGES = pytest.mark.parametrize("lang", ["id", "en"])


def refused_fields(response: Any, lang: str, expected: dict[str, str]) -> None:
    """The answer is a 422 naming exactly ``expected`` (field → message kind), in order."""
    assert response.status_code == 422, response.get_data(as_text=True)
    error = response.get_json()["error"]
    assert error["code"] == "validation_failed"
    words = {
        field: MESSAGES[lang][kind].format(values=", ".join(s.value for s in Status))
        for field, kind in expected.items()
    }
    assert error["fields"] == words
    assert error["message"] == "; ".join(f"{field}: {text}" for field, text in words.items())


@LANGUAGES
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            {
                **VALID,
                "description": 42,
                "kind": ["complaint"],
                "address": "Jl. Poros\u0000",
                "lat": True,
                "lon": float("nan"),
                "anonymous": "yes",
                "confidential": None,
                "email": "siti\ud800@example.org",
            },
            {
                "description": "text",
                "kind": "text",
                "address": "chars",
                "lat": "number",
                "lon": "number",
                "anonymous": "flag",
                "email": "chars",
            },
        ),
        (
            {**VALID, "lat": 10**400, "lon": "123.1", "confidential": 1},
            {"lat": "number", "lon": "number", "confidential": "flag"},
        ),
        (
            {**VALID, "name": 7, "phone": 812, "locale": False},
            {"name": "text", "phone": "text", "locale": "text"},
        ),
    ],
)
def test_a_new_complaint_hears_every_wrongly_typed_field_at_once(
    client, app_ctx, lang: str, body: dict[str, Any], expected: dict[str, str]
) -> None:
    response = client.post(f"/api/v1/complaints?lang={lang}", json=body)
    refused_fields(response, lang, expected)


@LANGUAGES
@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        ("received", {"to": 5, "version": "x", "note": 7}, {"to": "text", "version": "whole"}),
        ("received", {"version": 1.5}, {"version": "whole"}),
        ("received", {"note": "tanpa tujuan"}, {"to": "required"}),
        ("received", {"to": "lost"}, {"to": "choose"}),
        (
            "received",
            {"to": "verified", "unit": 5, "kind": [], "note": 7, "reason": 1},
            {"unit": "text", "kind": "text", "note": "text"},
        ),
        ("received", {"to": "merged", "duplicate_of": 12}, {"duplicate_of": "text"}),
        ("received", {"to": "rejected", "reason": {"why": "spam"}}, {"reason": "text"}),
        ("in_progress", {"to": "resolved", "note": "Ditambal\u0000"}, {"note": "chars"}),
        ("received", {"to": "verified", "assignee": True}, {"assignee": "person"}),
        ("received", {"to": "verified", "assignee": 1.5}, {"assignee": "person"}),
    ],
)
def test_a_transition_hears_its_fields_in_the_order_it_needs_them(
    client,
    cast: Cast,
    make_complaint: MakeComplaint,
    lang: str,
    status: str,
    body: dict[str, Any],
    expected: dict[str, str],
) -> None:
    complaint = make_complaint(status=status)
    response = client.post(
        f"/api/v1/complaints/{complaint.code}/transitions?lang={lang}",
        json=body,
        headers=bearer(cast.admin),
    )
    refused_fields(response, lang, expected)


def test_fields_a_move_does_not_use_are_not_checked(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")
    headers = bearer(cast.admin)
    url = f"/api/v1/complaints/{complaint.code}/transitions"
    response = client.post(
        url, json={"to": "in_progress", "unit": 5, "reason": []}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    # A move the table forbids is refused before its fields are read.
    response = client.post(url, json={"to": "verified", "note": 7}, headers=headers)
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "invalid_transition"


@LANGUAGES
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({}, {"assignee": "required"}),
        ({"version": "x"}, {"assignee": "required"}),
        ({"assignee": True, "version": "x"}, {"version": "whole"}),
        ({"assignee": [1]}, {"assignee": "person"}),
        ({"assignee": {"email": "a@b.c"}, "version": None}, {"assignee": "person"}),
    ],
)
def test_an_assignment_hears_a_missing_assignee_then_the_version_then_its_type(
    client,
    cast: Cast,
    make_complaint: MakeComplaint,
    lang: str,
    body: dict[str, Any],
    expected: dict[str, str],
) -> None:
    complaint = make_complaint(status="verified")
    response = client.post(
        f"/api/v1/complaints/{complaint.code}/assignment?lang={lang}",
        json=body,
        headers=bearer(cast.admin),
    )
    refused_fields(response, lang, expected)


def test_an_assignment_on_an_old_version_is_a_409_before_the_assignee_is_read(
    client, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(status="verified")
    response = client.post(
        f"/api/v1/complaints/{complaint.code}/assignment",
        json={"assignee": True, "version": complaint.version + 1},
        headers=bearer(cast.admin),
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "changed_meanwhile"


@LANGUAGES
@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"body": 5, "public": "yes"}, {"body": "text", "public": "flag"}),
        ({"body": "Kami cek\u0000", "public": 1}, {"body": "chars", "public": "flag"}),
    ],
)
def test_a_message_hears_its_body_and_public_flag_together(
    client,
    cast: Cast,
    make_complaint: MakeComplaint,
    lang: str,
    body: dict[str, Any],
    expected: dict[str, str],
) -> None:
    complaint = make_complaint(status="verified")
    response = client.post(
        f"/api/v1/complaints/{complaint.code}/messages?lang={lang}",
        json=body,
        headers=bearer(cast.admin),
    )
    refused_fields(response, lang, expected)
