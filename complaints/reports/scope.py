"""Who may see which report, and the period and unit a request asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from complaints import clock
from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.models import Role, Unit, User
from complaints.staff.access import unit_and_descendants
from sla.calendar import MAX_YEAR, MIN_YEAR

MAX_PERIOD_DAYS = 366 * 5


def may_see_reports(user: User) -> bool:
    """Supervisors (their units) and admins (everything); officers do not."""
    return user.role in (Role.SUPERVISOR, Role.ADMIN)


def reachable_units(user: User) -> list[Unit]:
    """The units whose reports ``user`` may open, by name."""
    query = select(Unit).order_by(Unit.name)
    if user.role != Role.ADMIN:
        if user.unit_id is None:
            return []
        query = query.where(Unit.id.in_(unit_and_descendants(user.unit_id)))
    return list(db.session.scalars(query))


def today() -> date:
    return clock.now().astimezone(ZoneInfo(current_app.config["ADUAN_TIMEZONE"])).date()


@dataclass(frozen=True)
class ReportRequest:
    """A period (local days, inclusive) and an optional unit code."""

    start: date
    end: date
    unit_code: str | None

    def args(self) -> dict[str, str]:
        """Query-string arguments that ask for this same report."""
        found = {"from": self.start.isoformat(), "to": self.end.isoformat()}
        if self.unit_code:
            found["unit"] = self.unit_code
        return found


def _date(raw: str | None, name: str, default: date) -> date:
    if not raw:
        return default
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed(
            {name: gettext("%(value)s is not a date like 2026-01-31.", value=raw[:20])}
        ) from None
    # The working-time calendar covers MIN_YEAR..MAX_YEAR; a year inside keeps a period's
    # edges (in UTC, a day earlier or later) inside too.
    if not MIN_YEAR < day.year < MAX_YEAR:
        raise ValidationFailed(
            {
                name: gettext(
                    "Choose a date in the years %(first)d to %(last)d.",
                    first=MIN_YEAR + 1,
                    last=MAX_YEAR - 1,
                )
            }
        )
    return day


def parse_period(args: MultiDict[str, str] | dict[str, str]) -> tuple[date, date]:
    """``from`` and ``to`` (ISO dates); by default this year up to today.

    Without ``to`` the period runs to the end of ``from``'s year (or today).
    """
    current = today()
    start = _date(args.get("from"), "from", date(current.year, 1, 1))
    default_end = max(start, current) if start.year == current.year else date(start.year, 12, 31)
    end = _date(args.get("to"), "to", default_end)
    if end < start:
        raise ValidationFailed({"to": gettext("The end of the period is before its start.")})
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed({"to": gettext("A report covers at most five years.")})
    return start, end


def report_request(user: User, args: MultiDict[str, str] | dict[str, str]) -> ReportRequest:
    """The report ``user`` asks for with ``args``; ValidationFailed or PermissionError.

    A supervisor's report defaults to their own unit (and the units below it)
    and may not name a unit outside it; an admin's defaults to the regency.
    """
    start, end = parse_period(args)
    requested = (args.get("unit") or "").strip() or None
    if user.role == Role.ADMIN:
        if requested is not None and not _unit_exists(requested):
            raise ValidationFailed(
                {"unit": gettext("No unit has the code %(code)s.", code=requested)}
            )
        return ReportRequest(start, end, requested)
    allowed = {unit.code for unit in reachable_units(user)}
    if requested is None:
        if user.unit is None:
            raise PermissionError("a supervisor without a unit has no reports")
        return ReportRequest(start, end, user.unit.code)
    if requested not in allowed:
        raise PermissionError(f"unit {requested} is outside {user.email}'s reach")
    return ReportRequest(start, end, requested)


def _unit_exists(code: str) -> bool:
    return unit_by_code(code) is not None


def unit_by_code(code: str | None) -> Unit | None:
    """The unit with ``code``; None without a code (the whole regency) or when none has it."""
    if not code or "\x00" in code:
        return None  # no code holds a NUL, and PostgreSQL would fail the query on it
    return db.session.scalar(select(Unit).where(Unit.code == code))


def presets() -> list[tuple[str, date, date]]:
    """Quick periods for the filter: (label, from, to)."""
    current = today()
    first_of_month = current.replace(day=1)
    last_month_end = first_of_month - timedelta(days=1)
    return [
        (gettext("This year"), date(current.year, 1, 1), current),
        (gettext("Last year"), date(current.year - 1, 1, 1), date(current.year - 1, 12, 31)),
        (gettext("This month"), first_of_month, current),
        (gettext("Last month"), last_month_end.replace(day=1), last_month_end),
    ]
