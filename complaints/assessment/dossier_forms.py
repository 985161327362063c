"""The form that issues an evidence dossier: period, unit and the signing official."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

# An NIP is 18 digits; people write it with spaces ("19700101 199503 1 001").
NIP = Regexp(r"^[0-9 ]*$", message=_l("Digits only (spaces allowed)."))


class DossierForm(FlaskForm):
    period = SelectField(
        _l("Period"),
        description=_l("A month, quarter, semester or year; or choose 'Other dates'."),
        validators=[DataRequired(_l("Choose a period."))],
    )
    start = DateField(
        _l("First day (other dates only)"),
        validators=[Optional()],
        render_kw={"autocomplete": "off"},
    )
    end = DateField(
        _l("Last day (other dates only)"),
        validators=[Optional()],
        render_kw={"autocomplete": "off"},
    )
    unit = SelectField(_l("Unit"), validate_choice=True)
    signer_name = StringField(
        _l("Name of the signing official"),
        validators=[DataRequired(_l("Write the name of who signs.")), Length(max=200)],
    )
    signer_nip = StringField(
        _l("NIP of the signing official"), validators=[Optional(), Length(max=32), NIP]
    )
    signer_position = StringField(
        _l("Position of the signing official"),
        validators=[DataRequired(_l("Write the position of who signs.")), Length(max=200)],
    )
    place = StringField(
        _l("Place of signing"),
        validators=[DataRequired(_l("Write where it is signed.")), Length(max=100)],
    )
    sign_date = DateField(
        _l("Date of signing"), validators=[DataRequired(_l("Give the date of signing."))]
    )
    show = SubmitField(_l("Issue and show the print page"))
    pdf = SubmitField(_l("Issue and download the PDF"))
