"""Likely duplicates on the staff complaint page, ranked by text and place together.

The ranking itself (complaints.duplicates.rank) on plain data, then the page as
an officer of the street-lighting unit and an admin read it, on SQLite and
PostgreSQL: the reason in words ("31 % mirip, 80 m"), what is left out (far and
unrelated, out of the officer's reach, too old, finished), and the merge.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from complaints import workflow
from complaints.auth import create_user
from complaints.duplicates import Report, rank
from complaints.extensions import db
from complaints.models import Complaint, User
from complaints.nearby import METRES_PER_DEGREE
from complaints.workflow import Actor
from tests.conftest import DEFAULT_NOW, STAFF_PASSWORD, Cast, MakeComplaint, unit
from tests.staff_helpers import signed_in

# In front of a mosque in Kabila (Bone Bolango).
PIN = (0.5650, 123.1200)

LIGHT = "Lampu jalan di depan Masjid Al-Huda, Jalan Prof. Dr. Hamka, mati; malam hari gelap sekali."
SAME_LIGHT_REWORDED = (
    "Penerangan jalan umum (lampu PJU) di depan Masjid Al Huda padam sejak tiga hari,"
    " jalanan jadi gelap."
)
NEW_LAMP_WANTED = (
    "Mohon dipasang lampu jalan baru di Lorong Melati, sejak dulu belum ada penerangan sama sekali."
)
POLE_KNOCKED_DOWN = "Tiang PJU di Desa Tulabolo ditabrak truk dan roboh ke sawah warga."


def north(metres: float) -> tuple[float, float]:
    return PIN[0] + metres / METRES_PER_DEGREE, PIN[1]


def east(metres: float) -> tuple[float, float]:
    return PIN[0], PIN[1] + metres / METRES_PER_DEGREE


# --- the ranking, on plain data ----------------------------------------------------------------


def test_the_same_problem_reworded_outranks_another_problem_nearer() -> None:
    subject = Report("ADU-0000-0001", LIGHT, *PIN)
    others = [
        Report("ADU-NEAR", NEW_LAMP_WANTED, *east(30)),
        Report("ADU-SAME", SAME_LIGHT_REWORDED, *north(80)),
        Report("ADU-FAR", POLE_KNOCKED_DOWN, *north(4000)),
    ]
    ranked = rank(subject, others)
    assert [likeness.code for likeness in ranked] == ["ADU-SAME", "ADU-NEAR"]
    same, near = ranked
    assert same.distance_m == pytest.approx(80, abs=0.5)
    assert same.similarity > 0.25 > near.similarity  # the near one is listed for its place
    assert same.score > near.score


def test_a_far_complaint_in_the_same_words_is_listed_but_below_the_close_one() -> None:
    subject = Report("ADU-0000-0001", LIGHT, *PIN)
    ranked = rank(
        subject,
        [
            Report("ADU-FAR", LIGHT, *north(3000)),
            Report("ADU-SAME", SAME_LIGHT_REWORDED, *north(80)),
        ],
    )
    assert [likeness.code for likeness in ranked] == ["ADU-SAME", "ADU-FAR"]
    same, far = ranked
    assert far.similarity == pytest.approx(1.0) and same.similarity < 0.5
    assert far.score == pytest.approx(far.similarity * 0.25, abs=0.01)  # 3 km: a quarter


def test_without_a_pin_on_either_side_only_the_text_counts() -> None:
    subject = Report("ADU-0000-0001", LIGHT)  # no pin
    ranked = rank(
        subject,
        [
            Report("ADU-SAME", SAME_LIGHT_REWORDED, *north(80)),
            Report("ADU-OTHER", "KTP elektronik saya belum jadi sejak tiga bulan."),
        ],
    )
    assert [likeness.code for likeness in ranked] == ["ADU-SAME"]
    assert ranked[0].distance_m is None


def test_it_keeps_the_best_five_and_answers_nothing_for_nothing() -> None:
    subject = Report("ADU-0000-0001", LIGHT, *PIN)
    others = [Report(f"ADU-{n}", LIGHT, *north(100 * n)) for n in range(1, 9)]
    ranked = rank(subject, others)
    assert [likeness.code for likeness in ranked] == [f"ADU-{n}" for n in range(1, 6)]
    assert rank(subject, []) == []
    assert rank(subject, [Report("ADU-X", "...", *PIN)]) == []  # no words: nothing alike


# --- the staff complaint page -------------------------------------------------------------------


@pytest.fixture
def lighting_officer(cast: Cast) -> User:
    """An officer of the street-lighting unit (Dinas Perhubungan)."""
    officer = create_user(
        "dewi@bonebolangokab.go.id", "officer", STAFF_PASSWORD, unit_code="DISHUB"
    )
    db.session.commit()
    return officer


@dataclass(frozen=True)
class Listed:
    code: str
    reason: str
    text: str  # the item's words, tags removed
    form: dict[str, str]  # its merge form's fields


def listed(page: str) -> list[Listed]:
    """The likely duplicates on a complaint page, in order."""
    items = re.findall(r'<li class="likely-duplicate[^"]*">(.*?)</li>', page, re.S)
    found = []
    for item in items:
        code = re.search(r"<a [^>]*>([^<]+)</a>", item)
        reason = re.search(r'<strong class="duplicate-reason">([^<]+)</strong>', item)
        assert code and reason, item
        fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', item))
        words = html.unescape(" ".join(re.sub(r"<[^>]+>", " ", item).split()))
        found.append(Listed(code.group(1), html.unescape(reason.group(1)), words, fields))
    return found


Place = tuple[float, float] | None


@pytest.fixture
def light_at(
    make_complaint: MakeComplaint, set_now: Callable[[datetime], None]
) -> Callable[..., Complaint]:
    """Factory: a street-lighting complaint with this text and place, ``days_ago``."""

    def make(text: str, place: Place = None, days_ago: int = 0, **options: object) -> Complaint:
        set_now(DEFAULT_NOW - timedelta(days=days_ago))
        where = {"lat": place[0], "lon": place[1]} if place else {}
        complaint = make_complaint(
            category_code="street-lighting", description=text, **where, **options
        )
        set_now(DEFAULT_NOW)
        return complaint

    return make


def page_of(client: FlaskClient, complaint: Complaint, query: str = "") -> str:
    response = client.get(f"/staff/complaints/{complaint.code}{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_lists_the_same_light_reworded_first_with_its_reason(
    app: Flask, cast: Cast, lighting_officer: User, light_at: Callable[..., Complaint]
) -> None:
    same = light_at(SAME_LIGHT_REWORDED, north(80), days_ago=2)
    nearer = light_at(NEW_LAMP_WANTED, east(30), days_ago=1)
    far = light_at(POLE_KNOCKED_DOWN, north(4000), days_ago=1)
    unlocated = light_at("Lampu jalan dekat Masjid Al Huda tidak menyala, gelap kalau malam.")
    across_town = light_at("Lampu jalan di depan masjid raya mati, malam hari gelap.", north(1200))
    too_old = light_at(SAME_LIGHT_REWORDED, north(80), days_ago=90)
    finished = light_at(SAME_LIGHT_REWORDED, north(60), days_ago=3, status="resolved")
    # The same light again, but handed to another unit: Dewi may not open it.
    elsewhere = light_at(
        "Lampu PJU depan Masjid Al-Huda mati total, malam gelap sekali.", north(50)
    )
    workflow.verify_complaint(elsewhere, Actor.system("test"), unit=unit("DLH"))
    workflow.commit()
    subject = light_at(LIGHT, PIN)
    codes = {c.id: c.code for c in (same, nearer, far, unlocated, across_town, elsewhere)}

    officer = signed_in(app, lighting_officer.email)
    items = listed(page_of(officer, subject))
    order = [item.code for item in items]
    assert order[0] == codes[same.id]
    assert order.index(codes[same.id]) < order.index(codes[nearer.id])
    assert codes[elsewhere.id] not in order  # out of her reach
    for left_out in (far, too_old, finished):
        assert left_out.code not in order
    reasons = {item.code: item.reason for item in items}
    assert re.fullmatch(r"\d+ % mirip, 80 m", reasons[codes[same.id]])
    assert re.fullmatch(r"\d+ % mirip, 30 m", reasons[codes[nearer.id]])
    assert re.fullmatch(r"\d+ % mirip, 1,2 km", reasons[codes[across_town.id]])
    assert re.fullmatch(r"\d+ % mirip", reasons[codes[unlocated.id]])
    first = items[0]
    # Its category and status in words, then the excerpt.
    assert "Penerangan jalan umum · Diterima, menunggu pemeriksaan" in first.text
    assert "(lampu PJU) di depan Masjid Al Huda padam" in first.text  # the excerpt

    english = listed(page_of(officer, subject, "?lang=en"))
    reasons = {item.code: item.reason for item in english}
    assert re.fullmatch(r"\d+% similar, 80 m", reasons[codes[same.id]])
    assert re.fullmatch(r"\d+% similar, 1\.2 km", reasons[codes[across_town.id]])
    assert "Street lighting · Received, waiting to be checked" in english[0].text

    # An admin sees every unit's complaints: the one handed elsewhere is listed for them.
    admin = listed(page_of(signed_in(app, cast.admin.email), subject))
    assert codes[elsewhere.id] in [item.code for item in admin]


def test_an_excerpt_hides_the_reporters_name_and_number(
    app: Flask, lighting_officer: User, light_at: Callable[..., Complaint]
) -> None:
    light_at(
        "Saya Rahmat Hulalata, 0812 3456 7890: lampu jalan di depan Masjid Al-Huda mati.",
        north(40),
        name="Rahmat Hulalata",
        days_ago=1,
    )
    subject = light_at(LIGHT, PIN)
    items = listed(page_of(signed_in(app, lighting_officer.email), subject))
    assert len(items) == 1
    assert "Hulalata" not in items[0].text and "3456" not in items[0].text
    assert "lampu jalan di depan Masjid Al-Huda mati" in items[0].text


def test_merging_into_a_listed_duplicate_takes_one_click(
    app: Flask, lighting_officer: User, light_at: Callable[..., Complaint]
) -> None:
    original = light_at(SAME_LIGHT_REWORDED, north(80), days_ago=2)
    subject = light_at(LIGHT, PIN)
    officer = signed_in(app, lighting_officer.email)
    item = listed(page_of(officer, subject))[0]
    assert item.code == original.code
    assert f"Gabungkan ke {original.code}" in item.text
    assert set(item.form) == {"csrf_token", "version", "duplicate_of"}
    response = officer.post(f"/staff/complaints/{subject.code}/merge", data=item.form)
    assert response.status_code == 302
    db.session.expire_all()
    assert subject.status == "merged" and subject.duplicate_of_id == original.id
    # Merged: nothing more to merge, no list.
    assert listed(page_of(officer, subject)) == []


def test_a_complaint_with_nothing_alike_lists_no_duplicates(
    app: Flask, lighting_officer: User, light_at: Callable[..., Complaint]
) -> None:
    light_at(POLE_KNOCKED_DOWN, north(3000), days_ago=1)
    subject = light_at(LIGHT, PIN)
    page = page_of(signed_in(app, lighting_officer.email), subject)
    assert listed(page) == []
    assert "Kemungkinan duplikat" not in page
