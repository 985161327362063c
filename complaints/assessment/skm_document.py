"""The SKM report as people read it: numbers in the reader's style, the A4 document and its PDF.

The staff page, the A4 print document and the PDF show the same tables
(``templates/assessment/_skm_tables.html``). The document and the PDF are in
Indonesian whatever the reader's language: they are filed with the
assessment, like the evidence dossier.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from flask import render_template
from flask_babel import force_locale, format_decimal

from complaints import ikm

from .letterhead import current_letterhead, format_nip, logo_data_uri
from .pdf import html_to_pdf
from .skm import SkmReport, plan_authors

LOCALE = "id"  # documents for the assessors are in Indonesian


def _rounded(value: Fraction | Decimal | int | float, places: int) -> Decimal:
    exact = value if isinstance(value, Fraction) else Fraction(value)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(
        Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP
    )


def number(value: Fraction | Decimal | int | float | None, places: int = 2) -> str:
    """A figure rounded half-up to ``places`` decimals in the reader's style ("3,50");
    "—" for none."""
    if value is None:
        return "—"
    return format_decimal(_rounded(value, places), "0." + "0" * places if places else "0")


def signed(value: Fraction | Decimal | None, places: int = 2) -> str:
    """A change with its sign ("+0,25", "−0,10", "0,00"); "—" for none."""
    if value is None:
        return "—"
    shown = _rounded(value, places)
    sign = "+" if shown > 0 else "\u2212" if shown < 0 else ""
    return sign + number(abs(shown), places)


def percent(share: Fraction | None) -> str:
    return "—" if share is None else f"{number(share * 100, 1)} %"


def change(current: Fraction | Decimal | None, previous: Fraction | Decimal | None) -> str:
    if current is None or previous is None:
        return "—"
    return signed(Fraction(current) - Fraction(previous))


def grade_intervals() -> list[tuple[str, str, str, str]]:
    """The guideline's table: (letter, converted-value interval, NRR interval, performance)."""
    rows = []
    upper = Decimal("100.00")
    for lowest, letter, _name, label in ikm.GRADES:
        nrr_low, nrr_high = Fraction(lowest) / ikm.SCALE, Fraction(upper) / ikm.SCALE
        rows.append(
            (
                letter,
                f"{number(lowest)} – {number(upper)}",
                f"{number(nrr_low, 4)} – {number(nrr_high, 4)}",
                str(label),
            )
        )
        upper = lowest - Decimal("0.01")
    return rows


def template_context(report: SkmReport) -> dict[str, Any]:
    """What the tables need beside the report: formatting and the plans' authors."""
    return {
        "report": report,
        "number": number,
        "percent": percent,
        "change": change,
        "intervals": grade_intervals(),
        "authors": plan_authors(report.plans),
    }


def render_document(report: SkmReport, today: date, links: dict[str, str] | None = None) -> str:
    """The A4 document (letterhead, tables, plans, signature block) in Indonesian.

    Needs a request context (the stylesheet's URL): the CLI makes one.
    """
    with force_locale(LOCALE):
        letterhead = current_letterhead()
        return render_template(
            "assessment/skm_document.html",
            letterhead=letterhead,
            logo=logo_data_uri(letterhead),
            nip=format_nip(letterhead.signer_nip) if letterhead.signer_nip else "",
            today=today,
            links=links,
            **template_context(report),
        )


def render_pdf(report: SkmReport, today: date) -> bytes:
    """The A4 document as a PDF."""
    return html_to_pdf(render_document(report, today))
