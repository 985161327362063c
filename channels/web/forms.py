"""Citizen forms. Labels and messages are lazy so they follow the chosen language."""

from __future__ import annotations

from flask import current_app
from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from complaints import labels
from complaints.districts import all_kecamatan
from complaints.ikm import ELEMENT_NAMES, PROFILE_COLUMNS
from complaints.intake import MAX_DESCRIPTION, MIN_DESCRIPTION
from complaints.models import Kind

from .reach import citizen_channels


def _kecamatan_choices() -> list[SelectChoice]:
    return [SelectChoice("", _l("— Choose a kecamatan —"))] + [
        SelectChoice(kecamatan.name) for kecamatan in all_kecamatan()
    ]


def _desa_choices() -> list[SelectChoice]:
    """Every desa and kelurahan, grouped by kecamatan (the form's script shows one group)."""
    return [SelectChoice("", _l("— Choose a desa or kelurahan —"))] + [
        SelectChoice(village, optgroup=kecamatan.name)
        for kecamatan in all_kecamatan()
        for village in kecamatan.villages
    ]


def _phone_hint() -> str:
    """Promise SMS updates only while SMS can be sent."""
    if citizen_channels(current_app).sms_updates:
        return gettext("We send updates by SMS. Example: 0812 3456 7890")
    return gettext("Officers may call you if they need more details. Example: 0812 3456 7890")


class ComplaintForm(FlaskForm):
    kind = RadioField(
        _l("What kind of report is this?"),
        choices=[
            SelectChoice(Kind.COMPLAINT.value, _l("Complaint (pengaduan) — something is wrong")),
            SelectChoice(Kind.ASPIRATION.value, _l("Aspiration (aspirasi) — a suggestion or wish")),
            SelectChoice(
                Kind.INFORMATION_REQUEST.value, _l("Information request — you need to know")
            ),
        ],
        default=Kind.COMPLAINT.value,
        validators=[DataRequired(_l("Choose a kind of report."))],
    )
    category = SelectField(
        _l("Topic"), validators=[DataRequired(_l("Choose a category."))], validate_choice=True
    )
    description = TextAreaField(
        _l("What happened?"),
        description=_l("Where, when, and what you expect the government to do."),
        validators=[
            DataRequired(_l("Please describe the problem.")),
            Length(
                min=MIN_DESCRIPTION,
                max=MAX_DESCRIPTION,
                message=_l("Write between %(min)d and %(max)d characters."),
            ),
        ],
    )
    address = StringField(
        _l("Address or place (optional)"), validators=[Optional(), Length(max=500)]
    )
    # Checked by intake against the regency's list, which words the refusal.
    kecamatan = SelectField(
        _l("Kecamatan (optional)"), choices=lambda: _kecamatan_choices(), validate_choice=False
    )
    desa = SelectField(
        _l("Desa or kelurahan (optional)"), choices=lambda: _desa_choices(), validate_choice=False
    )
    lat = DecimalField(
        _l("Latitude (optional)"),
        places=None,
        validators=[Optional(), NumberRange(-90, 90, _l("Latitude must be between -90 and 90."))],
    )
    lon = DecimalField(
        _l("Longitude (optional)"),
        places=None,
        validators=[
            Optional(),
            NumberRange(-180, 180, _l("Longitude must be between -180 and 180.")),
        ],
    )
    photos = MultipleFileField(
        _l("Photos (optional)"), description=_l("Up to 5 photos, at most 10 MB each.")
    )
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=200)])
    phone = StringField(
        _l("Phone number (optional)"),
        description=LazyString(_phone_hint),
        validators=[Optional(), Length(max=32)],
    )
    email = StringField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)])
    anonymous = BooleanField(
        _l("Anonymous"),
        description=_l(
            "Staff handling your report will not see your name or contact. Only system "
            "administrators can, and your contact is used only to send you updates."
        ),
    )
    confidential = BooleanField(
        _l("Confidential"),
        description=_l(
            "Your report will never appear on public pages or lists. Only you, with the "
            "tracking code, and the staff can see it."
        ),
    )
    # One token per form view: a double-submitted form creates one complaint.
    submission_token = HiddenField()
    submit = SubmitField(_l("Send report"))


