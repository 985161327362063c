"""Invitation links: a new staff member chooses their own password.

An admin creating an account may send an invitation instead of typing a
temporary password. The invitation is a one-time link (the reset-link
mechanism of ``complaints.auth``, good for seven days) shown to the admin once
to pass on; the person opening it sees that it is an invitation, with their
name, chooses a password and is signed in (then, if their role requires it,
sets up two-step sign-in). A new invitation replaces the earlier one.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.wrappers import Response

from complaints.auth import (
    expired_link_owner,
    invitation_pending,
    issue_invitation,
    revoke_sessions,
    set_password,
    user_for_reset_token,
)
from complaints.extensions import db
from complaints.models import User

from .forms import NewPasswordForm
from .session import _complete_sign_in as complete_sign_in
from .views import audit, bp, staff_user


def public_url(endpoint: str, **values: Any) -> str:
    """The address of a page as a person outside opens it (``PUBLIC_BASE_URL``)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    path = url_for(endpoint, **values)
    return base.rstrip("/") + path if base else url_for(endpoint, _external=True, **values)


def link_page(
    user: User, token: str, action: str, endpoint: str, template: str
) -> ResponseReturnValue:
    """Show the admin, once, the one-time link just issued to ``user`` (an invitation or a
    password reset), after auditing ``action``.

    Committed here: the link must not be shown unless it was stored.
    """
    audit(action, staff_user(), user)
    db.session.commit()
    link = public_url(endpoint, token=token)
    page = render_template(template, user=user, link=link)
    return page, 200, {"Cache-Control": "no-store"}


def invitation_page(user: User) -> ResponseReturnValue:
    """Issue a new invitation for ``user`` and show its link to the admin, once."""
    return link_page(
        user,
        issue_invitation(user),
        "admin_invitation_issued",
        "staff.accept_invitation",
        "staff/admin/invitation_link.html",
    )


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> ResponseReturnValue:
    """The invited person chooses their password and is signed in."""
    user = user_for_reset_token(token)
    if user is None:
        expired = expired_link_owner(token)
        page = render_template("staff/invitation.html", form=None, expired=expired)
        return page, 410 if expired is not None else 404
    if not invitation_pending(user):
        # A reset link of an account that has a password: its own page.
        return redirect(url_for("staff.reset_password", token=token))
    form = NewPasswordForm()
    if form.validate_on_submit():
        return _accept(user, form.new.data or "")
    status = 422 if request.method == "POST" else 200
    return render_template("staff/invitation.html", form=form, user=user), status


def _accept(user: User, password: str) -> Response:
    set_password(user, password)  # also ends the link: it works once
    revoke_sessions(user)
    audit("invitation_accepted", user)
    flash(gettext("Welcome. Your password is set and you are signed in."), "success")
    return complete_sign_in(user)  # commits, and asks for two-step set-up when required
