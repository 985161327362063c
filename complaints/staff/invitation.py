"""Invitation links: a new staff member chooses their own password.

An admin creating an account may send an invitation instead of typing a
temporary password. The invitation is a one-time link (the reset-link
mechanism of ``complaints.auth``, good for seven days): mailed to the person
while outbound mail is on (:mod:`.link_mail`), else shown to the admin once
to pass on. The person opening it sees that it is an invitation, with their
name, chooses a password and is signed in (then, if their role requires it,
sets up two-step sign-in). A new invitation replaces the earlier one.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from werkzeug.wrappers import Response

from complaints.auth import (
    expired_link_owner,
    invitation_pending,
    issue_invitation,
    issue_password_reset,
    revoke_sessions,
    set_password,
    user_for_reset_token,
)
from complaints.extensions import db
from complaints.models import User
from complaints.notify import EMAIL

from .forms import NewPasswordForm
from .link_mail import LinkKind, link_url, mail_link, mails_links
from .session import _complete_sign_in as complete_sign_in
from .views import audit, bp, staff_user

_TEMPLATES = {
    LinkKind.RESET: "staff/admin/reset_link.html",
    LinkKind.INVITATION: "staff/admin/invitation_link.html",
}


def link_page(user: User, token: str, action: str, kind: LinkKind) -> ResponseReturnValue:
    """Bring ``user`` the one-time link just issued (an invitation or a password reset),
    after auditing ``action``.

    While outbound mail is on the link goes to the person's own address and the
    admin reads only that it was sent; otherwise it is shown to the admin, once,
    to pass on. Committed here: the link must not leave unless it was stored.
    """
    link = link_url(kind, token)
    mailed = mails_links(user)
    if mailed:
        mail_link(user, kind, link)
        audit(action, staff_user(), user, channel=EMAIL)
    else:
        audit(action, staff_user(), user)
    db.session.commit()
    page = render_template(_TEMPLATES[kind], user=user, link=None if mailed else link)
    return page, 200, {"Cache-Control": "no-store"}


def reset_link_page(user: User) -> ResponseReturnValue:
    """Issue a password-reset link for ``user`` and bring it to them (see :func:`link_page`)."""
    return link_page(
        user, issue_password_reset(user), "admin_password_reset_issued", LinkKind.RESET
    )


def invitation_page(user: User) -> ResponseReturnValue:
    """Issue a new invitation for ``user`` and bring it to them (see :func:`link_page`)."""
    return link_page(user, issue_invitation(user), "admin_invitation_issued", LinkKind.INVITATION)


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
