"""A staff member's own settings: SMS number, Telegram link, language."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from channels.telegram.linking import issue_link_code
from complaints.extensions import db
from complaints.intake import normalize_phone

from .admin_forms import ConfirmForm
from .views import audit, bp, staff_user


class ProfileForm(FlaskForm):
    phone = StringField(
        _l("Phone for SMS notices (used when Telegram is not linked)"),
        validators=[Optional(), Length(max=32)],
    )
    locale = SelectField(
        _l("Language of notices"),
        choices=[SelectChoice("id", "Bahasa Indonesia"), SelectChoice("en", "English")],
    )
    submit = SubmitField(_l("Save"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile() -> ResponseReturnValue:
    user = staff_user()
    form = ProfileForm(obj=user)
    if form.validate_on_submit():
        raw = (form.phone.data or "").strip()
        phone = normalize_phone(raw) if raw else None
        if raw and phone is None:
            form.phone.errors = [gettext("This is not a valid phone number.")]
        else:
            user.phone = phone
            user.locale = form.locale.data or "id"
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
        form=ProfileForm(obj=user),
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