class TrackForm(FlaskForm):
    class Meta:
        csrf = False  # a GET lookup changes nothing

    code = StringField(
        _l("Tracking code"), validators=[DataRequired(_l("Enter your tracking code."))]
    )
    submit = SubmitField(_l("Check status"))


SKIPPED = "na"  # the answer "tidak berlaku / tidak menjawab": stored as NULL


def _skm_question(question: object) -> RadioField:
    """One SKM element on the regulation's 1–4 scale (best first), or skipped as not applying."""
    return RadioField(
        question,
        choices=[
            SelectChoice("4", _l("4 — very good")),
            SelectChoice("3", _l("3 — good")),
            SelectChoice("2", _l("2 — less than good")),
            SelectChoice("1", _l("1 — not good")),
            SelectChoice(SKIPPED, _l("Does not apply / no answer")),
        ],
        validators=[Optional()],
    )


def _profile_question(column: str) -> SelectField:
    """One optional question of the respondent profile, left blank by default."""
    answers = labels.RESPONDENT_ANSWERS[column]
    return SelectField(
        labels.RESPONDENT_QUESTIONS[column],
        choices=[
            SelectChoice("", _l("— Not given —")),
            *(SelectChoice(value, words) for value, words in answers.items()),
        ],
        validators=[Optional()],
    )


# The nine elements of PermenPAN-RB 14/2017, named as SurveyResponse's columns.
SKM_QUESTIONS = {
    "requirements": _l("Requirements: were they clear and appropriate?"),
    "procedure": _l("Procedure: was it easy to follow?"),
    "timeliness": _l("Service time: was your report handled quickly enough?"),
    "cost": _l("Cost: was it free or fair, as announced?"),
    "product": _l("Result: did you get what the service promised?"),
    "competence": _l("Staff competence: did the staff know their work?"),
    "conduct": _l("Staff conduct: were the staff polite and helpful?"),
    "facilities": _l("Facilities: were the ways to reach us adequate?"),
    "complaint_handling": _l("Complaint handling: how was your report handled?"),
}


class SurveyForm(FlaskForm):
    """The SKM survey's fields: nine questions, each skippable, and the optional profile.

    A question left blank or answered "does not apply" is stored as NULL; the
    survey is stored when at least one question is answered.
    """

    comment = TextAreaField(_l("Comment (optional)"), validators=[Optional(), Length(max=2000)])

    element_names = ELEMENT_NAMES
    profile_names = PROFILE_COLUMNS

    def survey_answers(self) -> dict[str, int | None] | None:
        """The nine answers (None where skipped), or None when no question was answered."""
        given = {name: self[name].data for name in ELEMENT_NAMES}
        answers = {
            name: int(value) if value and value != SKIPPED else None
            for name, value in given.items()
        }
        if all(score is None for score in answers.values()):
            return None
        return answers

    def profile(self) -> dict[str, str | None]:
        """The respondent profile as given, None where left out."""
        return {name: self[name].data or None for name in PROFILE_COLUMNS}


# Set before the subclasses exist, so that they inherit the fields.
for _name, _question in SKM_QUESTIONS.items():
    setattr(SurveyForm, _name, _skm_question(_question))
for _column in PROFILE_COLUMNS:
    setattr(SurveyForm, _column, _profile_question(_column))


class RateForm(SurveyForm):
    """The SKM survey on its own (after the report closed)."""

    submit = SubmitField(_l("Send answers"))


class ConfirmForm(SurveyForm):
    """Is it resolved? — with the SKM survey on the same submit; a "No" ignores the survey."""

    decision = RadioField(
        _l("Is the problem resolved?"),
        choices=[
            SelectChoice("confirm", _l("Yes, it is resolved")),
            SelectChoice("reopen", _l("No, it is not resolved")),
        ],
        validators=[DataRequired(_l("Choose an answer."))],
    )
    reason = TextAreaField(
        _l("If not, what is still wrong?"), validators=[Optional(), Length(max=2000)]
    )
    submit = SubmitField(_l("Send answer"))
