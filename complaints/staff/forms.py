"""Staff console forms; every one carries a CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from complaints.auth import MIN_PASSWORD_LENGTH
from complaints.models import Kind, Priority


def kind_choices() -> list[SelectChoice]:
    """The three SP4N-LAPOR! kinds, as staff forms name them."""
    return [
        SelectChoice(Kind.COMPLAINT.value, _l("Complaint")),
        SelectChoice(Kind.ASPIRATION.value, _l("Aspiration")),
        SelectChoice(Kind.INFORMATION_REQUEST.value, _l("Information request")),
    ]


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    submit = SubmitField(_l("Sign in"))


class ResetRequestForm(FlaskForm):
    """Asking for a password-reset link by e-mail (the sign-in page's "forgot password")."""

    email = StringField(_l("E-mail"), validators=[DataRequired(), Email()])
    submit = SubmitField(_l("Send me a link"))


class NewPasswordForm(FlaskForm):
    """Choosing a password through a one-time reset link (no current password)."""

    new = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(),
            Length(min=MIN_PASSWORD_LENGTH, message=_l("At least %(min)d characters.")),
        ],
    )
    repeat = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new", _l("The passwords differ."))],
    )
    submit = SubmitField(_l("Set password"))


class PasswordForm(NewPasswordForm):
    """Changing one's own password: the current one first."""

    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    submit = SubmitField(_l("Change password"))


class CodeForm(FlaskForm):
    """The 6-digit code of an authenticator app (sign-in's second step, enrolment)."""

    code = StringField(
        _l("6-digit code from your authenticator app"),
        validators=[DataRequired(), Length(min=6, max=12)],
    )
    submit = SubmitField(_l("Continue"))


class VerifyForm(FlaskForm):
    unit = SelectField(_l("Route to unit"), validators=[DataRequired()])
    category = SelectField(_l("Category"), validators=[DataRequired()])
    kind = SelectField(_l("Kind"), choices=kind_choices())
    note = TextAreaField(_l("Internal note (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Verify and route"))


class RerouteForm(FlaskForm):
    """Moving a verified complaint to another unit: where to, and why (staff read it)."""

    # Not "unit": the page's verify form has that field.
    target_unit = SelectField(
        _l("Move to unit"),
        validators=[DataRequired(message=_l("Choose the unit that will handle it."))],
    )
    reason = TextAreaField(
        _l("Reason (staff read it; the citizen does not)"),
        validators=[
            DataRequired(message=_l("Say why it moves to another unit.")),
            Length(max=2000),
        ],
    )
    submit = SubmitField(_l("Move to another unit"))


class AssignForm(FlaskForm):
    assignee = SelectField(_l("Assign to"))
    submit = SubmitField(_l("Assign"))


class NoteForm(FlaskForm):
    """A free text: start-work note, public reply, internal note, resolution, reason."""

    body = TextAreaField(_l("Text"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save"))


class MergeForm(FlaskForm):
    duplicate_of = StringField(_l("Tracking code of the original complaint"))
    note = TextAreaField(_l("Internal note (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Merge"))


class PriorityForm(FlaskForm):
    priority = SelectField(
        _l("Priority"),
        choices=[
            SelectChoice(Priority.LOW.value, _l("Low")),
            SelectChoice(Priority.NORMAL.value, _l("Normal")),
            SelectChoice(Priority.HIGH.value, _l("High")),
            SelectChoice(Priority.URGENT.value, _l("Urgent")),
        ],
    )
    submit = SubmitField(_l("Change priority"))
