"""The SKM survey and its index (IKM, PermenPAN-RB 14/2017): exact arithmetic, grades, once only."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from complaints import ikm, workflow
from complaints.errors import DomainError, ValidationFailed
from complaints.extensions import db
from complaints.models import ComplaintEvent, SurveyResponse
from tests.conftest import MakeComplaint


def sums(*values: int) -> dict[str, int]:
    return dict(zip(ikm.ELEMENT_NAMES, values, strict=True))


def test_a_worked_example() -> None:
    # Four respondents. Per element, the answers and their mean:
    #   requirements 4 4 3 3 → 3.50    procedure 3 3 3 3 → 3.00   time 4 3 2 3 → 3.00
    #   cost 4 4 4 4 → 4.00            product 3 3 4 4 → 3.50     competence 4 4 4 3 → 3.75
    #   conduct 4 4 4 4 → 4.00         facilities 2 3 3 2 → 2.50  complaints 3 3 3 4 → 3.25
    # Σ means = 30.50; × 1/9 = 3.3889; × 25 = 84.72 → B (Baik)
    result = ikm.compute(4, sums(14, 12, 12, 16, 14, 15, 16, 10, 13))
    assert result.value == Decimal("84.72")
    assert (result.grade, result.grade_name) == ("B", "Baik")
    assert result.element_means["facilities"] == Fraction(5, 2)
    assert ikm.exact_value(4, sums(14, 12, 12, 16, 14, 15, 16, 10, 13)) == Fraction(30500, 360)


def test_the_exact_ninth_not_0_11() -> None:
    # Twenty respondents whose every element averages 3.55 (71 points).
    respondents, element_sums = 20, sums(*[71] * 9)
    exact = ikm.compute(respondents, element_sums)
    assert (exact.value, exact.grade) == (Decimal("88.75"), "A")
    # The pitfall: weighting each element by 0.11 instead of 1/9 loses 1 % of the index
    # and drops this unit a grade.
    rounded_weight = sum(Decimal(71) / 20 * Decimal("0.11") for _ in range(9)) * 25
    assert rounded_weight.quantize(Decimal("0.01")) == Decimal("87.86")
    assert ikm.grade_of(rounded_weight.quantize(Decimal("0.01")))[0] == "B"
    # And everyone answering 4 is exactly 100, not 99.
    assert ikm.compute(3, sums(*[12] * 9)).value == Decimal("100.00")


@pytest.mark.parametrize(
    ("value", "grade"),
    [
        ("100.00", "A"),
        ("88.31", "A"),
        ("88.30", "B"),
        ("76.61", "B"),
        ("76.60", "C"),
        ("65.00", "C"),
        ("64.99", "D"),
        ("25.00", "D"),
    ],
)
def test_grade_boundaries(value: str, grade: str) -> None:
    assert ikm.grade_of(Decimal(value))[0] == grade


def test_the_value_is_rounded_half_up_before_grading() -> None:
    assert ikm.rounded(Fraction(88305, 1000)) == Decimal("88.31")
    assert ikm.rounded(Fraction(88304, 1000)) == Decimal("88.30")


def test_no_respondents_no_index() -> None:
    empty = ikm.compute(0, {})
    assert (empty.value, empty.grade, empty.respondents) == (None, None, 0)


@pytest.mark.parametrize(("answer", "on_five"), [(1, 1), (2, 2), (3, 4), (4, 5)])
def test_the_one_to_five_summary(answer: int, on_five: int) -> None:
    assert ikm.satisfaction_on_five(sums(*[answer] * 9)) == on_five


def test_the_service_writes_one_response_with_the_unit(make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="resolved", category_code="waste")
    answers = sums(4, 4, 3, 3, 4, 4, 4, 2, 3)
    workflow.rate_complaint(complaint, answers, "  Terima kasih  ")
    workflow.commit()
    response = db.session.scalar(select(SurveyResponse))
    assert response is not None
    assert response.unit_id == complaint.unit_id and response.unit_id is not None
    assert (response.facilities, response.comment) == (2, "Terima kasih")
    event = db.session.scalars(select(ComplaintEvent).order_by(ComplaintEvent.id.desc())).first()
    assert event is not None and event.kind == "rating" and event.actor_label == "citizen"
    assert event.data == {"survey": answers}
    with pytest.raises(DomainError):
        workflow.rate_complaint(complaint, answers)


def test_out_of_scale_answers_or_none_at_all_are_refused(make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="closed")
    with pytest.raises(ValidationFailed) as failure:
        workflow.rate_complaint(complaint, {**sums(*[3] * 9), "cost": 5, "conduct": 0})
    assert set(failure.value.fields) == {"cost", "conduct"}
    with pytest.raises(ValidationFailed):
        workflow.rate_complaint(complaint, dict.fromkeys(ikm.ELEMENT_NAMES))
    with pytest.raises(ValidationFailed) as failure:
        workflow.rate_complaint(complaint, sums(*[3] * 9), profile={"respondent_sex": "x"})
    assert set(failure.value.fields) == {"respondent_sex"}


def test_skipped_questions_are_stored_as_null_with_the_profile(
    make_complaint: MakeComplaint,
) -> None:
    complaint = make_complaint(status="resolved")
    answers: dict[str, int | None] = {**sums(4, 4, 3, 3, 4, 4, 4, 2, 3), "cost": None}
    del answers["product"]  # absent is skipped too
    profile = {"respondent_sex": "female", "respondent_age": "30_39", "respondent_education": ""}
    workflow.rate_complaint(complaint, answers, profile=profile)
    workflow.commit()
    response = db.session.scalar(select(SurveyResponse))
    assert response is not None
    assert (response.cost, response.product, response.facilities) == (None, None, 2)
    assert (response.respondent_sex, response.respondent_age) == ("female", "30_39")
    assert (response.respondent_education, response.respondent_occupation) == (None, None)
    # 4 4 3 4 4 2 3 → mean 24/7 → 1 + (17/7) × 4/3 = 4.24 → 4
    assert complaint.satisfaction == 4


def test_each_element_is_averaged_over_those_who_answered_it() -> None:
    # Three respondents; cost answered by one (4), facilities by two (2 and 3).
    result = ikm.compute(
        3,
        sums(12, 9, 9, 4, 9, 9, 12, 5, 9),
        {**dict.fromkeys(ikm.ELEMENT_NAMES, 3), "cost": 1, "facilities": 2},
    )
    assert result.element_means["cost"] == 4 and result.element_means["facilities"] == Fraction(
        5, 2
    )
    # Σ NRR = 4 + 3 + 3 + 4 + 3 + 3 + 4 + 2.5 + 3 = 29.5; × 1/9 × 25 = 81.94 → B
    assert (result.value, result.grade, result.reason) == (Decimal("81.94"), "B", None)


def test_an_element_nobody_answered_leaves_no_index_and_says_why() -> None:
    counts = {**dict.fromkeys(ikm.ELEMENT_NAMES, 2), "cost": 0}
    result = ikm.compute(2, {**sums(*[8] * 9), "cost": 0}, counts)
    assert (result.value, result.grade, result.respondents) == (None, None, 2)
    assert (result.reason, result.unanswered) == ("element_unanswered", ("cost",))
    assert "cost" not in result.element_means and result.as_json()["unanswered"] == ["cost"]
    with pytest.raises(ValueError):
        ikm.exact_value(2, {**sums(*[8] * 9), "cost": 0}, counts)


def test_figures_without_answer_counts_count_every_respondent() -> None:
    assert ikm.compute(4, sums(14, 12, 12, 16, 14, 15, 16, 10, 13)).answers == dict.fromkeys(
        ikm.ELEMENT_NAMES, 4
    )


def test_an_open_complaint_cannot_be_rated(make_complaint: MakeComplaint) -> None:
    with pytest.raises(DomainError):
        workflow.rate_complaint(make_complaint(status="in_progress"), sums(*[4] * 9))
