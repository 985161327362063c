"""A staff member's own settings: SMS number, Telegram link, language, where notices go,
two-step sign-in."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from channels.telegram.linking import issue_link_code
from complaints import clock, two_step
from complaints.extensions import db
from complaints.intake import normalize_phone
from complaints.labels import channel_label
from complaints.models import User
from complaints.notify import staff_reachable

from .admin_forms import ConfirmForm
from .forms import CodeForm
from .views import audit, bp, staff_user


class ProfileForm(FlaskForm):
    phone = StringField(
        _l("Phone for SMS notices"),
        validators=[Optional(), Length(max=32)],
    )
    locale = SelectField(
        _l("Language of notices"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
    )
    # Checkboxes of the channels this person can be reached on (see _notice_form).
    notice_channels = SelectMultipleField(
        _l("Send my notices by"),
        choices=[],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    submit = SubmitField(_l("Save"))


def _profile_form(user: User) -> ProfileForm:
    """The form, its notice checkboxes offering only the channels ``user`` is reached on,
    ticked as stored (no choice stored: all of them)."""
    form = ProfileForm(obj=user)
    reachable = staff_reachable(user)
    form.notice_channels.choices = [
        SelectChoice(channel, channel_label(channel)) for channel in reachable
    ]
    if not form.is_submitted():
        stored = user.notice_channels
        form.notice_channels.data = [
            channel for channel in reachable if stored is None or channel in stored
        ]
    return form


def _chosen_channels(user: User, form: ProfileForm) -> list[str] | None:
    """What to store: the ticked channels, keeping an earlier choice of one not offered now
    (Telegram unlinked for a while); None while nothing was offered."""
    offered = [choice.value for choice in form.notice_channels.choices or []]
    if not offered:
        return user.notice_channels
    ticked = [channel for channel in offered if channel in (form.notice_channels.data or [])]
    kept = [channel for channel in user.notice_channels or [] if channel not in offered]
    return ticked + kept


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    user = staff_user()
    form = _profile_form(user)
    if form.validate_on_submit():
        raw = (form.phone.data or "").strip()
        phone = normalize_phone(raw) if raw else None
        if raw and phone is None:
            form.phone.errors = [gettext("This is not a valid phone number.")]
        else:
            user.phone = phone
            user.locale = form.locale.data or "id"
            user.notice_channels = _chosen_channels(user, form)
            audit("profile_saved", user)
            db.session.commit()
            flash(gettext("Saved."), "success")
            return redirect(url_for("staff.profile"))
    return render_template(
        "staff/profile.html",
        form=form,
        link_form=ConfirmForm(),
        telegram_on=bool(current_app.config.get("TELEGRAM_BOT_TOKEN")),
        link_code=None,
    )


@bp.post("/profile/telegram")
@login_required
def profile_telegram_code() -> ResponseReturnValue:
    """Show a one-time code to send to the bot as ``/link CODE``."""
    user = staff_user()
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("staff.profile"))
    code = issue_link_code(user)
    audit("telegram_link_code_issued", user)
    db.session.commit()
    return render_template(
        "staff/profile.html",
        form=_profile_form(user),
        link_form=ConfirmForm(),
        telegram_on=bool(current_app.config.get("TELEGRAM_BOT_TOKEN")),
        link_code=code,
    )


@bp.post("/profile/telegram/unlink")
@login_required
def profile_telegram_unlink() -> Response:
    user = staff_user()
    if ConfirmForm().validate_on_submit() and user.telegram_chat_id:
        user.telegram_chat_id = None
        audit("telegram_unlinked", user)
        db.session.commit()
        flash(gettext("Telegram is no longer linked."), "success")
    return redirect(url_for("staff.profile"))


@bp.route("/profile/two-step", methods=["GET", "POST"])
@login_required
def two_step_setup() -> ResponseReturnValue:
    """Set up two-step sign-in: a new secret for the app, confirmed with one of its codes."""
    user = staff_user()
    form = CodeForm()
    required = two_step.required_for(user)
    if user.uses_two_step:
        return render_template(
            "staff/two_step.html",
            form=form,
            off_form=None if required else ConfirmForm(),
            two_step_required=required,
        )
    if user.totp_secret is None:
        user.totp_secret = two_step.new_secret()
        db.session.commit()
    secret = user.totp_secret
    if form.validate_on_submit():
        if two_step.accept_code(user, form.code.data or ""):
            user.totp_confirmed_at = clock.now()
            audit("two_step_enabled", user)
            db.session.commit()
            flash(
                gettext("Two-step sign-in is on: you will be asked for a code after the password."),
                "success",
            )
            return redirect(url_for("staff.profile"))
        form.code.errors = [gettext("The code is wrong or has expired. Try the next one.")]
    status = 422 if form.errors else 200
    uri = two_step.provisioning_uri(user, secret)
    return render_template(
        "staff/two_step.html",
        form=form,
        two_step_required=required,
        secret=secret,
        uri=uri,
        qr=two_step.qr_svg(uri, gettext("QR code for your authenticator app")),
    ), status


@bp.post("/profile/two-step/off")
@login_required
def two_step_off() -> Response:
    user = staff_user()
    if not ConfirmForm().validate_on_submit() or not user.uses_two_step:
        return redirect(url_for("staff.profile"))
    if two_step.required_for(user):
        flash(gettext("Two-step sign-in is required for your role and stays on."), "danger")
        return redirect(url_for("staff.two_step_setup"))
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.totp_last_counter = None
    audit("two_step_disabled", user)
    db.session.commit()
    flash(gettext("Two-step sign-in is off."), "success")
    return redirect(url_for("staff.profile"))
