"""The SKM report of a period and unit, as PermenPAN-RB 14/2017 shapes it (issue 20 item 3).

Every figure is an SQL aggregate over the survey answers given in the period
(``survey_responses.created_at``, the rule the report's IKM follows), within
the unit and the units below it:

* per element (unsur): its answers (``count(column)``: a skipped question is
  NULL), its mean NRR over those answers, the weighted NRR (NRR × 1/9), the
  converted value (NRR × 25) and the quality letter (mutu A–D) and performance
  (kinerja) the guideline's intervals give that value;
* the IKM and its grade (:mod:`complaints.ikm`: none while an element has no
  answer at all);
* the respondents and their profile, value by value with "not given";
* the elements to improve: the three lowest NRR, and any element below B;
* the same figures for the previous period of the same length, to compare;
* the follow-up plan (rencana tindak lanjut) saved for each element.
"""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from flask_babel import gettext
from sqlalchemy import func, select

from complaints import clock, ikm, labels
from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.metrics.indicators import survey_columns, survey_scope, survey_totals
from complaints.metrics.periods import Period, Scope, scope_of
from complaints.models import SkmFollowUp, SurveyResponse, User

logger = logging.getLogger(__name__)

RUN_KIND = "skm"  # ReportRun.kind of an SKM report made
# An element is highlighted when it is among this many lowest, or its grade is below B.
LOWEST = 3
GOOD_GRADES = ("A", "B")
MAX_PLAN = 4000


@dataclass(frozen=True)
class Element:
    """One unsur of the survey with its figures (None where nobody answered it)."""

    number: int
    name: str
    label: str
    answers: int
    nrr: Fraction | None
    converted: Decimal | None
    grade: str | None
    performance: str | None
    highlighted: bool = False

    @property
    def weighted(self) -> Fraction | None:
        """NRR tertimbang: the element's mean times its weight of 1/9."""
        return self.nrr * ikm.WEIGHT if self.nrr is not None else None


@dataclass(frozen=True)
class ProfileLine:
    value: str | None  # None: "not given"
    label: str
    count: int
    share: Fraction | None


@dataclass(frozen=True)
class ProfileTable:
    column: str
    question: str
    lines: list[ProfileLine]


@dataclass(frozen=True)
class Figures:
    """The survey's figures over one period: the index and its elements."""

    start: date
    end: date
    index: ikm.Ikm
    elements: list[Element]

    @property
    def respondents(self) -> int:
        return self.index.respondents


@dataclass(frozen=True)
class SkmReport:
    """The whole report: this period, its profile, the previous period, the plans."""

    current: Figures
    previous: Figures
    unit_id: int | None
    unit_name: str
    profile: list[ProfileTable]
    plans: dict[str, SkmFollowUp]
    generated_at: datetime

    @property
    def highlighted(self) -> list[Element]:
        return [element for element in self.current.elements if element.highlighted]

    @property
    def unanswered_labels(self) -> list[str]:
        by_name = {element.name: element.label for element in self.current.elements}
        return [by_name[name] for name in self.current.index.unanswered]


def build(start: date, end: date, unit_code: str | None) -> SkmReport:
    """The SKM report of ``start``..``end`` (local days) for a unit, or the regency.

    Raises ValidationFailed for an empty period or an unknown unit code.
    """
    period = Period.of(start, end)
    scope = scope_of(unit_code)
    before_start, before_end = previous_period(start, end)
    unit_id = scope.unit.id if scope.unit else None
    return SkmReport(
        current=figures_of(period, scope),
        previous=figures_of(Period.of(before_start, before_end), scope),
        unit_id=unit_id,
        unit_name=scope.unit.name if scope.unit else gettext("Whole regency"),
        profile=profile_of(period, scope),
        plans=plans_of(start, end, unit_id),
        generated_at=clock.now(),
    )


def figures_of(period: Period, scope: Scope) -> Figures:
    """The index and the per-element figures of one period (one aggregate query)."""
    row = db.session.execute(select(*survey_columns()).where(survey_scope(period, scope))).one()
    totals = survey_totals(row)
    index = ikm.compute(totals.respondents, totals.sums, totals.answers)
    elements = [
        _element(number, name, str(label), totals.answers[name], index.element_means.get(name))
        for number, (name, label) in enumerate(ikm.ELEMENTS, start=1)
    ]
    marked = lowest_elements(elements)
    elements = [replace(element, highlighted=element.name in marked) for element in elements]
    return Figures(period.start, period.end, index, elements)


def _element(number: int, name: str, label: str, answers: int, nrr: Fraction | None) -> Element:
    if nrr is None:
        return Element(number, name, label, answers, None, None, None, None)
    converted = ikm.converted(nrr)
    letter, _name = ikm.grade_of(converted)
    return Element(
        number, name, label, answers, nrr, converted, letter, str(ikm.grade_label(letter))
    )


