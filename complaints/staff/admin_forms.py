"""Forms of the admin pages (configuration): units, categories, policies, users, holidays."""

from __future__ import annotations

from typing import Any

from flask_babel import LazyString, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from complaints.assessment.letterhead import nip_problem
from complaints.auth import MIN_PASSWORD_LENGTH
from complaints.models import Role
from complaints.notify import mail_on

from .forms import kind_choices

CODE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9_-]*$", message=_l("Letters, digits, - and _ only."))
DAYS = NumberRange(min=1, max=365)


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    parent = SelectField(_l("Reports to (supervisor chain)"), validators=[Optional()])
    is_regency_level = BooleanField(_l("Regency level (receives level-2 escalations)"))
    is_front_office = BooleanField(_l("Front office (sees the intake desk)"))
    active = BooleanField(_l("Active"), default=True)
    aliases = TextAreaField(
        _l("Other names (one per line)"),
        description=_l(
            "How SP4N-LAPOR! and people write this unit's name, e.g. Dinas PUPR Kab. Bone "
            "Bolango: the LAPOR! import finds the unit by any of them."
        ),
        validators=[Optional(), Length(max=5000)],
    )
    submit = SubmitField(_l("Save"))


class CategoryForm(FlaskForm):
    code = StringField(
        _l("Code (Open311 service_code)"), validators=[DataRequired(), Length(max=64), CODE]
    )
    name_id = StringField(_l("Name in Indonesian"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])
    default_unit = SelectField(_l("Routed to unit"), validators=[DataRequired()])
    sla_policy = SelectField(_l("SLA policy"), validators=[DataRequired()])
    default_kind = SelectField(_l("Default kind"), choices=kind_choices())
    keywords = StringField(
        _l("Keywords for SMS routing (space-separated)"), validators=[Optional(), Length(max=2000)]
    )
    sort_order = IntegerField(_l("Order"), default=100, validators=[NumberRange(0, 10_000)])
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))


class PolicyForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32), CODE])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    verify_days = IntegerField(_l("Working days to verify"), validators=[DAYS])
    response_days = IntegerField(_l("Working days to first response"), validators=[DAYS])
    resolve_days = IntegerField(_l("Working days to resolve"), validators=[DAYS])
    urgent_resolve_days = IntegerField(
        _l("Working days to resolve when urgent"), validators=[Optional(), DAYS]
    )
    confirm_days = IntegerField(_l("Working days for the citizen to confirm"), validators=[DAYS])
    reminder_percent = IntegerField(
        _l("Remind at this percentage of a deadline"), validators=[NumberRange(1, 99)]
    )
    level2_after_days = IntegerField(
        _l("Working days after a deadline before the regency level is told"),
        validators=[NumberRange(0, 365)],
    )
    source = TextAreaField(_l("Legal basis"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save"))


def _access_help() -> str:
    """How the first sign-in choices work, as things are now: an invitation is mailed to
    the person while outbound mail is on (complaints.staff.link_mail), else shown to the
    admin to pass on."""
    if mail_on():
        return gettext(
            "An invitation is a link we e-mail to the person: they choose their own password "
            "with it within 7 days. A temporary password you give them yourself; they must "
            "replace it at their first sign-in."
        )
    return gettext(
        "An invitation is a link, shown to you once, that you pass on to the person: they "
        "choose their own password with it within 7 days. A temporary password you give "
        "them yourself; they must replace it at their first sign-in."
    )


class UserForm(FlaskForm):
    INVITE = "invite"
    TEMPORARY = "temporary"

    email = StringField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    role = SelectField(
        _l("Role"),
        choices=[
            SelectChoice(Role.OFFICER.value, _l("Officer")),
            SelectChoice(Role.SUPERVISOR.value, _l("Supervisor")),
            SelectChoice(Role.ADMIN.value, _l("Administrator")),
        ],
    )
    unit = SelectField(_l("Unit"), validators=[Optional()])
    phone = StringField(_l("Phone (for SMS notices)"), validators=[Optional(), Length(max=32)])
    # Only on a new account's form (the edit page removes it).
    access = RadioField(
        _l("First sign-in"),
        choices=[
            SelectChoice(INVITE, _l("Send an invitation link")),
            SelectChoice(TEMPORARY, _l("Set a temporary password")),
        ],
        default=INVITE,
        description=LazyString(lambda: _access_help()),
    )
    password = PasswordField(
        _l("Password (leave empty to keep)"),
        validators=[
            Optional(),
            Length(min=MIN_PASSWORD_LENGTH, message=_l("At least %(min)d characters.")),
        ],
    )
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        chosen = self.access.data if "access" in self else None
        if chosen == self.TEMPORARY and not self.password.data:
            self.password.errors = [
                *self.password.errors,
                _l("Type the temporary password, or choose to send an invitation link."),
            ]
            return False
        return valid


class HolidayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired()])
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Add holiday"))


