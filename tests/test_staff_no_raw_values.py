"""No staff or admin page shows an internal code or a Python value where people read it.

Every page of the console (queue with its filters, SLA board, notifications,
profile, sign-in, the admin lists and forms, holidays, blocked senders, the
audit log) is rendered with a working office's data: complaints in every
status, assigned, one urgent, one overdue and escalated, notifications,
audit entries, and the complaint page of every status with a conversation
(reply, internal note, a citizen's message, a rating). Only the visible text
counts (tags and attribute values are dropped: codes in links and form
values are fine).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from channels.sms.blocklist import block_address
from complaints import clock, workflow
from complaints.assessment import documents, dossier_numbers
from complaints.assessment.documents import NewDocument
from complaints.auth import issue_invitation, issue_password_reset
from complaints.extensions import db
from complaints.ikm import ELEMENT_NAMES
from complaints.models import (
    Category,
    Channel,
    Complaint,
    Holiday,
    Kind,
    Priority,
    Role,
    SlaPolicy,
    Status,
    Unit,
    User,
)
from complaints.notify import notify_staff
from complaints.workflow import Actor
from sla.sweep import sweep
from tests.conftest import DEFAULT_NOW, Cast, MakeComplaint
from tests.staff_helpers import signed_in

INVITED = "rahmawati@bonebolangokab.go.id"
STATUS_CODES = {status.value for status in Status}
KIND_CODES = {kind.value for kind in Kind}
CHANNEL_CODES = {channel.value for channel in Channel}
ROLE_CODES = {role.value for role in Role}
PRIORITY_CODES = {priority.value for priority in Priority}
# Codes that are no word of either language: wrong anywhere in the text.
NEVER_WORDS = re.compile(r"\b(in_progress|information_request|at_risk|verify_days|resolve_days)\b")
PYTHON_VALUES = re.compile(
    r"\b(True|False|None)\b|<[\w.]+ object at 0x|\{'|\[\(|datetime\.|Decimal\(|LazyString"
)
ISO_INSTANT = re.compile(r"\d{4}-\d{2}-\d{2}T")
# English words that are codes: in the Indonesian UI none of them may appear at all.
INDONESIAN_NEVER = re.compile(
    r"\b(received|verified|resolved|closed|rejected|merged|complaint|aspiration|officer"
    r"|supervisor|admin|web|telegram|sms|whatsapp|counter|open311|lapor|urgent|verify"
    r"|resolve|response|confirm)\b"
)


class VisibleText(HTMLParser):
    """The text nodes a person sees (scripts and styles left out), one string each.

    ``in_hints``: the nodes of a form field's hint (``<p class="form-text hint">``),
    where examples of what people type may quote an abbreviation ("Dinas PUPR").
    """

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[str] = []
        self.in_hints: set[int] = set()
        self._skip = 0
        self._hint = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "p" and "hint" in (dict(attrs).get("class") or "").split():
            self._hint = True

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        if tag == "p":
            self._hint = False

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            if self._hint:
                self.in_hints.add(len(self.nodes))
            self.nodes.append(text)


def visible_text(page: str) -> list[str]:
    parser = VisibleText()
    parser.feed(page)
    return parser.nodes


def raw_values(page: str, locale: str, category_codes: set[str], unit_codes: set[str]) -> list[str]:
    """Each visible text node that shows a code or a Python value, with the reason."""
    exact = STATUS_CODES | KIND_CODES | CHANNEL_CODES | ROLE_CODES | PRIORITY_CODES
    exact |= category_codes
    hyphenated = [code for code in category_codes if "-" in code]
    found = []
    parser = VisibleText()
    parser.feed(page)
    for index, node in enumerate(parser.nodes):
        unit_code = index not in parser.in_hints and any(
            re.search(rf"\b{code}\b", node) for code in unit_codes
        )
        reasons = [
            "a code" if node in exact else "",
            "a code word" if NEVER_WORDS.search(node) else "",
            "a Python value" if PYTHON_VALUES.search(node) else "",
            "an ISO instant" if ISO_INSTANT.search(node) else "",
            "a category code" if any(code in node for code in hyphenated) else "",
            "a unit code" if unit_code else "",
            "English code word" if locale == "id" and INDONESIAN_NEVER.search(node) else "",
        ]
        found += [f"{reason}: {node!r}" for reason in reasons if reason]
    return found


@pytest.fixture
def office(app: Flask, cast: Cast, make_complaint: MakeComplaint, set_now) -> list[Complaint]:
    """A working office: every status, assignments, an urgent one, an overdue escalated one."""
    complaints = [make_complaint(status=status.value) for status in Status]
    complaints.append(make_complaint(channel="counter", category_code="waste"))
    staff = Actor.staff(cast.supervisor)
    handled = [c for c in complaints if c.status in ("verified", "in_progress") and c.unit]
    for complaint in handled:
        workflow.assign_complaint(complaint, staff, cast.officer_a)
    workflow.change_priority(handled[0], staff, "urgent")
    talk = handled[0]
    workflow.reply_to_citizen(talk, staff, "Tim kami akan datang hari Kamis.")
    workflow.add_internal_note(talk, staff, "Gunakan anggaran pemeliharaan rutin.")
    workflow.receive_citizen_message(talk, "Terima kasih, saya tunggu.", "sms")
    rated = next(c for c in complaints if c.status == "closed")
    workflow.rate_complaint(rated, {name: 3 for name in ELEMENT_NAMES}, "Cepat ditangani.")
    notify_staff(cast.officer_a, "assignment", "Aduan baru untuk Anda.", key="test-assign")
    db.session.add(Holiday(day=date(2026, 12, 24), name="Hari jadi Bone Bolango"))
    block_address("sms", "+6281299990000", "Pesan berulang", cast.admin)
    invited = User(email=INVITED, name="Rahmawati", role="officer", unit=cast.officer_a.unit)
    db.session.add(invited)
    issue_invitation(invited)
    db.session.commit()
    documents.add_document(
        NewDocument(
            kind="periodic_report",
            title="Laporan pengelolaan pengaduan Oktober 2026",
            number="700/045/LAP/X/2026",
            document_date=date(2026, 11, 2),
            period_from=date(2026, 10, 1),
            period_to=date(2026, 10, 31),
            unit_id=cast.supervisor.unit_id,
            content=b"%PDF-1.4 laporan",
            filename="laporan-oktober.pdf",
        ),
        cast.supervisor,
    )
    # Past every verification deadline and the first escalation step: the sweep escalates.
    late = complaints[0].verify_due_at
    assert late is not None
    set_now(late + timedelta(days=5))
    sweep(late + timedelta(days=5))
    db.session.commit()
    return complaints


def pages_of(cast: Cast, office: list[Complaint]) -> dict[str, list[str]]:
    code = office[0].code
    user_id = cast.officer_a.id
    invited = db.session.scalar(select(User.id).where(User.email == INVITED))
    first = {
        model.__name__: db.session.scalar(select(model.id).order_by(model.id))
        for model in (Unit, Category, SlaPolicy)
    }
    dossier = dossier_numbers.issue(None, date(2026, 10, 1), date(2026, 12, 31), None, "html")
    return {
        cast.officer_a.email: [
            "/staff/complaints",
            "/staff/complaints?status=open",
            "/staff/complaints?status=resolved",
            "/staff/complaints?assignee=me&status=open",
            "/staff/complaints?due=overdue&sort=priority",
            "/staff/complaints?channel=counter",
            "/staff/notifications",
            "/staff/profile",
            "/staff/profile/two-step",
            "/staff/password",
        ],
        cast.supervisor.email: [
            "/staff/complaints",
            "/staff/sla",
            "/staff/reports/dossier",
            "/staff/reports/skm",
            "/staff/assessment/documents?from=2026-10-01&to=2026-12-31",
        ],
        cast.admin.email: [
            "/staff/complaints",
            "/staff/sla",
            "/staff/admin/",
            "/staff/admin/users/",
            f"/staff/admin/users/{user_id}",
            "/staff/admin/users/new",
            "/staff/admin/categories/",
            "/staff/admin/policies/",
            "/staff/admin/canned/",
            "/staff/admin/canned/new",
            f"/staff/admin/users/{invited}",
            "/staff/admin/units/new",
            f"/staff/admin/units/{first['Unit']}",
            "/staff/admin/categories/new",
            f"/staff/admin/categories/{first['Category']}",
            "/staff/admin/policies/new",
            f"/staff/admin/policies/{first['SlaPolicy']}",
            "/staff/admin/letterhead",
            "/staff/admin/holidays",
            "/staff/admin/blocked",
            "/staff/admin/audit",
            "/staff/reports/dossier",
            f"/staff/reports/dossier?run={dossier.id}",
            f"/staff/admin/audit?user={user_id}",
            "/staff/assessment/documents?from=2026-10-01&to=2026-12-31&unit=PUPR",
            "/staff/assessment/documents?all=1",
            f"/staff/admin/audit?complaint={code}",
            # The complaint page in every status (the admin sees them all).
            *(f"/staff/complaints/{complaint.code}" for complaint in office),
        ],
    }


def with_lang(url: str, locale: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={locale}"


def codes(app: Flask) -> tuple[set[str], set[str]]:
    with app.app_context():
        categories = set(db.session.scalars(select(Category.code)))
        # A unit's code is raw unless it is part of how the unit is named ("RSUD Toto Kabila").
        units = {
            unit.code for unit in db.session.scalars(select(Unit)) if unit.code not in unit.name
        }
    return categories, units


@pytest.mark.parametrize("locale", ["id", "en"])
def test_staff_and_admin_pages_show_no_raw_value(
    app: Flask, cast: Cast, office: list[Complaint], locale: str
) -> None:
    category_codes, unit_codes = codes(app)
    problems = []
    for email, urls in pages_of(cast, office).items():
        client = signed_in(app, email)
        for url in urls:
            response = client.get(with_lang(url, locale))
            assert response.status_code == 200, url
            page = response.get_data(as_text=True)
            problems += [
                f"{email} {url}: {found}"
                for found in raw_values(page, locale, category_codes, unit_codes)
            ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("locale", ["id", "en"])
def test_the_units_list_names_units_in_words_with_their_abbreviation(
    app: Flask, cast: Cast, office: list[Complaint], locale: str
) -> None:
    category_codes, _ = codes(app)
    page = signed_in(app, cast.admin.email).get(with_lang("/staff/admin/units/", locale))
    text = page.get_data(as_text=True)
    assert "Dinas Pekerjaan Umum dan Penataan Ruang" in text
    assert not raw_values(text, locale, category_codes, set())


def test_the_sign_in_page_and_its_prompt_are_in_indonesian(app: Flask) -> None:
    client: FlaskClient = app.test_client()
    response = client.get("/staff/complaints")
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Silakan masuk untuk membuka halaman ini." in page
    assert "Please log in" not in page
    category_codes, unit_codes = codes(app)
    assert not raw_values(page, "id", category_codes, unit_codes)
    english = client.get("/staff/login?lang=en").get_data(as_text=True)
    assert not raw_values(english, "en", category_codes, unit_codes)


@pytest.mark.parametrize("locale", ["id", "en"])
def test_the_pages_of_one_time_links_show_no_raw_value(app: Flask, cast: Cast, locale: str) -> None:
    """An invitation and a reset link, open and expired or used, as their owner sees them."""
    invited = User(email=INVITED, name="Rahmawati", role="officer", unit=cast.officer_a.unit)
    db.session.add(invited)
    invitation = issue_invitation(invited)
    reset = issue_password_reset(cast.officer_b)
    db.session.commit()
    category_codes, unit_codes = codes(app)
    client: FlaskClient = app.test_client()
    pages = [f"/staff/invitation/{invitation}", f"/staff/reset/{reset}", "/staff/invitation/x"]
    clock.set_now(DEFAULT_NOW + timedelta(days=8))
    pages += [f"/staff/invitation/{invitation}"]  # now expired
    problems = []
    for url in pages:
        page = client.get(with_lang(url, locale)).get_data(as_text=True)
        problems += [
            f"{url}: {found}" for found in raw_values(page, locale, category_codes, unit_codes)
        ]
    assert not problems, "\n".join(problems)


def test_the_staff_queue_speaks_of_the_citizen_not_to_them(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    make_complaint(status="resolved")
    page = signed_in(app, cast.admin.email).get("/staff/complaints").get_data(as_text=True)
    text = " ".join(visible_text(page))
    assert "Menunggu konfirmasi warga" in text
    assert "konfirmasi Anda" not in text


def test_the_checker_finds_what_it_looks_for() -> None:
    """The test above can fail: each kind of raw value on a page is caught."""
    page = (
        "<td>received</td><td>Status: in_progress</td><td>officer True</td>"
        "<td>2026-12-09T16:00:00+00:00</td><td>road-damage</td><td>PUPR</td>"
        '<td><a href="/staff/complaints?status=received&amp;category=road-damage">Jalan</a></td>'
    )
    found = raw_values(page, "id", {"road-damage"}, {"PUPR"})
    assert len([item for item in found if "'received'" in item]) >= 1
    assert any("in_progress" in item for item in found)
    assert any("Python value" in item for item in found)
    assert any("ISO instant" in item for item in found)
    assert any("category code" in item for item in found)
    assert any("unit code" in item for item in found)
    assert not any("Jalan" in item for item in found)
    # A field's hint may quote how people write a unit ("Dinas PUPR"), nothing else.
    hint = '<p class="form-text hint">e.g. Dinas PUPR, officer</p>'
    assert [item for item in raw_values(hint, "id", set(), {"PUPR"})] == [
        "English code word: 'e.g. Dinas PUPR, officer'"
    ]
