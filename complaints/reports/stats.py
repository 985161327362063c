"""The public transparency page ``/stats``: published figures and a redacted list.

No sign-in. What it shows per unit and in total: complaints received and
completed, the completion rate and median working days to resolve (hidden
below the minimum count, so two complaints do not make a league table), and
the IKM grade with its number of respondents (hidden below the minimum count
of respondents). Two charts drawn on the server for a phone
(:func:`.charts.monthly`, :func:`.charts.unit_totals`) show received and
completed per month and per unit, counts only. The list shows complaints
staff have checked that are not confidential and not hidden — category,
unit, status (in the office's words, never the reporter's "your
confirmation"), dates, and the text and public replies with phone numbers,
e-mail addresses, ID numbers and the reporter's name masked — never a
tracking code, a name or a contact. The year choice starts at the first
complaint's year.

Both are cached per process for a few minutes (``ADUAN_STATS_CACHE_SECONDS``,
default 300), keyed by period and page, so a spike of visitors costs one
computation per worker per period and page, not one per visitor. Each time
a worker computes a period's figures it records the serving in
``stats_publications`` (first and latest), the evidence of indicator 27's
"published" step.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import get_locale
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from complaints import clock, metrics
from complaints.extensions import db, limiter
from complaints.labels import staff_status_label
from complaints.metrics.periods import cohort, completed
from complaints.metrics.volume import received_day
from complaints.models import Complaint, MessageKind, StatsPublication
from complaints.redact import redact

from . import charts
from .scope import today

logger = logging.getLogger(__name__)
bp = Blueprint("stats", __name__)

PAGE_SIZE = 20
MAX_PAGE = 500
HOURS_PER_WORKING_DAY = 8
FIRST_YEAR = 2000
T = TypeVar("T")


class TimedCache:
    """A small per-process cache: entries live ``ttl`` seconds, at most ``size`` of them."""

    def __init__(self, ttl: float, size: int = 256) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: OrderedDict[tuple[Any, ...], tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] > now:
                self._entries.move_to_end(key)
                return found[1]
        # Computed outside the lock: a slow query must not block cached answers.
        value = compute()
        with self._lock:
            self._entries[key] = (now + self.ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def cache() -> TimedCache:
    """This app's cache (each app, and so each test, has its own)."""
    found = current_app.extensions.get("aduan_stats_cache")
    if found is None:
        ttl = float(current_app.config.get("ADUAN_STATS_CACHE_SECONDS", 300))
        found = current_app.extensions.setdefault("aduan_stats_cache", TimedCache(ttl))
    assert isinstance(found, TimedCache)
    return found


@dataclass(frozen=True)
class PublicPeriod:
    year: int
    quarter: int | None

    @property
    def start(self) -> date:
        return (
            date(self.year, 1 + 3 * (self.quarter - 1), 1)
            if self.quarter
            else date(self.year, 1, 1)
        )

    @property
    def end(self) -> date:
        if not self.quarter:
            return date(self.year, 12, 31)
        last_month = 3 * self.quarter
        following = (
            date(self.year + 1, 1, 1) if last_month == 12 else date(self.year, last_month + 1, 1)
        )
        return date.fromordinal(following.toordinal() - 1)


def _public(figures: dict[str, Any]) -> dict[str, Any]:
    """The publishable part of one row of figures (rates hidden below the minimum count)."""
    few = figures["received"] < metrics.MIN_COUNT
    hours = figures["median_resolve_working_hours"]
    ikm = figures["ikm"]
    rated = ikm["respondents"] >= metrics.MIN_COUNT
    return {
        "received": figures["received"],
        "completed": figures["completed"],
        "completion_rate": None if few else figures["completion_rate"],
        "median_resolve_working_days": None
        if few or hours is None
        else round(hours / HOURS_PER_WORKING_DAY, 1),
        "ikm_value": ikm["value"] if rated else None,
        "ikm_grade": ikm["grade"] if rated else None,
        "ikm_respondents": ikm["respondents"],
        "low_count": few,
    }


def record_publication(start: date, end: date, now: datetime | None = None) -> None:
    """Note that the public figures of ``start``..``end`` were served (indicator 27's evidence).

    Called when a worker computes the page for its cache, so at most once per
    period and cache lifetime per worker, never once per visitor. The first
    serving is kept; later ones move ``last_served_at``.
    """
    moment = now or clock.now()
    where = (StatsPublication.period_from == start, StatsPublication.period_to == end)
    try:
        published = db.session.scalar(select(StatsPublication).where(*where))
        if published is None:
            db.session.add(
                StatsPublication(
                    period_from=start, period_to=end, first_served_at=moment, last_served_at=moment
                )
            )
        else:
            published.last_served_at = moment
        db.session.commit()
    except IntegrityError:
        # Another worker recorded the first serving meanwhile; theirs stands.
        db.session.rollback()
        db.session.execute(update(StatsPublication).where(*where).values(last_served_at=moment))
        db.session.commit()


def _served_figures(period: PublicPeriod) -> dict[str, Any]:
    figures = public_figures(period.start, period.end)
    record_publication(period.start, period.end)
    return figures


