"""The admin page of the letterhead and usual signer of printed documents.

One row (``Letterhead`` id 1); until an admin saves it, the page shows the
default that documents use (the regency's name from ``ADUAN_REGENCY_NAME``).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from complaints.assessment.letterhead import (
    LETTERHEAD_ID,
    TEXT_FIELDS,
    Logo,
    LogoRefused,
    clean_logo,
    current_letterhead,
    format_nip,
    logo_data_uri,
    save_letterhead,
)
from complaints.extensions import db
from complaints.models import Letterhead

from .admin import admin_only
from .admin_forms import LetterheadForm
from .views import audit, bp, staff_user


@bp.route("/admin/letterhead", methods=["GET", "POST"])
@admin_only
def admin_letterhead() -> ResponseReturnValue:
    """Edit the letterhead, its logo and the usual signer; shows them as printed."""
    letterhead = current_letterhead()
    form = LetterheadForm(obj=letterhead) if request.method == "GET" else LetterheadForm()
    if form.validate_on_submit():
        logo = _uploaded_logo(form)
        if not form.logo.errors:
            values = {name: getattr(form, name).data or "" for name in TEXT_FIELDS}
            save_letterhead(values, logo, bool(form.remove_logo.data), staff_user())
            audit("admin_letterhead_saved", staff_user(), None)
            db.session.commit()
            flash(gettext("Saved. Documents made from now on carry this letterhead."), "success")
            return redirect(url_for("staff.admin_letterhead"))
    status = 422 if request.method == "POST" else 200
    saved = db.session.get(Letterhead, LETTERHEAD_ID) is not None
    return render_template(
        "staff/admin/letterhead.html",
        form=form,
        letterhead=letterhead,
        logo=logo_data_uri(letterhead),
        signer_nip=format_nip(letterhead.signer_nip),
        saved=saved,
    ), status


def _uploaded_logo(form: LetterheadForm) -> Logo | None:
    """The new logo, cleaned; None when none was chosen (an unusable one: a field error)."""
    upload = form.logo.data
    if upload is None or not getattr(upload, "filename", ""):
        return None
    try:
        return clean_logo(upload.read())
    except LogoRefused as refusal:
        form.logo.errors = [str(refusal)]
        return None