def lowest_elements(elements: list[Element]) -> set[str]:
    """The elements to improve: the three lowest NRR (in the regulation's order on a tie),
    and every element graded below B. Elements nobody answered are not ranked."""
    answered = [element for element in elements if element.nrr is not None]
    ranked = sorted(answered, key=lambda element: (element.nrr, element.number))
    return {element.name for element in ranked[:LOWEST]} | {
        element.name for element in answered if element.grade not in GOOD_GRADES
    }


def profile_of(period: Period, scope: Scope) -> list[ProfileTable]:
    """Each profile question's answers counted, every listed value and "not given"."""
    tables = []
    for column, choices in ikm.PROFILE_QUESTIONS:
        field = getattr(SurveyResponse, column)
        counts = {
            value: int(count)
            for value, count in db.session.execute(
                select(field, func.count()).where(survey_scope(period, scope)).group_by(field)
            )
        }
        total = sum(counts.values())
        values: list[str | None] = [choice.value for choice in choices]
        lines = [
            ProfileLine(
                value,
                labels.respondent_answer(column, value),
                counts.get(value, 0),
                Fraction(counts.get(value, 0), total) if total else None,
            )
            for value in [*values, None]
        ]
        tables.append(ProfileTable(column, str(labels.RESPONDENT_QUESTIONS[column]), lines))
    return tables


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before: whole months stay whole months
    (a quarter's previous is the quarter before), otherwise the same number of days."""
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        first = _months_before(start, months)
        return first, start - timedelta(days=1)
    length = end - start
    last = start - timedelta(days=1)
    return last - length, last


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


# --- follow-up plans --------------------------------------------------------------------------


def plans_of(start: date, end: date, unit_id: int | None) -> dict[str, SkmFollowUp]:
    """The follow-up plans saved for exactly this period and unit, by element."""
    query = select(SkmFollowUp).where(
        SkmFollowUp.period_from == start,
        SkmFollowUp.period_to == end,
        SkmFollowUp.unit_id.is_(None) if unit_id is None else SkmFollowUp.unit_id == unit_id,
    )
    found: dict[str, SkmFollowUp] = {}
    for plan in db.session.scalars(query.order_by(SkmFollowUp.updated_at, SkmFollowUp.id)):
        found[plan.element] = plan  # the latest wins, should two ever be saved at once
    return found


def save_plan(
    actor: User, start: date, end: date, unit_id: int | None, element: str, text: str | None
) -> SkmFollowUp | None:
    """Save the follow-up plan of an element for a period and unit (empty: remove it); commits.

    Raises ValidationFailed for an unknown element or a plan too long.
    """
    if element not in ikm.ELEMENT_NAMES:
        raise ValidationFailed({"element": gettext("Choose one of the survey's elements.")})
    plan_text = (text or "").strip()
    if len(plan_text) > MAX_PLAN:
        raise ValidationFailed(
            {"plan": gettext("Write at most %(count)d characters.", count=MAX_PLAN)}
        )
    existing = plans_of(start, end, unit_id).get(element)
    if not plan_text:
        if existing is not None:
            db.session.delete(existing)
        db.session.commit()
        return None
    plan = existing or SkmFollowUp(
        period_from=start, period_to=end, unit_id=unit_id, element=element
    )
    plan.plan = plan_text
    plan.updated_by_user_id = actor.id
    plan.updated_at = clock.now()
    db.session.add(plan)
    db.session.commit()
    return plan


def plan_authors(plans: dict[str, SkmFollowUp]) -> dict[int, User]:
    """Who last wrote each plan, to name them beside it."""
    ids = {plan.updated_by_user_id for plan in plans.values() if plan.updated_by_user_id}
    if not ids:
        return {}
    return {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(ids)))}


def unit_id_of(unit_code: str | None) -> int | None:
    """The id of the report's unit (None: the whole regency); ValidationFailed if unknown."""
    found = scope_of(unit_code).unit
    return found.id if found else None


def as_float(value: Fraction | Decimal | None, places: int) -> float | None:
    """A figure rounded for a spreadsheet cell (exact arithmetic stays upstream)."""
    if value is None:
        return None
    return round(float(value), places)


def describe(report: SkmReport) -> dict[str, Any]:
    """A short summary for logs and the CLI."""
    index = report.current.index
    return {
        "from": report.current.start.isoformat(),
        "to": report.current.end.isoformat(),
        "unit": report.unit_name,
        "respondents": index.respondents,
        "ikm": float(index.value) if index.value is not None else None,
        "grade": index.grade,
    }
