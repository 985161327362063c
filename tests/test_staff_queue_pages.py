"""The staff queue's keyset pages, its search and its counts, through HTTP.

Walking the Next links (and back through the Previous links) must show every
complaint the filters select exactly once, in the order the queue promises,
including complaints that tie on the sort key (same instant, same deadline,
none at all).
"""

from __future__ import annotations

import base64
import html
import json
import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import Category, Complaint, Status, Unit
from complaints.staff import queue
from tests.api_helpers import bearer
from tests.conftest import Cast, MakeComplaint
from tests.staff_helpers import signed_in

ROWS = 2 * queue.PAGE_SIZE + 13  # three pages, the last one short
RANK = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def codes_on(page: str) -> list[str]:
    return re.findall(r'<td><a href="/staff/complaints/([^"/?]+)">', page)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" rel="{rel}">', page)
    return html.unescape(found.group(1)) if found else None


def walk(client: FlaskClient, url: str) -> tuple[list[list[str]], str]:
    """The codes of each page from ``url`` on, following Next; and the last page's HTML."""
    pages: list[list[str]] = []
    while True:
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        pages.append(codes_on(page))
        following = link(page, "next")
        if following is None:
            return pages, page
        assert len(pages) < 20, "the Next links never end"
        url = following


def walk_back(client: FlaskClient, last_page: str) -> list[list[str]]:
    """The codes of each page before ``last_page``, following Previous, nearest first."""
    pages: list[list[str]] = []
    url = link(last_page, "prev")
    while url is not None:
        page = client.get(url).get_data(as_text=True)
        pages.append(codes_on(page))
        url = link(page, "prev")
        assert len(pages) < 20, "the Previous links never end"
    return pages


