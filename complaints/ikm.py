"""The community satisfaction index (IKM) of the SKM survey, PermenPAN-RB 14/2017.

Each respondent scores nine service elements on a 1–4 scale. The index of a
unit over a period is

    IKM = (Σ over the 9 elements of the element's mean score × 1/9) × 25

which ranges from 25 (all 1) to 100 (all 4). The regulation's worked example
writes the weight as 0.111; this module uses the exact fraction 1/9 (with
``fractions.Fraction``), because a rounded weight shifts every index down —
with 0.11 a unit that answered 4 everywhere would get 99, not 100 — and can
move a unit across a grade boundary. The value is rounded half-up to two
decimals only at the end, and the grade is read from that rounded value, so
the published figure and its grade always agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l

# The nine elements, in the regulation's order: (column of SurveyResponse, label).
ELEMENTS: tuple[tuple[str, Any], ...] = (
    ("requirements", _l("Requirements")),
    ("procedure", _l("Procedure")),
    ("timeliness", _l("Service time")),
    ("cost", _l("Cost or fees")),
    ("product", _l("Service product")),
    ("competence", _l("Staff competence")),
    ("conduct", _l("Staff conduct")),
    ("facilities", _l("Facilities")),
    ("complaint_handling", _l("Handling of complaints, suggestions and feedback")),
)
ELEMENT_NAMES: tuple[str, ...] = tuple(name for name, _label in ELEMENTS)
WEIGHT = Fraction(1, len(ELEMENTS))
SCALE = 25
MIN_SCORE, MAX_SCORE = 1, 4

# (lowest rounded value, grade, the regulation's Indonesian name, English label)
GRADES: tuple[tuple[Decimal, str, str, Any], ...] = (
    (Decimal("88.31"), "A", "Sangat Baik", _l("Very good")),
    (Decimal("76.61"), "B", "Baik", _l("Good")),
    (Decimal("65.00"), "C", "Kurang Baik", _l("Less than good")),
    (Decimal("25.00"), "D", "Tidak Baik", _l("Not good")),
)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Ikm:
    """The index of one group of respondents; ``value`` is None without respondents."""

    value: Decimal | None
    grade: str | None
    grade_name: str | None
    respondents: int
    element_means: dict[str, Fraction]

    def as_json(self) -> dict[str, Any]:
        return {
            "value": float(self.value) if self.value is not None else None,
            "grade": self.grade,
            "grade_name": self.grade_name,
            "respondents": self.respondents,
            "elements": {name: round(float(mean), 4) for name, mean in self.element_means.items()},
        }


def exact_value(respondents: int, element_sums: Mapping[str, int]) -> Fraction:
    """IKM as an exact fraction from the number of respondents and each element's sum."""
    if respondents <= 0:
        raise ValueError("an index needs at least one respondent")
    means = (Fraction(element_sums[name], respondents) for name in ELEMENT_NAMES)
    return sum((mean * WEIGHT for mean in means), Fraction(0)) * SCALE


def rounded(value: Fraction) -> Decimal:
    """Round half-up to two decimals, the precision the grade table is written in."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        _CENT, rounding=ROUND_HALF_UP
    )


def grade_of(value: Decimal) -> tuple[str, str]:
    """(letter, Indonesian name) of a rounded IKM value."""
    for lowest, letter, name, _label in GRADES:
        if value >= lowest:
            return letter, name
    raise ValueError(f"an IKM value is at least 25, got {value}")


def grade_label(letter: str | None) -> Any:
    """The translated label of a grade letter, for pages."""
    for _lowest, grade, _name, label in GRADES:
        if grade == letter:
            return label
    return ""


def compute(respondents: int, element_sums: Mapping[str, int]) -> Ikm:
    """The IKM of a group: exact arithmetic, rounded once, graded from the rounded value."""
    if respondents <= 0:
        return Ikm(None, None, None, 0, {})
    value = rounded(exact_value(respondents, element_sums))
    letter, name = grade_of(value)
    means = {name: Fraction(element_sums[name], respondents) for name in ELEMENT_NAMES}
    return Ikm(value, letter, name, respondents, means)


def satisfaction_on_five(answers: Mapping[str, int]) -> int:
    """A 1–5 summary of one response (the old ``Complaint.satisfaction`` scale).

    The mean of the nine 1–4 answers is mapped linearly onto 1–5 and rounded
    half-up: all 1 → 1, all 4 → 5.
    """
    mean = Fraction(sum(answers[name] for name in ELEMENT_NAMES), len(ELEMENT_NAMES))
    on_five = 1 + (mean - 1) * Fraction(4, 3)
    return int(rounded(on_five).quantize(Decimal(1), rounding=ROUND_HALF_UP))
