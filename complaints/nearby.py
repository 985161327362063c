"""Open public reports near a place: "Sudah ada yang melaporkan?" before a citizen files.

FixMyStreet's duplicate check: the web form shows the open reports of the same
category within :data:`RADIUS_M` of the pin, so the citizen can support one of
them (:mod:`complaints.support`) instead of filing the same problem again.

Only what the public list may show (:func:`complaints.metrics.publicly_listed`)
and only while it is open (verified or in progress): a ``received`` report is
not checked by staff yet and may carry personal data. Each item carries words
and a redacted excerpt, never a name or a contact.

The query is a bounding box on lat/lon within one category's recent complaints
(index ``ix_complaints_category_created``); the exact distance is computed
here, on the few candidates.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import force_locale, gettext
from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from . import clock, metrics
from .extensions import db
from .models import Category, Complaint, Reporter, Status, Supporter
from .notify import status_label
from .redact import redact

RADIUS_M = 200
WINDOW_DAYS = 60
MAX_SHOWN = 5
# A bound on the rows read, however many reports one spot collects.
MAX_CANDIDATES = 100
EXCERPT_CHARS = 140
EARTH_RADIUS_M = 6_371_000
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
OPEN_STATUSES = (Status.VERIFIED.value, Status.IN_PROGRESS.value)


@dataclass(frozen=True)
class NearbyReport:
    """One open public report near the pin, as a citizen reads it."""

    code: str
    category: str
    status_label: str
    distance_m: int
    received_at: datetime
    excerpt: str
    supporters: int


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The great-circle (haversine) distance in metres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(1.0, a)))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """(south, north, west, east) around the point; a little larger than the circle."""
    dlat = radius_m / METRES_PER_DEGREE
    # Near the poles a degree of longitude shrinks to nothing: cap the widening.
    dlon = radius_m / (METRES_PER_DEGREE * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon


def _candidates(
    category_code: str, lat: float, lon: float, now: datetime
) -> list[tuple[Complaint, str | None]]:
    """Open public complaints of the category in the box, newest first, with the reporter's name.

    The name is read only to mask it in the excerpt.
    """
    south, north, west, east = bounding_box(lat, lon, RADIUS_M)
    rows = db.session.execute(
        select(Complaint, Reporter.name)
        .join(Category, Category.id == Complaint.category_id)
        .outerjoin(Reporter, Reporter.id == Complaint.reporter_id)
        .options(contains_eager(Complaint.category))
        .where(
            Category.code == category_code,
            Complaint.created_at >= now - timedelta(days=WINDOW_DAYS),
            Complaint.lat.between(south, north),
            Complaint.lon.between(west, east),
            Complaint.status.in_(OPEN_STATUSES),
            metrics.publicly_listed(),
        )
        .order_by(Complaint.created_at.desc())
        .limit(MAX_CANDIDATES)
    ).all()
    return [(complaint, name) for complaint, name in rows]


def supporter_counts(complaint_ids: list[int]) -> dict[int, int]:
    """How many citizens supported each complaint (absent: none), in one query."""
    if not complaint_ids:
        return {}
    rows = db.session.execute(
        select(Supporter.complaint_id, func.count(Supporter.id))
        .where(Supporter.complaint_id.in_(complaint_ids))
        .group_by(Supporter.complaint_id)
    ).all()
    return {complaint_id: count for complaint_id, count in rows}


def supporter_count(complaint: Complaint) -> int:
    """How many citizens said "me too" on this complaint."""
    return supporter_counts([complaint.id]).get(complaint.id, 0)


def excerpt(text: str, names: tuple[str | None, ...]) -> str:
    """The start of a text, redacted first (a cut number would slip past the mask)."""
    clean = " ".join(redact(text, names).split())
    if len(clean) <= EXCERPT_CHARS:
        return clean
    cut = clean[:EXCERPT_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(" ,.;:") + "…"


def rounded_distance(metres: float) -> int:
    """To the nearest 10 m, at least 10: the pin itself is no more precise."""
    return max(10, int(round(metres / 10) * 10))


def nearby_reports(
    category_code: str, lat: float, lon: float, locale: str = "id", now: datetime | None = None
) -> list[NearbyReport]:
    """The open public reports of this category within RADIUS_M of (lat, lon), nearest first.

    1. candidates from the bounding box (indexed, bounded);
    2. the exact distance of each, keeping those within the radius;
    3. the nearest :data:`MAX_SHOWN`, with their supporter counts, in words.
    """
    found = []
    for complaint, name in _candidates(category_code, lat, lon, now or clock.now()):
        assert complaint.lat is not None and complaint.lon is not None  # the box has them
        metres = distance_m(lat, lon, complaint.lat, complaint.lon)
        if metres <= RADIUS_M:
            found.append((metres, complaint, name))
    found.sort(key=lambda item: item[0])
    nearest = found[:MAX_SHOWN]
    counts = supporter_counts([complaint.id for _, complaint, _ in nearest])
    with force_locale(locale):
        return [
            NearbyReport(
                code=complaint.code,
                category=complaint.category.name(locale),
                status_label=status_label(complaint.status),
                distance_m=rounded_distance(metres),
                received_at=complaint.created_at,
                excerpt=excerpt(complaint.description, (name,)),
                supporters=counts.get(complaint.id, 0),
            )
            for metres, complaint, name in nearest
        ]


def supporters_words(count: int) -> str:
    """The supporters of a report in words, in the current locale ("" for none)."""
    if count <= 0:
        return ""
    if count == 1:
        return gettext("One other citizen also reported this problem.")
    return gettext("%(count)d other citizens also reported this problem.", count=count)
