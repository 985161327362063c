"""The report: every figure of a period, as DESIGN.md's JSON shape plus more keys.

:func:`report` puts together the parts read from the complaints (stored for
an ended period, :mod:`.parts`), what depends on the moment (complaints whose
deadline passed since the period ended) and what other tables say (surveys,
report runs, board views, publications), into the totals and the breakdowns
by unit, category, channel and kind.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import Category, Unit
from sla.policies import working_calendar

from .counts import MIN_COUNT, grouped, overdue_after, with_rates
from .indicators import ikm_of, indicator_27, indicator_28, surveys
from .parts import AGE_BUCKETS, complaint_parts
from .percentiles import EMPTY, MEASURE_NAMES, Summaries, Summary
from .periods import Period, scope_of


def report(
    start: date,
    end: date,
    unit_code: str | None = None,
    *,
    now: datetime | None = None,
    fresh: bool = False,
) -> dict[str, Any]:
    """The figures of the complaints received from ``start`` to ``end`` (local days).

    Raises ValidationFailed for an empty period or an unknown unit code.
    ``as_of`` says when the parts read from the complaints were read: now for
    a running period, else when they were stored; ``fresh`` reads them now.
    What the figures mean:

    * The **cohort** is every complaint *received* in the period, within the
      unit and the units below it when one is given. Every count is about the
      cohort, except the backlog (still open when the period ended),
      escalations (fired in the period) and the IKM (answers given in it).
    * **actionable** = received − rejected − merged (out of scope, or a
      duplicate whose original carries the follow-up).
    * **completed** = resolved or closed with the latest resolution before the
      period ended (a year's figures do not change when printed in February);
      ``completion_rate`` = completed / actionable.
    * **on time**: checked (the first decision) by ``verify_due_at``; first
      response by ``response_due_at``; resolution by ``resolve_due_at``.
      **overdue** uses the staff queue's rule at the time of the report.
    * **durations** in working hours: to check = received → first decision;
      to first response = verified → first response; to resolve = received →
      resolved, from the seconds the workflow stores (:mod:`complaints.durations`).
    * Rates are ratios from 0 to 1 rounded to four decimals, ``None`` with a
      zero denominator; a unit under ``min_count`` complaints is ``low_count``.
    """
    moment = now or clock.now()
    period = Period.of(start, end)
    scope = scope_of(unit_code)
    calendar = working_calendar()
    backlog_at = min(period.end_at, moment)
    served = complaint_parts(period, scope, calendar, backlog_at, now=moment, fresh=fresh)
    parts = served.payload
    overdue = parts["overdue"]
    if parts["overdue_since"] is not None and backlog_at < moment:
        since = datetime.fromisoformat(parts["overdue_since"])
        overdue = overdue + overdue_after(period, scope, backlog_at, since, moment)
    groups = grouped(parts["counts"] + overdue)
    found = {
        (name, breakdown, key): Summary(*figures)
        for name, breakdown, key, *figures in parts["durations"]
    }
    backlog: dict[int | None, Counter[str]] = defaultdict(Counter)
    for unit_id, label, count in parts["backlog"]:
        backlog[unit_id][label] += count
    answers = surveys(period, scope)
    units, categories = _names()

    totals = with_durations(groups.total, found, "total", None)
    by_unit = []
    for unit_id in sorted(
        set(groups.by_unit) | set(answers) | set(backlog), key=lambda uid: _unit_order(units, uid)
    ):
        unit = units.get(unit_id) if unit_id is not None else None
        by_unit.append(
            {
                "unit": unit.code if unit else None,
                "unit_name": unit.name if unit else None,
                **with_durations(groups.by_unit.get(unit_id, Counter()), found, "unit", unit_id),
                "backlog": sum(backlog.get(unit_id, Counter()).values()),
                "ikm": ikm_of([answers[unit_id]] if unit_id in answers else []).as_json(),
            }
        )
    backlog_total: Counter[str] = Counter()
    for counts in backlog.values():
        backlog_total.update(counts)

    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "unit": scope.unit.code if scope.unit else None,
        "unit_name": scope.unit.name if scope.unit else None,
        "timezone": period.timezone,
        "generated_at": moment.isoformat(),
        "as_of": served.as_of.isoformat(),
        "min_count": MIN_COUNT,
        "totals": totals,
        "by_channel": {channel: int(c["received"]) for channel, c in groups.by_channel.items()},
        "by_channel_detail": [
            {"channel": channel, **with_durations(counts, found, "channel", channel)}
            for channel, counts in groups.by_channel.items()
        ],
        "by_unit": by_unit,
        "by_category": [
            {
                "category": categories[category_id].code,
                "category_name": categories[category_id].name_id,
                **with_durations(counts, found, "category", category_id),
            }
            for category_id, counts in sorted(
                groups.by_category.items(), key=lambda item: categories[item[0]].sort_order
            )
        ],
        "by_kind": [
            {"kind": kind, **with_durations(counts, found, "kind", kind)}
            for kind, counts in groups.by_kind.items()
        ],
        "rejected_by_reason": parts["rejections"],
        "backlog": {
            "at": backlog_at.isoformat(),
            "total": sum(backlog_total.values()),
            "by_age_working_days": {label: backlog_total[label] for label in AGE_BUCKETS},
        },
        "escalations": parts["escalations"],
        "indicator_28": indicator_28(groups),
        "indicator_27": indicator_27(period, scope, totals, parts["undocumented"]),
        "ikm": ikm_of(list(answers.values())).as_json(),
    }


def with_durations(
    counts: Counter[str], found: Summaries, breakdown: str, key: Any
) -> dict[str, Any]:
    """A breakdown row's counts and rates with its durations (``breakdown`` "total": key None)."""
    figures = with_rates(counts)
    figures["durations"] = {
        name: found.get((name, breakdown, key), EMPTY).as_json() for name in MEASURE_NAMES
    }
    figures["median_resolve_working_hours"] = figures["durations"]["resolve"][
        "median_working_hours"
    ]
    return figures


def _names() -> tuple[dict[int, Unit], dict[int, Category]]:
    # Both tables are small (tens of rows): one query each.
    units = {unit.id: unit for unit in db.session.scalars(select(Unit))}
    categories = {category.id: category for category in db.session.scalars(select(Category))}
    return units, categories


def _unit_order(units: dict[int, Unit], unit_id: int | None) -> tuple[int, str]:
    if unit_id is None or unit_id not in units:
        return (1, "")
    return (0, units[unit_id].name)
