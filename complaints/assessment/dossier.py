"""The PEKPPP evidence dossier: what a supervisor signs and hands to the evaluation team.

One issued dossier (:mod:`.dossier_numbers`) of a period and a unit, in
words ready for print: the letterhead, the number, the period, indicator 28
and indicator 27 each with the rule its score follows, the documents of the
register that meet indicator 27's criteria (:mod:`.documents`), Aduan's own
records as supporting facts, the IKM, the charts, the complaints behind the
figures and the signature block. ``templates/assessment/dossier.html`` lays
it out on A4; the page and the PDF are one template.

The document is written in Indonesian whatever the reader's language: it is
filed as it is with the evaluation team.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import render_template
from flask_babel import force_locale, format_date, format_decimal, gettext
from sqlalchemy import func, select

from complaints import labels, metrics
from complaints.extensions import db
from complaints.metrics.periods import cohort
from complaints.models import (
    AssessmentDocument,
    Category,
    Complaint,
    DocumentKind,
    Letterhead,
    ReportRun,
    Status,
    Unit,
)
from complaints.reports import charts
from complaints.reports.stats import HOURS_PER_WORKING_DAY

from . import documents
from .dossier_periods import DossierPeriod, period_of
from .letterhead import current_letterhead, logo_data_uri
from .pdf import html_to_pdf

LOCALE = "id"
# A dossier lists at most this many complaints (about 40 pages; the PDF takes seconds per
# hundred rows), the rest are in the XLSX export.
MAX_LISTED = 1000
DONE = (Status.RESOLVED.value, Status.CLOSED.value)
# Indicator 28's thresholds as printed.
HIGH, LOW = "90 %", "50 %"


@dataclass(frozen=True)
class Signer:
    """Who signs the dossier, where and when."""

    name: str
    nip: str
    position: str
    place: str
    day: date


@dataclass(frozen=True)
class ShareLine:
    """One row of indicator 28: complaints to handle, completed, the share and its band."""

    label: str
    to_handle: int
    completed: int
    share: str
    band: str


@dataclass(frozen=True)
class Fact:
    """One of indicator 27's five steps as Aduan's records show it (supporting, not proof)."""

    step: str
    done: bool
    evidence: str


@dataclass(frozen=True)
class UnitLine:
    name: str
    received: int
    to_handle: int
    completed: int
    completion: str
    on_time: str
    ikm: str
    few: bool


@dataclass(frozen=True)
class ComplaintLine:
    number: int
    code: str
    received: datetime  # shown as its local day
    unit: str
    category: str
    status: str
    days_to_resolve: str


@dataclass(frozen=True)
class Dossier:
    number: str
    issued_at: datetime
    period: DossierPeriod
    unit_name: str
    letterhead: Letterhead
    logo: str | None
    signer: Signer
    figures: dict[str, Any]
    summary: list[tuple[str, str]]
    indicator_28: list[ShareLine]
    indicator_28_band: str
    rule_28: str
    rule_27: str
    criteria: list[documents.Criterion]
    criteria_met: int
    other_documents: list[AssessmentDocument]
    facts: list[Fact]
    charts: list[charts.Chart]
    units: list[UnitLine]
    complaints: list[ComplaintLine]
    complaints_total: int


def percent(share: float | None) -> str:
    """0.923 → "92,3 %" (the reader's decimal mark); "—" without a denominator."""
    if share is None:
        return "—"
    return f"{format_decimal(share * 100, '0.0')} %"


def band_words(band: str | None) -> str:
    """Indicator 28's band and the value it earns, in words."""
    # The shares stay outside the messages: a "%" in a message would read as a placeholder.
    return {
        "at_least_90": gettext("%(high)s or more: highest value", high=HIGH),
        "at_least_50": gettext("%(low)s to under %(high)s: middle value", low=LOW, high=HIGH),
        "below_50": gettext("under %(low)s: lowest value", low=LOW),
    }.get(band or "", gettext("no complaints to handle"))


def rule_28_words() -> str:
    """How indicator 28's score is given, in words."""
    return gettext(
        "the share of complaints to handle that were completed, counted apart for complaints "
        "through SP4N-LAPOR! and through other channels: %(high)s or more completed → highest "
        "value; %(low)s to under %(high)s → middle value; under %(low)s → lowest value. The "
        "assessment reads it over January to December of the year before the evaluation.",
        high=HIGH,
        low=LOW,
    )


def rule_27_words() -> str:
    """How indicator 27's score is given, in words."""
    return gettext(
        "each criterion below is met by a document in the register that counts for this "
        "period; the more criteria are met, the higher the value, and all five met → highest "
        "value."
    )


def build(run: ReportRun, signer: Signer) -> Dossier:
    """The dossier of an issued run (its number, period and unit), signed by ``signer``."""
    unit = db.session.get(Unit, run.unit_id) if run.unit_id is not None else None
    unit_code = unit.code if unit else None
    figures = metrics.report(run.period_from, run.period_to, unit_code)
    letterhead = current_letterhead()
    criteria = documents.indicator_27_criteria(run.period_from, run.period_to, run.unit_id)
    lines, total = complaint_lines(run.period_from, run.period_to, unit_code)
    indicator = figures["indicator_28"]
    assert run.document_number is not None
    return Dossier(
        number=run.document_number,
        issued_at=run.generated_at,
        period=period_of(run.period_from, run.period_to),
        unit_name=unit.name if unit else gettext("Whole regency"),
        letterhead=letterhead,
        logo=logo_data_uri(letterhead),
        signer=signer,
        figures=figures,
        summary=summary(figures),
        indicator_28=indicator_28_lines(indicator),
        indicator_28_band=band_words(indicator["score"]),
        rule_28=rule_28_words(),
        rule_27=rule_27_words(),
        criteria=criteria,
        criteria_met=sum(1 for criterion in criteria if criterion.met),
        other_documents=documents.documents_for(
            run.period_from, run.period_to, run.unit_id, kind=DocumentKind.OTHER.value
        ),
        facts=facts(figures["indicator_27"]),
        charts=drawn_charts(figures),
        units=unit_lines(figures),
        complaints=lines,
        complaints_total=total,
    )


def summary(figures: dict[str, Any]) -> list[tuple[str, str]]:
    totals, ikm = figures["totals"], figures["ikm"]
    satisfaction = gettext("no answers yet")
    if ikm["respondents"] and ikm["value"] is None:
        # An element nobody answered leaves no index (complaints.ikm).
        satisfaction = gettext(
            "no index yet: an element has no answer (%(count)d respondents)",
            count=ikm["respondents"],
        )
    elif ikm["respondents"]:
        satisfaction = gettext(
            "%(value)s, grade %(grade)s (%(name)s), %(count)d respondents",
            value=format_decimal(ikm["value"], "0.00"),
            grade=ikm["grade"],
            name=ikm["grade_name"],
            count=ikm["respondents"],
        )
    return [
        (gettext("Complaints received"), str(totals["received"])),
        (
            gettext("Rejected or merged"),
            str(totals["rejected"] + totals["merged"]),
        ),
        (gettext("To handle"), str(totals["actionable"])),
        (
            gettext("Completed"),
            f"{totals['completed']} ({percent(totals['completion_rate'])})",
        ),
        (
            gettext("Completed on time"),
            f"{totals['completed_on_time']} ({percent(totals['on_time_rate'])})",
        ),
        (gettext("Past their deadline now"), str(totals["overdue"])),
        (gettext("Satisfaction index (IKM)"), satisfaction),
    ]


def indicator_28_lines(indicator: dict[str, Any]) -> list[ShareLine]:
    return [
        ShareLine(
            gettext("Through SP4N-LAPOR!"),
            indicator["received_lapor"],
            indicator["completed_lapor"],
            percent(indicator["rate_lapor"]),
            band_words(indicator["band_lapor"]),
        ),
        ShareLine(
            gettext("Through Aduan's other channels"),
            indicator["received"],
            indicator["completed"],
            percent(indicator["rate"]),
            band_words(indicator["band"]),
        ),
        ShareLine(
            gettext("All complaints"),
            indicator["received"] + indicator["received_lapor"],
            indicator["completed"] + indicator["completed_lapor"],
            percent(indicator["rate_all"]),
            band_words(indicator["score"]),
        ),
    ]


def facts(indicator: dict[str, Any]) -> list[Fact]:
    """Indicator 27's five steps as the records show them (what staff did in Aduan)."""
    archived, reported = indicator["archived"], indicator["reported"]
    monitored, followed = indicator["monitored"], indicator["followed_up"]
    published = indicator["published"]
    return [
        Fact(
            gettext("Documented and archived"),
            archived["done"],
            gettext(
                "%(count)d complaints recorded, %(missing)d without their event log",
                count=archived["complaints"],
                missing=archived["without_events"],
            ),
        ),
        Fact(
            gettext("Put into periodic reports"),
            reported["done"],
            gettext(
                "%(count)d reports made in the period; %(covering)d cover it",
                count=reported["runs_in_period"],
                covering=reported["runs_covering_period"],
            ),
        ),
        Fact(
            gettext("Monitored and evaluated"),
            monitored["done"],
            gettext(
                "Deadline board opened %(count)d times by %(people)d staff",
                count=monitored["sla_board_views"],
                people=monitored["viewers"],
            ),
        ),
        Fact(
            gettext("Followed up"),
            followed["done"],
            gettext(
                "%(responded)d of %(actionable)d complaints answered; %(completed)d completed",
                responded=followed["responded"],
                actionable=followed["actionable"],
                completed=followed["completed"],
            ),
        ),
        Fact(gettext("Published"), published["done"], _published_words(published)),
    ]


def _published_words(published: dict[str, Any]) -> str:
    if not published["done"]:
        return gettext("The public figures page has not yet shown this period")
    first = datetime.fromisoformat(published["first_published_at"])
    return gettext(
        "The public figures page has shown this period since %(day)s",
        day=format_date(first.date(), "long"),
    )


def drawn_charts(figures: dict[str, Any]) -> list[charts.Chart]:
    """The charts that have something to show."""
    drawn = []
    units = figures["by_unit"]
    if units:
        drawn.append(charts.unit_rates(units))
    if any(unit["ikm"]["respondents"] for unit in units):
        drawn.append(charts.ikm_per_unit(units))
    return drawn


def unit_lines(figures: dict[str, Any]) -> list[UnitLine]:
    lines = []
    for unit in figures["by_unit"]:
        ikm = unit["ikm"]
        lines.append(
            UnitLine(
                name=unit["unit_name"] or gettext("No unit yet"),
                received=unit["received"],
                to_handle=unit["actionable"],
                completed=unit["completed"],
                completion=percent(unit["completion_rate"]),
                on_time=percent(unit["on_time_rate"]),
                ikm=format_decimal(ikm["value"], "0.00") if ikm["value"] is not None else "—",
                few=unit["low_count"],
            )
        )
    return lines


def complaint_lines(
    start: date, end: date, unit_code: str | None
) -> tuple[list[ComplaintLine], int]:
    """The first :data:`MAX_LISTED` complaints of the period, in words, and how many there are.

    No personal data. A confidential complaint's code is shortened: the code
    opens its tracking page, and the dossier leaves the office.
    """
    period = metrics.Period.of(start, end)
    where = cohort(period, metrics.scope_of(unit_code))
    total = int(db.session.scalar(select(func.count()).select_from(Complaint).where(where)) or 0)
    query = (
        select(
            Complaint.code,
            Complaint.created_at,
            Complaint.confidential,
            Unit.name,
            Category.name_id,
            Complaint.status,
            Complaint.resolve_working_seconds,
        )
        .join(Category, Complaint.category_id == Category.id)
        .outerjoin(Unit, Complaint.unit_id == Unit.id)
        .where(where)
        .order_by(Complaint.created_at, Complaint.id)
        .limit(MAX_LISTED)
    )
    lines = []
    for number, row in enumerate(db.session.execute(query), start=1):
        code, created, confidential, unit_name, category, status, seconds = row
        lines.append(
            ComplaintLine(
                number=number,
                code=masked(code) if confidential else code,
                received=created,
                unit=unit_name or gettext("No unit yet"),
                category=category,
                status=labels.staff_status_label(status),
                days_to_resolve=_working_days(seconds) if status in DONE else "—",
            )
        )
    return lines, total


def masked(code: str) -> str:
    """ "ADU-7K3Q-9M2X" → "ADU-7K3Q-••••": enough to find it in Aduan, not to open it."""
    head, _sep, tail = code.rpartition("-")
    return f"{head}-{'•' * len(tail)}" if head else "•" * len(code)


def _working_days(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    return format_decimal(seconds / 3600 / HOURS_PER_WORKING_DAY, "0.0")


def default_signer(today: date) -> Signer:
    """The letterhead's usual signer, signing today where documents are signed."""
    letterhead = current_letterhead()
    return Signer(
        name=letterhead.signer_name,
        nip=letterhead.signer_nip,
        position=letterhead.signer_position,
        place=letterhead.place,
        day=today,
    )


def render(run: ReportRun, signer: Signer, links: dict[str, str] | None = None) -> str:
    """The dossier's A4 page (``links``: the print page's back and PDF links; none in a PDF).

    Needs a request context (the stylesheet's URL): the CLI makes one.
    """
    with force_locale(LOCALE):
        return render_template("assessment/dossier.html", dossier=build(run, signer), links=links)


def render_pdf(run: ReportRun, signer: Signer) -> bytes:
    """The dossier as an A4 PDF."""
    return html_to_pdf(render(run, signer))
