"""Staff forms of the reports package: registering a walk-in or LAPOR! complaint, importing."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from complaints.intake import MAX_DESCRIPTION, MIN_DESCRIPTION
from complaints.models import Channel, Kind


class IntakeForm(FlaskForm):
    """A complaint staff register: a citizen at the desk, or one forwarded from SP4N-LAPOR!."""

    channel = RadioField(
        _l("Received"),
        choices=[
            SelectChoice(Channel.COUNTER.value, _l("At the front-office desk (walk-in)")),
            SelectChoice(Channel.LAPOR.value, _l("Forwarded from SP4N-LAPOR!")),
        ],
        default=Channel.COUNTER.value,
        validators=[DataRequired(_l("Choose how it was received."))],
    )
    lapor_id = StringField(
        _l("LAPOR! tracking id"),
        description=_l("Required for a complaint forwarded from SP4N-LAPOR!"),
        validators=[Optional(), Length(max=64)],
    )
    kind = RadioField(
        _l("Kind"),
        choices=[
            SelectChoice(Kind.COMPLAINT.value, _l("Complaint (pengaduan)")),
            SelectChoice(Kind.ASPIRATION.value, _l("Aspiration (aspirasi)")),
            SelectChoice(Kind.INFORMATION_REQUEST.value, _l("Information request")),
        ],
        default=Kind.COMPLAINT.value,
        validators=[DataRequired(_l("Choose a kind of report."))],
    )
    category = SelectField(
        _l("Topic"), validators=[DataRequired(_l("Choose a category."))], validate_choice=True
    )
    description = TextAreaField(
        _l("What happened?"),
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
    name = StringField(_l("Citizen's name (optional)"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone number (optional)"), validators=[Optional(), Length(max=32)])
    email = StringField(_l("E-mail (optional)"), validators=[Optional(), Length(max=254)])
    anonymous = BooleanField(
        _l("Anonymous"),
        description=_l("Only administrators will see the citizen's name and contact."),
    )
    confidential = BooleanField(
        _l("Confidential"), description=_l("Never shown on public pages or lists.")
    )
    # One token per form view: a double-submitted walk-in registers one complaint.
    submission_token = HiddenField()
    submit = SubmitField(_l("Register complaint"))


class LaporImportForm(FlaskForm):
    """A SP4N-LAPOR! export to preview (a dry run) or import; the same code as the CLI."""

    file = FileField(
        _l("LAPOR! export (.xlsx or .csv)"),
        description=_l("The file the SP4N-LAPOR! admin export gives, as it is."),
        validators=[FileRequired(_l("Choose the export file."))],
    )
    history = BooleanField(
        _l("These are past reports (history)"),
        description=_l(
            "Each report keeps the date it came in to LAPOR!, the unit it was passed to and"
            " its last status; nobody is sent anything and no deadline runs. Leave it unticked"
            " for new reports the front office will check and route here."
        ),
    )
    create_units = BooleanField(
        _l("Create the units that are missing"),
        description=_l(
            "With history: a unit named in the file that has no unit or other name here is"
            " created. Unticked, those reports are imported without a unit and the names are"
            " listed, so you can add them as other names of a unit and import again."
        ),
    )
    preview = SubmitField(_l("Preview"))
    submit = SubmitField(_l("Import"))