@pytest.fixture
def many(app_ctx: Flask, cast: Cast) -> list[Complaint]:
    """ROWS complaints written directly, with many ties on every sort key.

    Groups of five share one created_at; a third have no next action; the
    others share a handful of next-action instants; priorities and units vary.
    """
    now = clock.now()
    road, waste = (
        db.session.scalar(select(Category).where(Category.code == code))
        for code in ("road-damage", "waste")
    )
    units = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    rows = []
    for number in range(ROWS):
        category = road if number % 4 else waste
        rows.append(
            Complaint(
                code=f"ADU-{number:04d}-TEST",
                channel="web",
                status=["received", "verified", "in_progress", "closed"][number % 4],
                priority=["normal", "urgent", "low", "high", "normal"][number % 5],
                category_id=category.id,
                unit_id=units["PUPR" if category is road else "DLH"].id,
                assignee_id=cast.officer_a.id if number % 3 == 0 else None,
                description=f"Keluhan nomor {number}: lampu jalan padam.",
                address="Desa Tupa" if number % 7 == 0 else None,
                created_at=now - timedelta(hours=ROWS - number // 5),
                next_action_at=(
                    None if number % 3 == 1 else now + timedelta(hours=(number * 7) % 4)
                ),
            )
        )
    db.session.add_all(rows)
    db.session.commit()
    return rows


def expected(rows: list[Complaint], sort: str) -> list[str]:
    keys = {
        "deadline": lambda c: (c.next_action_at is None, c.next_action_at or clock.now(), c.id),
        "oldest": lambda c: (c.created_at, c.id),
        "newest": lambda c: (c.created_at, c.id),
        "priority": lambda c: (RANK[c.priority], c.created_at, c.id),
    }
    ordered = sorted(rows, key=keys[sort], reverse=sort == "newest")
    return [complaint.code for complaint in ordered]


def test_walking_the_pages_shows_every_complaint_once_in_each_order_both_ways(
    app: Flask, cast: Cast, many: list[Complaint]
) -> None:
    client = signed_in(app, cast.admin.email)
    for sort in ("deadline", "oldest", "newest", "priority"):
        pages, last = walk(client, f"/staff/complaints?sort={sort}")
        assert [len(page) for page in pages] == [queue.PAGE_SIZE, queue.PAGE_SIZE, 13], sort
        assert [code for page in pages for code in page] == expected(many, sort), sort
        assert walk_back(client, last) == list(reversed(pages[:-1])), sort
    # The JSON API lists with the same keyset (newest first), page after page.
    headers = bearer(cast.admin)
    listed: list[str] = []
    url = "/api/v1/complaints?limit=40"
    while url:
        body = client.get(url, headers=headers).get_json()
        listed += [item["code"] for item in body["items"]]
        cursor = body["next_cursor"]
        url = f"/api/v1/complaints?limit=40&cursor={cursor}" if cursor else ""
    assert listed == expected(many, "newest")
    # The counts per status cover everything visible, not the page shown.
    page = client.get("/staff/complaints?status=closed").get_data(as_text=True)
    per_status = dict(re.findall(r"status=(\w+)\">[^<]*: <strong>(\d+)</strong>", page))
    assert per_status == {
        status.value: str(sum(1 for row in many if row.status == status.value)) for status in Status
    }


def test_the_cursor_keeps_the_filters_and_the_officers_reach(
    app: Flask, cast: Cast, many: list[Complaint]
) -> None:
    client = signed_in(app, cast.officer_a.email)  # PUPR: the road complaints
    road = db.session.scalar(select(Category.id).where(Category.code == "road-damage"))
    pages, _ = walk(client, f"/staff/complaints?status=open&category={road}&sort=priority")
    wanted = [
        row
        for row in many
        if row.unit is not None and row.unit.code == "PUPR" and row.status != "closed"
    ]
    assert len(pages) > 1
    assert [code for page in pages for code in page] == expected(wanted, "priority")


def forge(content: object) -> str:
    """A cursor as a client could craft one: base64url JSON."""
    return base64.urlsafe_b64encode(json.dumps(content).encode()).decode().rstrip("=")


def test_a_cursor_that_is_not_ours_and_an_old_page_link_give_the_first_page(
    app: Flask, cast: Cast, many: list[Complaint]
) -> None:
    client = signed_in(app, cast.admin.email)
    first = client.get("/staff/complaints?sort=oldest").get_data(as_text=True)
    deadline_cursor = link(client.get("/staff/complaints").get_data(as_text=True), "next")
    assert deadline_cursor is not None
    stolen = deadline_cursor.split("after=")[1].split("&")[0]
    forged = [
        forge({"o": "oldest", "b": 0, "v": "0001-01-01T00:00:00+14:00", "i": 1}),
        forge({"o": "oldest", "b": 0, "v": "2026-01-01T00:00:00+00:00", "i": 10**20}),
        forge({"o": "oldest", "b": 3, "v": "2026-01-01T00:00:00+00:00", "i": 1}),
        forge({"o": "oldest", "b": 0, "v": "2026-01-01T00:00:00", "i": 1}),
        forge({"o": "oldest", "b": 0, "v": None, "i": 1}),
        forge([]),
    ]
    for cursor in ("garbage", "%00", "e30", stolen, *forged):
        for direction in ("after", "before"):
            response = client.get(f"/staff/complaints?sort=oldest&{direction}={cursor}")
            assert response.status_code == 200, cursor
            assert codes_on(response.get_data(as_text=True)) == codes_on(first), cursor
    # Filter values the queue does not know are ignored; NUL never reaches the database.
    response = client.get("/staff/complaints?sort=oldest&status=lost&channel=fax")
    assert response.status_code == 200
    assert codes_on(response.get_data(as_text=True)) == codes_on(first)
    assert client.get("/staff/complaints?status=a%00&channel=b%00&q=c%00").status_code < 500
    # Links from before the cursors (?page=N): the same filters, from the first page.
    response = client.get("/staff/complaints?status=open&page=7&sort=oldest")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/staff/complaints?status=open&sort=oldest")


# --- search ----------------------------------------------------------------------------


def search(client: FlaskClient, text: str) -> set[str]:
    pages, _ = walk(client, f"/staff/complaints?q={text}")
    return {code for page in pages for code in page}


def test_the_search_finds_words_in_description_or_address_and_codes_however_typed(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    hole = make_complaint(description="Jalan berlubang dekat pasar sentral, sangat dalam.")
    lamp = make_complaint(description="Lampu jalan padam sejak Senin.", address="Desa Tupa")
    water = make_complaint(description="Air PDAM keruh berwarna coklat.", address="Jalan Pasar")
    fee = make_complaint(description="Pungutan 100% tanpa kwitansi di loket_2.")
    client = signed_in(app, cast.admin.email)
    assert search(client, "jalan") == {hole.code, lamp.code, water.code}
    assert search(client, "JALAN pasar") == {hole.code, water.code}  # every word, any order
    assert search(client, "tupa padam") == {lamp.code}  # address and description together
    assert search(client, "pasar coklat") == {water.code}
    assert search(client, "jalan zebra") == set()
    assert search(client, fee.code.lower().replace("-", " ")) == {fee.code}
    assert search(client, lamp.code) == {lamp.code}
    assert search(client, "100%25") == {fee.code}  # "%" is a percent sign, not "anything"
    assert search(client, "loket_2") == {fee.code}
    assert search(client, "1_0") == set()  # "_" is an underscore, not "any character"