def public_figures(start: date, end: date) -> dict[str, Any]:
    """The regency's published figures for a period: totals, one row per unit, per month."""
    report = metrics.report(start, end)
    totals = dict(report["totals"])
    totals["ikm"] = report["ikm"]
    return {
        "totals": _public(totals),
        "units": [
            {"unit_name": unit["unit_name"], **_public(unit)}
            for unit in report["by_unit"]
            if unit["unit"] is not None and unit["received"]
        ],
        "months": monthly_counts(start, end),
    }


def monthly_counts(start: date, end: date) -> list[dict[str, Any]]:
    """Complaints received per local month of the period, and how many of them are completed.

    The same cohort and rule as the report's totals (so the months add up to
    them): grouped by local day in SQL (at most 366 rows), added into months here.
    """
    period = metrics.Period.of(start, end)
    day = received_day(period)
    done = func.sum(case((completed(period), 1), else_=0))
    query = (
        select(day.label("day"), func.count(), done)
        .where(cohort(period, metrics.scope_of(None)))
        .group_by(day)
    )
    months: dict[date, dict[str, Any]] = {}
    first = period.start.replace(day=1)
    while first <= period.end:
        months[first] = {"month": first, "received": 0, "completed": 0}
        first = (first + timedelta(days=32)).replace(day=1)
    for number, received, done_count in db.session.execute(query):
        local = date(1970, 1, 1) + timedelta(days=int(number))
        month = months.setdefault(
            local.replace(day=1), {"month": local.replace(day=1), "received": 0, "completed": 0}
        )
        month["received"] += int(received)
        month["completed"] += int(done_count or 0)
    return [months[key] for key in sorted(months)]


def first_year() -> int:
    """The year of the first complaint (this year when there is none): /stats offers no earlier."""
    first = db.session.scalar(select(func.min(Complaint.created_at)))
    if first is None:
        return today().year
    zone = ZoneInfo(current_app.config["ADUAN_TIMEZONE"])
    return max(first.astimezone(zone).year, FIRST_YEAR)


@dataclass(frozen=True)
class PublicItem:
    category_id: str
    category_en: str
    unit: str | None
    status: str
    received_at: datetime
    resolved_at: datetime | None
    text: str
    replies: tuple[tuple[datetime, str], ...]


def public_list(start: date, end: date, page: int) -> tuple[list[PublicItem], bool]:
    """One page of publishable complaints received in the period, newest first."""
    period = metrics.Period.of(start, end)
    complaints = db.session.scalars(
        select(Complaint)
        .options(
            selectinload(Complaint.category),
            selectinload(Complaint.unit),
            selectinload(Complaint.reporter),
            selectinload(Complaint.messages),
        )
        .where(
            Complaint.created_at >= period.start_at,
            Complaint.created_at < period.end_at,
            metrics.publicly_listed(),
        )
        .order_by(Complaint.created_at.desc(), Complaint.id.desc())
        .offset((page - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE + 1)
    ).all()
    items = [_item(complaint) for complaint in complaints[:PAGE_SIZE]]
    return items, len(complaints) > PAGE_SIZE


def _item(complaint: Complaint) -> PublicItem:
    names = (complaint.reporter.name,) if complaint.reporter is not None else ()
    return PublicItem(
        category_id=complaint.category.name_id,
        category_en=complaint.category.name_en,
        unit=complaint.unit.name if complaint.unit else None,
        status=complaint.status,
        received_at=complaint.created_at,
        resolved_at=complaint.resolved_at,
        text=redact(complaint.description, names),
        replies=tuple(
            (message.at, redact(message.body, names))
            for message in complaint.messages
            if message.kind == MessageKind.PUBLIC_REPLY
        ),
    )


def _period_from_args() -> PublicPeriod:
    current = today()
    try:
        year = int(request.args.get("year", current.year))
        quarter = int(request.args["quarter"]) if request.args.get("quarter") else None
    except ValueError:
        abort(404)
    if not FIRST_YEAR <= year <= current.year or (quarter is not None and not 1 <= quarter <= 4):
        abort(404)
    return PublicPeriod(year, quarter)


@bp.get("/stats")
@limiter.limit("120/minute")
def stats() -> str:
    period = _period_from_args()
    try:
        page = min(max(int(request.args.get("page", 1)), 1), MAX_PAGE)
    except ValueError:
        page = 1
    figures = cache().get(("figures", period), lambda: _served_figures(period))
    items, has_next = cache().get(
        ("list", period, page), lambda: public_list(period.start, period.end, page)
    )
    since = cache().get(("first_year",), first_year)
    return render_template(
        "reports/stats.html",
        period=period,
        figures=figures,
        month_chart=charts.monthly(figures["months"]),
        unit_chart=charts.unit_totals(figures["units"]),
        items=items,
        page=page,
        has_next=has_next,
        years=list(range(today().year, min(since, period.year) - 1, -1)),
        status_label=staff_status_label,
        english=str(get_locale() or "id") == "en",
        min_count=metrics.MIN_COUNT,
    )
