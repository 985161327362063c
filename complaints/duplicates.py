"""Likely duplicates of a complaint, ranked by what it says and where it is.

Two citizens rarely describe one broken street light in the same words ("lampu
jalan mati" / "PJU padam, gelap"), and two complaints in the same spot are not
always about the same thing (a pothole beside a dark lamp). So the ranking
reads both:

- **Text similarity**: TF-IDF cosine over the complaint's title, description
  and address, with character n-grams of 3 to 5 inside word boundaries (they
  forgive Indonesian affixes and SMS spelling: "jalannya", "jln", "lampu2")
  beside whole words. The vectoriser is fitted on the few candidates and the
  complaint itself, so a word every candidate uses weighs little.
- **Distance**, when both complaints have a pin: the similarity is weighted by
  ``0.25 + 0.75·exp(-d / 500 m)``, so 80 m keeps 89 % of it, 500 m about half
  and 2 km or more a quarter. One broken thing is reported from within a few
  hundred metres (a phone's pin, a landmark); the floor keeps matters whose pin
  is only the reporter's home (an identity card, social aid) listable by text.
  Without a pin on either side the place neither confirms nor rules out a
  duplicate: the weight is :data:`UNLOCATED_WEIGHT`, that of 500 m.

Shown: at least :data:`MIN_SIMILARITY` similar, or within :data:`CLOSE_M` and
at least :data:`CLOSE_MIN_SIMILARITY` similar (the same spot in other words);
the best :data:`MAX_SHOWN` by the weighted score, each with its reason ("92 %
mirip, 80 m").

:func:`rank` is a pure function over plain data (:class:`Report`: code, text,
lat/lon), with no database, so the citizen-side "already reported?" check
(:mod:`complaints.nearby`) can use it too. :func:`likely_duplicates` reads the
candidates for the staff complaint page: one indexed, bounded query.

scikit-learn is imported inside :func:`similarities`, not at the top: importing
it costs about a second of CPU that every process loading the app would pay.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import force_locale, format_decimal, gettext
from sqlalchemy import ColumnElement, and_, or_, select

from .extensions import db
from .models import Category, Complaint, Reporter, Status
from .nearby import bounding_box, distance_m, excerpt, rounded_distance
from .notify import status_label
from .routing.model import document

# The candidates: open complaints received within WINDOW_DAYS before this one (or
# since), of its category anywhere, or of any category within RADIUS_M of its pin.
OPEN_STATUSES = (Status.RECEIVED.value, Status.VERIFIED.value, Status.IN_PROGRESS.value)
WINDOW_DAYS = 60
RADIUS_M = 1000
# A bound on the rows read, however busy the category: the most recent ones.
MAX_CANDIDATES = 200
MAX_SHOWN = 5

MIN_SIMILARITY = 0.25
CLOSE_M = 150
CLOSE_MIN_SIMILARITY = 0.10
DISTANCE_SCALE_M = 500
FAR_WEIGHT = 0.25
UNLOCATED_WEIGHT = FAR_WEIGHT + (1 - FAR_WEIGHT) * math.exp(-1)


@dataclass(frozen=True)
class Report:
    """A complaint as the ranking reads it: its code, its text and its pin (if any)."""

    code: str
    text: str
    lat: float | None = None
    lon: float | None = None

    @property
    def located(self) -> bool:
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True)
class Likeness:
    """How much another report looks like the one in hand."""

    code: str
    similarity: float  # text, 0..1
    distance_m: float | None  # None when either has no pin
    score: float  # similarity weighted by distance: the ranking's key


def similarities(text: str, others: Sequence[str]) -> list[float]:
    """The TF-IDF cosine similarity of ``text`` with each of ``others`` (0 without words)."""
    if not others:
        return []
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.preprocessing import normalize

    documents = [text, *others]
    vectorizers = (
        TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, strip_accents="unicode"
        ),
        TfidfVectorizer(analyzer="word", sublinear_tf=True, strip_accents="unicode"),
    )
    blocks = []
    for vectorizer in vectorizers:
        try:
            blocks.append(vectorizer.fit_transform(documents))
        except ValueError:  # no n-gram or word at all (digits and punctuation only)
            continue
    if not blocks:
        return [0.0] * len(others)
    # Each block is already unit-length per row; the two weigh the same.
    matrix = normalize(sparse.hstack(blocks).tocsr())
    cosines = matrix[1:] @ matrix[0].T
    return [min(1.0, float(value)) for value in cosines.toarray().ravel()]


def place_weight(metres: float | None) -> float:
    """How much the distance keeps of the text similarity (1 at the same spot)."""
    if metres is None:
        return UNLOCATED_WEIGHT
    return FAR_WEIGHT + (1 - FAR_WEIGHT) * math.exp(-metres / DISTANCE_SCALE_M)


def _shown(similarity: float, metres: float | None) -> bool:
    if similarity >= MIN_SIMILARITY:
        return True
    return metres is not None and metres <= CLOSE_M and similarity >= CLOSE_MIN_SIMILARITY


def rank(subject: Report, others: Sequence[Report], limit: int = MAX_SHOWN) -> list[Likeness]:
    """The reports of ``others`` most likely to be ``subject`` again, best first.

    1. the text similarity of each with ``subject``;
    2. the distance when both have a pin;
    3. keep those similar enough (or close and somewhat similar), best score first.
    """
    scores = similarities(subject.text, [other.text for other in others])
    found = []
    for other, similarity in zip(others, scores, strict=True):
        metres = None
        if subject.located and other.located:
            assert subject.lat is not None and subject.lon is not None
            assert other.lat is not None and other.lon is not None
            metres = distance_m(subject.lat, subject.lon, other.lat, other.lon)
        if _shown(similarity, metres):
            score = similarity * place_weight(metres)
            found.append(Likeness(other.code, similarity, metres, score))
    found.sort(key=lambda likeness: (-likeness.score, likeness.code))
    return found[:limit]


# --- words -----------------------------------------------------------------------------


def distance_words(metres: float) -> str:
    """ "80 m" under a kilometre (to the nearest 10 m), else "1,2 km" in the locale's digits."""
    rounded = rounded_distance(metres)
    if rounded < 1000:
        return f"{rounded} m"
    return f"{format_decimal(rounded / 1000, '0.0')} km"


