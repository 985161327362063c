"""The upload form of the document register (indicator 27), with a hint on every field."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from .documents import MAX_DOCUMENT_BYTES, MAX_NUMBER, MAX_TITLE


class DayField(DateField):
    """A date from ``<input type="date">``; an empty box is no date (not "not a valid date")."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = " ".join(str(value) for value in valuelist).strip() if valuelist else ""
        if not raw:
            self.data = None
            return
        try:
            self.data = date.fromisoformat(raw)
        except ValueError:
            self.data = None
            raise ValueError(_l("Enter a date like 31/01/2026.")) from None


class DocumentForm(FlaskForm):
    """A document for the assessment: what it is, its date and period, whose, the file."""

    kind = SelectField(
        _l("Type of document"),
        description=_l(
            "What the assessment asks for: the decree appointing the complaint team, the SOP "
            "or service notice, a periodic report, minutes of an evaluation meeting, a proof "
            "of publication (a screenshot of the website, a newspaper cutting), or another."
        ),
        validators=[DataRequired(_l("Choose the type of document."))],
        validate_choice=True,
    )
    title = StringField(
        _l("Title"),
        description=_l(
            "As written on the document, e.g. 'Keputusan Bupati tentang Tim Pengelola Pengaduan'."
        ),
        validators=[
            DataRequired(_l("Write the document's title.")),
            Length(max=MAX_TITLE, message=_l("Write at most %(max)d characters.")),
        ],
    )
    number = StringField(
        _l("Number (optional)"),
        description=_l("The decree's or letter's number, e.g. 188.45/KEP/BUP/123/2026."),
        validators=[
            Optional(),
            Length(max=MAX_NUMBER, message=_l("Write at most %(max)d characters.")),
        ],
    )
    document_date = DayField(
        _l("Date of the document"),
        description=_l("The day it was signed, held or published."),
        validators=[DataRequired(_l("Enter the document's date."))],
    )
    period_from = DayField(
        _l("Covers the period from (optional)"),
        description=_l(
            "For a periodic report or minutes: the first day of the period they cover. For a "
            "decree valid for one year only: the first day of that year. Leave empty otherwise."
        ),
    )
    period_to = DayField(
        _l("Covers the period to (optional)"),
        description=_l("The last day of that period."),
    )
    unit = SelectField(
        _l("Unit"),
        description=_l("Whole regency: the document counts for every unit's assessment."),
        validate_choice=True,
    )
    file = FileField(
        _l("File"),
        description=_l(
            "PDF, JPEG, PNG, DOCX, XLSX, ODT or ODS, at most %(size)d MB.",
            size=MAX_DOCUMENT_BYTES // (1024 * 1024),
        ),
        validators=[FileRequired(_l("Choose a file to upload."))],
    )
    submit = SubmitField(_l("Upload document"))

    def validate_period_to(self, field: DayField) -> None:
        """Both ends of the covered period or neither, in order (the register checks it too)."""
        if (self.period_from.data is None) != (field.data is None):
            raise ValidationError(
                _l("Give both the first and the last day of the period, or neither.")
            )
        if self.period_from.data and field.data and field.data < self.period_from.data:
            raise ValidationError(_l("The end of the period is before its start."))
