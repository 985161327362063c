"""Staff sign-in (with its optional second step), sign-out, password change and reset.

Apart from the console's complaint pages because its rules concern the
account: failed sign-ins are throttled per address and per e-mail at an
address (so no stranger can lock an account out for its owner), signing in
or out starts a fresh session cookie, and signing out or changing the
password ends the account's sessions in every other browser
(``auth.revoke_sessions``). An account using two-step sign-in is asked for
its authenticator code after the password (throttled the same way). Until a
temporary password is changed, or a required second step set up, every other
staff page sends its owner there (:func:`_account_first`).
"""

from __future__ import annotations

import hashlib
import logging

from flask import flash, g, make_response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask.wrappers import Response as FlaskResponse
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_limiter import RequestLimit
from flask_login import current_user, login_required, logout_user
from limits import parse as parse_limit
from sqlalchemy import select
from werkzeug.wrappers import Response

from complaints import clock, two_step
from complaints.auth import (
    check_sign_in,
    invitation_pending,
    issue_invitation,
    issue_password_reset,
    revoke_sessions,
    set_password,
    sign_in,
    user_for_reset_token,
    verify_password,
)
from complaints.extensions import db, limiter, login_manager
from complaints.models import User
from complaints.notify import mail_on
from complaints.ratelimit import client_address

from .forms import CodeForm, LoginForm, NewPasswordForm, PasswordForm, ResetRequestForm
from .link_mail import LinkKind, link_url, mail_link
from .views import audit, bp, staff_user

logger = logging.getLogger(__name__)

login_manager.login_view = "staff.login"
login_manager.login_message_category = "info"
# Flask-Login's own message is English; str() translates the lazy text when it is flashed.
login_manager.login_message = _l("Please sign in to see this page.")
login_manager.localize_callback = str


# Only failed sign-ins count (a whole office behind one NAT address signs in
# freely), and they count twice:
# - per address, whatever e-mail is tried: a guesser spraying accounts is cut off;
# - per account AND address: guessing one account's password from one address
#   stops there, while its owner signing in from anywhere else still gets in,
#   so no stranger can lock an account out.
# The account is the e-mail as typed, whether or not anyone has it: an unknown
# e-mail is throttled, and answered, exactly like a known one.
FAILED_SIGN_INS_PER_ADDRESS = "10/minute;60/hour"
FAILED_SIGN_INS_PER_ACCOUNT_AND_ADDRESS = "5 per 15 minutes"
_PER_ACCOUNT = parse_limit(FAILED_SIGN_INS_PER_ACCOUNT_AND_ADDRESS)


def _typed_email(raw: str | None) -> str:
    return (raw or "").strip().lower()


def _account_at_address() -> str:
    """The rate-limit key of one e-mail tried from one client (hashed: no e-mail in Redis)."""
    email = _typed_email(request.form.get("email"))
    return f"{client_address()}|{hashlib.sha256(email.encode()).hexdigest()[:32]}"


def _failed_sign_in(response: Response) -> bool:
    """Whether a sign-in attempt counts against its limits: every one but a success."""
    return response.status_code != 302


def _sign_in_refused(_limit: RequestLimit) -> FlaskResponse:
    """The answer past a limit: the same page for every e-mail, known or not."""
    flash(gettext("Too many failed attempts. Try again in a few minutes."), "danger")
    return make_response(_login_page(LoginForm()), 429)


def _login_page(form: LoginForm) -> str:
    """The sign-in page; it offers a reset link by e-mail while mail can leave."""
    return render_template("staff/login.html", form=form, forgot_link=mail_on())


def _forget_failed_sign_ins() -> None:
    """After a success, this address's earlier failures for the account no longer count."""
    try:
        for counted in limiter.current_limits:
            if counted.limit == _PER_ACCOUNT:
                limiter.limiter.clear(counted.limit, *counted.request_args)
    except Exception:  # the rate-limit store is away: the failures expire on their own
        logger.warning("could not forget failed sign-ins", exc_info=True)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    FAILED_SIGN_INS_PER_ADDRESS,
    methods=["POST"],
    deduct_when=_failed_sign_in,
    on_breach=_sign_in_refused,
)
@limiter.limit(
    FAILED_SIGN_INS_PER_ACCOUNT_AND_ADDRESS,
    methods=["POST"],
    key_func=_account_at_address,
    deduct_when=_failed_sign_in,
    on_breach=_sign_in_refused,
)
def login() -> ResponseReturnValue:
    form = LoginForm()
    if not form.validate_on_submit():
        return _login_page(form), 422 if request.method == "POST" else 200
    email = _typed_email(form.email.data)
    attempt = check_sign_in(email, form.password.data or "")
    if not attempt.accepted or attempt.account is None:
        audit("login_failed", attempt.account, email=email)
        db.session.commit()
        flash(gettext("Wrong e-mail or password."), "danger")
        return _login_page(form), 401
    user = attempt.account
    if user.uses_two_step:
        _renew_session()
        session[_PENDING_KEY] = {
            "user": user.id,
            "generation": user.session_generation,
            "at": clock.now().timestamp(),
        }
        return redirect(url_for("staff.login_code"))
    return _complete_sign_in(user)