def reason(likeness: Likeness) -> str:
    """Why a report is listed, in the current locale: "92 % mirip, 80 m"."""
    percent = round(likeness.similarity * 100)
    if likeness.distance_m is None:
        return gettext("%(percent)d%% similar", percent=percent)
    return gettext(
        "%(percent)d%% similar, %(distance)s",
        percent=percent,
        distance=distance_words(likeness.distance_m),
    )


# --- the staff complaint page ------------------------------------------------------------


@dataclass(frozen=True)
class LikelyDuplicate:
    """One listed duplicate, in words for the officer."""

    code: str
    category: str
    status_label: str
    excerpt: str
    reason: str


@dataclass(frozen=True)
class _Candidate:
    report: Report
    category: str
    status: str
    description: str
    reporter_name: str | None


def _candidates(
    complaint: Complaint, visible: ColumnElement[bool], locale: str
) -> list[_Candidate]:
    """Open complaints that could be ``complaint`` again, most recent first, at most
    :data:`MAX_CANDIDATES` (indexes: status and creation time, category and creation time)."""
    related: ColumnElement[bool] = Complaint.category_id == complaint.category_id
    if complaint.lat is not None and complaint.lon is not None:
        south, north, west, east = bounding_box(complaint.lat, complaint.lon, RADIUS_M)
        near = and_(Complaint.lat.between(south, north), Complaint.lon.between(west, east))
        related = or_(related, near)
    rows = db.session.execute(
        select(
            Complaint.code,
            Complaint.title,
            Complaint.description,
            Complaint.address,
            Complaint.lat,
            Complaint.lon,
            Complaint.status,
            Category,
            Reporter.name,
        )
        .join(Category, Category.id == Complaint.category_id)
        .outerjoin(Reporter, Reporter.id == Complaint.reporter_id)
        .where(
            Complaint.id != complaint.id,
            Complaint.status.in_(OPEN_STATUSES),
            Complaint.created_at >= complaint.created_at - timedelta(days=WINDOW_DAYS),
            related,
            visible,
        )
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .limit(MAX_CANDIDATES)
    ).all()
    return [
        _Candidate(
            Report(code, document(title, description, address), lat, lon),
            category.name(locale),
            status,
            description,
            name,
        )
        for code, title, description, address, lat, lon, status, category, name in rows
    ]


def likely_duplicates(
    complaint: Complaint, visible: ColumnElement[bool], locale: str = "id"
) -> list[LikelyDuplicate]:
    """The open complaints, among those ``visible`` allows, most likely to be this one again.

    ``visible`` is the staff member's access filter: a complaint they may not
    open is never listed.
    """
    candidates = _candidates(complaint, visible, locale)
    subject = Report(
        complaint.code,
        document(complaint.title, complaint.description, complaint.address),
        complaint.lat,
        complaint.lon,
    )
    by_code = {candidate.report.code: candidate for candidate in candidates}
    ranked = rank(subject, [candidate.report for candidate in candidates])
    with force_locale(locale):
        return [_listed(by_code[likeness.code], likeness) for likeness in ranked]


def _listed(candidate: _Candidate, likeness: Likeness) -> LikelyDuplicate:
    return LikelyDuplicate(
        code=candidate.report.code,
        category=candidate.category,
        status_label=status_label(candidate.status),
        excerpt=excerpt(candidate.description, (candidate.reporter_name,)),
        reason=reason(likeness),
    )
