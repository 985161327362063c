"""Stored XSS: script in every free-text field comes back escaped on every page.

Each field gets a payload that marks where it came from: a ``<script>``
element, an attribute break-out into ``<img onerror>`` and a ``javascript:``
link. Every page that shows the data (citizen, public, staff, admin,
reports) is fetched; none may contain a payload unescaped, and each field's
escaped marker must show up on at least one page, so the check is not
passing merely because the text was never rendered.
"""

from __future__ import annotations

import re

from flask import Flask
from sqlalchemy import select

from complaints import workflow
from complaints.extensions import db
from complaints.ikm import ELEMENT_NAMES
from complaints.models import CannedReply, Category, Unit
from complaints.workflow import Actor
from tests.conftest import Cast, MakeComplaint
from tests.staff_helpers import signed_in

FIELDS = (
    "description",
    "address",
    "name",
    "reply",
    "note",
    "resolution",
    "reason",
    "canned",
    "unit",
    "category",
    "survey",
    "officer",
)
# Raw forms that must never reach a page: each would run script if it did.
DANGEROUS = (
    re.compile(r"<script>alert", re.IGNORECASE),
    re.compile(r"<img src=x", re.IGNORECASE),
    re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE),
)


def payload(field: str) -> str:
    return (
        f"xss-{field} <script>alert('{field}')</script>"
        f'"><img src=x onerror=alert(1)><a href="javascript:alert(2)">link</a>'
    )


def escaped_marker(field: str) -> str:
    return f"xss-{field} &lt;script&gt;"


def plant_payloads(cast: Cast, make_complaint: MakeComplaint) -> tuple[str, str]:
    """Every free-text field holds a payload; returns (resolved code, rejected code)."""
    officer = Actor.staff(cast.officer_a)
    unit = db.session.scalar(select(Unit).where(Unit.code == "PUPR"))
    category = db.session.scalar(select(Category).where(Category.code == "road-damage"))
    assert unit is not None and category is not None
    unit.name = payload("unit")
    category.name_id = category.name_en = payload("category")
    db.session.add(
        CannedReply(
            category_id=category.id, title=payload("canned"), body_id=payload("canned"),
            body_en=payload("canned"),
        )
    )  # fmt: skip
    cast.officer_a.name = payload("officer")
    db.session.commit()

    resolved = make_complaint(
        status="in_progress",
        description=payload("description"),
        name=payload("name"),
        address=payload("address"),
    )
    workflow.reply_to_citizen(resolved, officer, payload("reply"))
    workflow.add_internal_note(resolved, officer, payload("note"))
    workflow.resolve_complaint(resolved, officer, payload("resolution"))
    workflow.commit()
    workflow.rate_complaint(resolved, dict.fromkeys(ELEMENT_NAMES, 1), payload("survey"))
    workflow.commit()
    rejected = make_complaint(description="Laporan ini bukan wewenang kabupaten, mohon maaf.")
    workflow.reject_complaint(rejected, officer, payload("reason"))
    workflow.commit()
    return resolved.code, rejected.code


def test_script_in_every_free_text_field_is_escaped_on_every_page(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    resolved, rejected = plant_payloads(cast, make_complaint)
    public = app.test_client()
    officer = signed_in(app, cast.officer_a.email)
    admin = signed_in(app, cast.admin.email)
    pages = {
        f"/track/{resolved}": public,
        f"/track/{rejected}": public,
        "/stats": public,
        "/complaints/new": public,
        "/staff/complaints": officer,
        "/staff/complaints?q=xss": officer,
        f"/staff/complaints/{resolved}": officer,
        f"/staff/complaints/{rejected}": officer,
        "/staff/sla": admin,
        "/staff/reports": admin,
        "/staff/reports/dossier": admin,
        "/staff/admin/": admin,
        "/staff/admin/units/": admin,
        "/staff/admin/categories/": admin,
        "/staff/admin/canned/": admin,
        "/staff/admin/users/": admin,
        "/staff/admin/audit": admin,
    }
    shown: dict[str, list[str]] = {field: [] for field in FIELDS}
    for url, client in pages.items():
        for lang in ("id", "en"):
            response = client.get(f"{url}{'&' if '?' in url else '?'}lang={lang}")
            assert response.status_code == 200, url
            html = response.get_data(as_text=True)
            for pattern in DANGEROUS:
                found = pattern.search(html)
                assert found is None, f"{url}: unescaped {found and found.group(0)!r}"
            for field in FIELDS:
                if escaped_marker(field) in html:
                    shown[field].append(url)

    # The citizen and the public see what is theirs to see, escaped.
    for field in ("description", "reply", "resolution", "category"):
        assert f"/track/{resolved}" in shown[field], field
    assert f"/track/{rejected}" in shown["reason"]
    # Staff see the rest, escaped.
    for field in ("name", "address", "note", "canned", "unit", "officer"):
        assert f"/staff/complaints/{resolved}" in shown[field], field
    assert "/stats" in shown["category"] or "/stats" in shown["unit"]
    # The survey comment is shown nowhere in HTML; it must at least never appear raw (above).
    unrendered = [field for field, urls in shown.items() if not urls and field != "survey"]
    assert not unrendered, unrendered


def test_a_tracking_code_in_the_url_is_escaped_on_the_not_found_page(client) -> None:
    response = client.get("/track/%3Cscript%3Ealert(1)%3C%2Fscript%3E")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)" in html
