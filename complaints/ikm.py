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

A citizen may skip a question that does not apply to them ("tidak berlaku",
stored as NULL). Each element's mean (NRR, nilai rata-rata) is then over those
who answered that element, as the guideline's "nilai rata-rata per unsur" is
the total of the element's scores over its answers. The index keeps the nine
equal weights of 1/9: the guideline weighs every element surveyed the same, and
this survey asks all nine. So when *no* respondent of a group answered some
element, that group has no IKM: a mean over eight elements would be a different
index wearing the same name, and giving the missing element any score would
invent answers nobody gave. The result says so (``reason`` and ``unanswered``)
instead of showing a number.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from flask_babel import lazy_gettext as _l

from complaints.models import (
    RespondentAge,
    RespondentEducation,
    RespondentOccupation,
    RespondentSex,
)

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
# The optional respondent profile the guideline asks for: (SurveyResponse column, values).
PROFILE_QUESTIONS: tuple[tuple[str, type[enum.StrEnum]], ...] = (
    ("respondent_sex", RespondentSex),
    ("respondent_age", RespondentAge),
    ("respondent_education", RespondentEducation),
    ("respondent_occupation", RespondentOccupation),
)
PROFILE_COLUMNS: tuple[str, ...] = tuple(column for column, _values in PROFILE_QUESTIONS)
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


NO_RESPONDENTS = "no_respondents"
ELEMENT_UNANSWERED = "element_unanswered"


@dataclass(frozen=True)
class Ikm:
    """The index of one group of respondents.

    ``value`` is None without respondents (``reason`` "no_respondents") or when
    an element has no answer at all (``reason`` "element_unanswered", the
    elements in ``unanswered``). ``element_means`` holds the elements that
    were answered, each over its own ``answers`` count.
    """

    value: Decimal | None
    grade: str | None
    grade_name: str | None
    respondents: int
    element_means: dict[str, Fraction]
    answers: dict[str, int] = field(default_factory=dict)
    unanswered: tuple[str, ...] = ()

    @property
    def reason(self) -> str | None:
        """Why there is no value, or None when there is one."""
        if self.respondents <= 0:
            return NO_RESPONDENTS
        if self.unanswered:
            return ELEMENT_UNANSWERED
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "value": float(self.value) if self.value is not None else None,
            "grade": self.grade,
            "grade_name": self.grade_name,
            "respondents": self.respondents,
            "elements": {name: round(float(mean), 4) for name, mean in self.element_means.items()},
            "answers": dict(self.answers),
            "unanswered": list(self.unanswered),
            "reason": self.reason,
        }


def _answer_counts(respondents: int, element_counts: Mapping[str, int] | None) -> dict[str, int]:
    """Each element's number of answers; every respondent's when counts are not known.

    Figures read before questions could be skipped carry no counts: then every
    respondent answered every element.
    """
    known = element_counts or {}
    return {name: int(known.get(name, respondents)) for name in ELEMENT_NAMES}


def element_means(
    respondents: int, element_sums: Mapping[str, int], element_counts: Mapping[str, int] | None
) -> dict[str, Fraction]:
    """NRR per answered element: its sum over its own number of answers (exact)."""
    counts = _answer_counts(respondents, element_counts)
    return {
        name: Fraction(int(element_sums[name]), counts[name])
        for name in ELEMENT_NAMES
        if counts[name] > 0
    }


def exact_value(
    respondents: int,
    element_sums: Mapping[str, int],
    element_counts: Mapping[str, int] | None = None,
) -> Fraction:
    """IKM as an exact fraction: Σ NRR × 1/9 × 25, each NRR over that element's answers."""
    if respondents <= 0:
        raise ValueError("an index needs at least one respondent")
    means = element_means(respondents, element_sums, element_counts)
    if len(means) < len(ELEMENT_NAMES):
        raise ValueError("an index needs at least one answer for every element")
    return sum((mean * WEIGHT for mean in means.values()), Fraction(0)) * SCALE


def converted(mean: Fraction) -> Decimal:
    """An element's mean on the index's 25–100 scale (nilai interval konversi), rounded."""
    return rounded(mean * SCALE)


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


def compute(
    respondents: int,
    element_sums: Mapping[str, int],
    element_counts: Mapping[str, int] | None = None,
) -> Ikm:
    """The IKM of a group: exact arithmetic, rounded once, graded from the rounded value.

    ``element_counts`` is each element's number of answers (skipped ones left
    out); without it every respondent answered every element.
    """
    if respondents <= 0:
        return Ikm(None, None, None, 0, {})
    counts = _answer_counts(respondents, element_counts)
    means = element_means(respondents, element_sums, counts)
    unanswered = tuple(name for name in ELEMENT_NAMES if counts[name] <= 0)
    if unanswered:
        return Ikm(None, None, None, respondents, means, counts, unanswered)
    value = rounded(exact_value(respondents, element_sums, counts))
    letter, name = grade_of(value)
    return Ikm(value, letter, name, respondents, means, counts)


def satisfaction_on_five(answers: Mapping[str, int | None]) -> int:
    """A 1–5 summary of one response (the old ``Complaint.satisfaction`` scale).

    The mean of the answered elements (1–4; skipped ones left out) is mapped
    linearly onto 1–5 and rounded half-up: all 1 → 1, all 4 → 5.
    """
    given = [int(score) for name in ELEMENT_NAMES if (score := answers.get(name)) is not None]
    if not given:
        raise ValueError("a summary needs at least one answer")
    mean = Fraction(sum(given), len(given))
    on_five = 1 + (mean - 1) * Fraction(4, 3)
    return int(rounded(on_five).quantize(Decimal(1), rounding=ROUND_HALF_UP))