class CannedReplyForm(FlaskForm):
    category = SelectField(_l("Category (empty: all)"), validators=[Optional()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body_id = TextAreaField(_l("Text in Indonesian"), validators=[DataRequired(), Length(max=5000)])
    body_en = TextAreaField(_l("Text in English"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Save"))


class ConfirmForm(FlaskForm):
    """An empty form: a CSRF-protected button (delete, retry)."""

    submit = SubmitField(_l("Confirm"))


class ErasureForm(FlaskForm):
    """Erasing a reporter's personal data: a reason is required, and a deliberate tick."""

    reason = TextAreaField(
        _l("Reason for the erasure"), validators=[DataRequired(), Length(max=1000)]
    )
    confirm = BooleanField(
        _l("I understand the name and contact details cannot be restored."),
        validators=[DataRequired()],
    )
    # The person's other complaints (same phone, e-mail, NIK or Telegram chat).
    everything = BooleanField()
    submit = SubmitField(_l("Erase personal data"))


class BlockForm(FlaskForm):
    channel = SelectField(
        _l("Channel"),
        choices=[
            SelectChoice("sms", "SMS"),
            SelectChoice("whatsapp", "WhatsApp"),
            SelectChoice("telegram", "Telegram"),
        ],
    )
    address = StringField(
        _l("Phone number or chat id"), validators=[DataRequired(), Length(max=128)]
    )
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Block"))


class LetterheadForm(FlaskForm):
    """The letterhead and usual signer of printed documents, each field with its hint."""

    government_name = StringField(
        _l("Government"),
        description=_l("The first line of the letterhead, e.g. PEMERINTAH KABUPATEN BONE BOLANGO."),
        validators=[DataRequired(_l("Write the government's name.")), Length(max=200)],
    )
    office_name = StringField(
        _l("Issuing office"),
        description=_l(
            "The office that issues complaint documents, printed under the government, e.g. "
            "DINAS KOMUNIKASI, INFORMATIKA DAN PERSANDIAN."
        ),
        validators=[Optional(), Length(max=200)],
    )
    address = StringField(
        _l("Address"),
        description=_l("Street, village, district and postal code, as printed under the name."),
        validators=[Optional(), Length(max=300)],
    )
    phone = StringField(
        _l("Telephone"),
        description=_l("As printed, e.g. (0435) 881234."),
        validators=[Optional(), Length(max=64)],
    )
    email = StringField(
        _l("E-mail"),
        description=_l("The office's address for letters, e.g. diskominfo@bonebolangokab.go.id."),
        validators=[Optional(), Email(_l("This is not an e-mail address.")), Length(max=254)],
    )
    website = StringField(
        _l("Website"),
        description=_l("e.g. bonebolangokab.go.id"),
        validators=[Optional(), Length(max=200)],
    )
    logo = FileField(
        _l("Logo"),
        description=_l(
            "A PNG or JPEG picture of at most 1 MB, printed at the left of the letterhead. A "
            "large picture is made smaller (600 pixels at most); a PNG keeps its transparency."
        ),
    )
    remove_logo = BooleanField(_l("Remove the logo"))
    signer_name = StringField(
        _l("Signer's name"),
        description=_l("With titles, as printed under the signature, e.g. Drs. Andi Hasan, M.Si."),
        validators=[Optional(), Length(max=200)],
    )
    signer_nip = StringField(
        _l("Signer's NIP"),
        description=_l(
            "The civil servant's ID number: 18 digits, beginning with the date of birth. Spaces "
            "are allowed and removed."
        ),
        validators=[Optional(), Length(max=32)],
    )
    signer_position = StringField(
        _l("Signer's position"),
        description=_l("As printed above the signature, e.g. Kepala Dinas."),
        validators=[Optional(), Length(max=200)],
    )
    place = StringField(
        _l("Place of signing"),
        description=_l("The town printed before the date, e.g. Suwawa."),
        validators=[DataRequired(_l("Write the place of signing.")), Length(max=100)],
    )
    number_code = StringField(
        _l("Code in document numbers"),
        description=_l(
            "The middle part of a dossier's number, e.g. ADUAN in 003/ADUAN/XII/2026. Letters, "
            "digits, dots and hyphens."
        ),
        validators=[
            DataRequired(_l("Write the code of document numbers.")),
            Length(max=32),
            Regexp(r"^[A-Za-z0-9][A-Za-z0-9.-]*$", message=_l("Letters, digits, . and - only.")),
        ],
    )
    submit = SubmitField(_l("Save"))

    def validate_signer_nip(self, field: StringField) -> None:
        problem = nip_problem(field.data or "") if (field.data or "").strip() else None
        if problem:
            raise ValidationError(problem)
