"""Who else has a complaint open, and whether it changed since a page was loaded.

Opening the complaint page records the viewer in ``complaint_views`` (one
row per complaint and staff member, its ``seen_at`` moved forward by an
upsert); the page's script asks :func:`presence` again every half minute,
which keeps the row fresh and tells the page who else is there and whether
the complaint moved on meanwhile. Without JavaScript the page still says,
when it loads, who else has it open.

The warnings are a courtesy, not a lock: the stale-version check on every
action (``views._stale`` and the version column) is what keeps two officers
from overruling each other unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import format_time, gettext
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload

from complaints import labels
from complaints.extensions import db
from complaints.i18n import local_time, zone_name
from complaints.models import Complaint, ComplaintEvent, ComplaintView, User

# Someone seen within this long still has the page open (the page asks every 30 s).
RECENT = timedelta(minutes=10)
POLL_SECONDS = 30


def mark_seen(complaint: Complaint, user: User, now: datetime) -> None:
    """Record that ``user`` has ``complaint`` open at ``now``: one INSERT … ON CONFLICT.

    Both databases spell the upsert the same way in SQLAlchemy; a first
    visit inserts, every later one moves ``seen_at``. The caller commits.
    """
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(ComplaintView).values(
        complaint_id=complaint.id, user_id=user.id, seen_at=now
    )
    statement = statement.on_conflict_do_update(
        index_elements=[ComplaintView.complaint_id, ComplaintView.user_id],
        set_={"seen_at": statement.excluded.seen_at},
    )
    db.session.execute(statement)


@dataclass(frozen=True)
class Viewer:
    name: str
    seen_at: datetime


def others_here(complaint: Complaint, user: User, now: datetime) -> list[Viewer]:
    """The other staff who had the complaint open within :data:`RECENT`, latest first."""
    rows = db.session.scalars(
        select(ComplaintView)
        .options(joinedload(ComplaintView.user))
        .where(
            ComplaintView.complaint_id == complaint.id,
            ComplaintView.user_id != user.id,
            ComplaintView.seen_at >= now - RECENT,
        )
        .order_by(ComplaintView.seen_at.desc())
    )
    return [Viewer(labels.person_name(row.user), row.seen_at) for row in rows]


def clock_time(moment: datetime, now: datetime) -> str:
    """ "10.02 WITA" today; the date as well on another day."""
    zone = current_app.config["ADUAN_TIMEZONE"]
    local = moment.astimezone(ZoneInfo(zone))
    if local.date() != now.astimezone(ZoneInfo(zone)).date():
        return local_time(moment)
    return f"{format_time(local, 'short', rebase=False)} {zone_name(local, zone)}"


def warnings(viewers: list[Viewer], now: datetime) -> list[str]:
    """One sentence per other viewer: "Budi juga sedang membuka aduan ini (terlihat 10.02 WITA)"."""
    return [
        gettext(
            "%(name)s also has this complaint open (seen at %(time)s).",
            name=viewer.name,
            time=clock_time(viewer.seen_at, now),
        )
        for viewer in viewers
    ]


def change_since(complaint: Complaint, seen_version: str | None, now: datetime) -> str | None:
    """Who changed the complaint and when, if it is no longer the version the page shows."""
    if seen_version is None or seen_version == str(complaint.version):
        return None
    latest = db.session.scalar(
        select(ComplaintEvent)
        .options(joinedload(ComplaintEvent.actor))
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.at.desc(), ComplaintEvent.id.desc())
        .limit(1)
    )
    if latest is None:
        return gettext("This complaint was changed meanwhile.")
    return gettext(
        "This complaint was changed by %(name)s at %(time)s.",
        name=labels.actor_name(latest),
        time=clock_time(latest.at, now),
    )


def presence(complaint: Complaint, user: User, seen_version: str | None, now: datetime) -> Any:
    """The page's poll: the viewer marked as still here, and what the page should say."""
    mark_seen(complaint, user, now)
    return {
        "others": warnings(others_here(complaint, user, now), now),
        "changed": change_since(complaint, seen_version, now),
        "reload": gettext("Reload"),
        "version": complaint.version,
    }