def _complete_sign_in(user: User) -> Response:
    user.last_login_at = clock.now()
    audit("login", user)
    db.session.commit()
    _forget_failed_sign_ins()
    _renew_session()
    sign_in(user)
    return redirect(_first_page(user))


def _first_page(user: User) -> str:
    """Where a signed-in staff member goes: what their account still needs, else the queue."""
    if user.must_change_password:
        return url_for("staff.password")
    if two_step.must_enrol(user):
        return url_for("staff.two_step_setup")
    return url_for("staff.queue_view")


# The session key of a sign-in whose password was right and whose code is awaited.
_PENDING_KEY = "staff_sign_in_pending"
_PENDING_SECONDS = 300
FAILED_CODES_PER_ACCOUNT_AND_ADDRESS = "5 per 15 minutes"


def _pending_user() -> User | None:
    """The account whose password was just accepted here, for five minutes."""
    pending = session.get(_PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if clock.now().timestamp() - float(pending.get("at", 0)) > _PENDING_SECONDS:
        return None
    user = db.session.get(User, int(pending.get("user", 0)))
    if user is None or not user.active or not user.uses_two_step:
        return None
    return user if user.session_generation == pending.get("generation") else None


def _pending_account_at_address() -> str:
    pending = session.get(_PENDING_KEY)
    account = pending.get("user") if isinstance(pending, dict) else None
    return f"{client_address()}|code|{account}"


def _code_refused(_limit: RequestLimit) -> FlaskResponse:
    flash(gettext("Too many failed attempts. Try again in a few minutes."), "danger")
    return make_response(render_template("staff/login_code.html", form=CodeForm()), 429)


@bp.route("/login/code", methods=["GET", "POST"])
@limiter.limit(
    FAILED_SIGN_INS_PER_ADDRESS,
    methods=["POST"],
    deduct_when=_failed_sign_in,
    on_breach=_code_refused,
)
@limiter.limit(
    FAILED_CODES_PER_ACCOUNT_AND_ADDRESS,
    methods=["POST"],
    key_func=_pending_account_at_address,
    deduct_when=_failed_sign_in,
    on_breach=_code_refused,
)
def login_code() -> ResponseReturnValue:
    """Sign-in's second step: the code of the authenticator app."""
    if current_user.is_authenticated:
        return redirect(url_for("staff.queue_view"))
    user = _pending_user()
    if user is None:
        flash(gettext("Please sign in again."), "info")
        return redirect(url_for("staff.login"))
    form = CodeForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("staff/login_code.html", form=form), status
    if not two_step.accept_code(user, form.code.data or ""):
        audit("login_code_failed", user)
        db.session.commit()
        form.code.errors = [gettext("The code is wrong or has expired. Try the next one.")]
        return render_template("staff/login_code.html", form=form), 401
    session.pop(_PENDING_KEY, None)
    return _complete_sign_in(user)


# Pages open to a staff member who must first change a temporary password or
# set up a required second step (besides that page itself).
_ALWAYS_OPEN = {
    "staff.logout",
    "staff.login",
    "staff.login_code",
    "staff.reset_password",
    "staff.request_password_reset",
}


@bp.before_app_request
def _account_first() -> Response | None:
    """Send a signed-in staff member to what their account still needs, from any staff page."""
    if not request.path.startswith("/staff") or request.endpoint in _ALWAYS_OPEN:
        return None
    if not current_user.is_authenticated:
        return None
    user = current_user._get_current_object()
    if user.must_change_password:
        needed = "staff.password"
    elif two_step.must_enrol(user):
        needed = "staff.two_step_setup"
    else:
        return None
    return None if request.endpoint == needed else redirect(url_for(needed))


# Only the language choice survives signing in or out.
_SESSION_KEPT = ("lang",)


def _renew_session() -> None:
    """Start a fresh session, so nothing set before a sign-in or sign-out carries over.

    The session is a signed cookie with no server-side id to rotate; what could
    be fixed by someone who planted a cookie is its contents, above all the
    CSRF token. Clearing it makes Flask-WTF issue a new token on the next form.
    (Copies of a signed-in cookie are ended by ``auth.revoke_sessions``.)
    """
    kept = {key: session[key] for key in _SESSION_KEPT if key in session}
    session.clear()
    session.update(kept)
    g.pop("csrf_token", None)  # Flask-WTF's per-request copy of the old token


@bp.post("/logout")
@login_required
def logout() -> Response:
    user = staff_user()
    revoke_sessions(user)  # a copy of this session's cookie must not outlive it
    audit("logout", user)
    db.session.commit()
    _renew_session()
    logout_user()  # after the renewal: it may leave a note to clear the remember cookie
    flash(gettext("You are signed out, here and in every other browser."), "info")
    return redirect(url_for("staff.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> ResponseReturnValue:
    form = PasswordForm()
    user = staff_user()
    if form.validate_on_submit():
        if not verify_password(user, form.current.data or ""):
            form.current.errors = [gettext("The current password is wrong.")]
        elif user.must_change_password and form.new.data == form.current.data:
            form.new.errors = [gettext("Choose a password other than the temporary one.")]
        else:
            set_password(user, form.new.data or "")
            revoke_sessions(user, except_this_one=True)
            audit("password_changed", user)
            db.session.commit()
            flash(
                gettext(
                    "Your password has been changed. Every other browser signed in "
                    "as you has been signed out."
                ),
                "success",
            )
            return redirect(_first_page(user))
    return render_template("staff/password.html", form=form, temporary=user.must_change_password)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """A one-time link an admin handed over: choose a new password without signing in."""
    user = user_for_reset_token(token)
    if user is None:
        return render_template("staff/reset.html", form=None), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        set_password(user, form.new.data or "")
        revoke_sessions(user)  # whoever kept an old session of this account is out
        audit("password_reset_used", user)
        db.session.commit()
        flash(gettext("Your new password is set. Sign in with it."), "success")
        return redirect(url_for("staff.login"))
    status = 422 if request.method == "POST" else 200
    return render_template("staff/reset.html", form=form, user=user), status


# Each request may send a mail: a stranger may not fill a staff member's inbox.
RESET_REQUESTS_PER_ADDRESS = "5 per 15 minutes;20/day"


def _reset_requests_refused(_limit: RequestLimit) -> FlaskResponse:
    flash(gettext("Too many requests. Try again in a few minutes."), "danger")
    page = render_template("staff/reset_request.html", form=ResetRequestForm(), mail=True)
    return make_response(page, 429)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(RESET_REQUESTS_PER_ADDRESS, methods=["POST"], on_breach=_reset_requests_refused)
def request_password_reset() -> ResponseReturnValue:
    """Forgot the password: a link to choose a new one, by e-mail to the account's address.

    The answer is the same whether or not an account has the address typed (no
    list of staff e-mails can be probed), and only an active account's own
    address gets a mail. Without outbound mail the page says to ask an admin.
    """
    if not mail_on():
        return render_template("staff/reset_request.html", form=None, mail=False)
    form = ResetRequestForm()
    if not form.validate_on_submit():
        status = 422 if request.method == "POST" else 200
        return render_template("staff/reset_request.html", form=form, mail=True), status
    email = _typed_email(form.email.data)
    user = db.session.scalar(select(User).where(User.email == email, User.active.is_(True)))
    if user is not None:
        _mail_reset_link(user)
        audit("password_reset_requested", user)
    else:
        audit("password_reset_requested", None, email=email)
    db.session.commit()
    return render_template("staff/reset_request.html", form=None, mail=True, sent=True)


def _mail_reset_link(user: User) -> None:
    """Mail ``user`` a reset link, or a new invitation while they have not used theirs."""
    if invitation_pending(user):
        kind, token = LinkKind.INVITATION, issue_invitation(user)
    else:
        kind, token = LinkKind.RESET, issue_password_reset(user)
    mail_link(user, kind, link_url(kind, token))
