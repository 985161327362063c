"""A copy of a staff session cookie stops working when the session should end.

The session is a signed cookie, so whoever copies it (from a shared office
computer, a proxy log, a stolen laptop) holds it until it expires. It also
carries the account's session generation, which the server bumps on signing
out, on a password change and when an admin changes the role, resets the
password or deactivates the account: every cookie from before is refused.
Each test plays the one who copied the cookie with a second client.
"""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from complaints.extensions import db
from complaints.models import User
from tests.conftest import STAFF_PASSWORD, Cast
from tests.staff_helpers import session_csrf, signed_in

COOKIE = "session"
NEW_PASSWORD = "a-much-longer-passphrase"


def copy_of(app: Flask, client: FlaskClient) -> FlaskClient:
    """Another browser holding the same session cookie as ``client``."""
    cookie = client.get_cookie(COOKIE, domain="aduan.test")
    assert cookie is not None
    holder = app.test_client()
    holder.set_cookie(COOKIE, cookie.value, domain="aduan.test")
    return holder


def opens_the_queue(client: FlaskClient) -> bool:
    response = client.get("/staff/complaints")
    if response.status_code == 302:
        assert "/staff/login" in response.headers["Location"]
        return False
    assert response.status_code == 200
    return True


def edit_user(admin: FlaskClient, user: User, **changes: str | None) -> None:
    """Save ``user`` on the admin form, with ``changes`` over its current values."""
    fields: dict[str, str | None] = {
        "email": user.email,
        "name": user.name,
        "role": user.role,
        "unit": str(user.unit_id or ""),
        "phone": user.phone or "",
        "password": "",
        "active": "y" if user.active else None,
        **changes,
    }
    data = {name: value for name, value in fields.items() if value is not None}
    response = admin.post(
        f"/staff/admin/users/{user.id}", data={**data, "csrf_token": session_csrf(admin)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_a_cookie_copied_before_signing_out_is_refused_after(app: Flask, cast: Cast) -> None:
    officer = signed_in(app, cast.officer_a.email)
    copy = copy_of(app, officer)
    assert opens_the_queue(copy)

    response = officer.post("/staff/logout", data={"csrf_token": session_csrf(officer)})
    assert response.status_code == 302

    assert not opens_the_queue(copy)
    assert not opens_the_queue(officer)
    # Signing in again works, and the old copy stays refused.
    assert opens_the_queue(signed_in(app, cast.officer_a.email))
    assert not opens_the_queue(copy)


def test_signing_out_ends_the_other_browsers_of_the_same_person(app: Flask, cast: Cast) -> None:
    desk = signed_in(app, cast.officer_a.email)
    phone = signed_in(app, cast.officer_a.email)
    colleague = signed_in(app, cast.officer_b.email)

    desk.post("/staff/logout", data={"csrf_token": session_csrf(desk)})

    assert not opens_the_queue(phone)
    assert opens_the_queue(colleague)  # only that person's sessions end


def test_a_password_change_refuses_older_cookies_but_keeps_the_changer_signed_in(
    app: Flask, cast: Cast
) -> None:
    officer = signed_in(app, cast.officer_a.email)
    copy = copy_of(app, officer)
    response = officer.post(
        "/staff/password",
        data={
            "current": STAFF_PASSWORD,
            "new": NEW_PASSWORD,
            "repeat": NEW_PASSWORD,
            "csrf_token": session_csrf(officer),
        },
    )
    assert response.status_code == 302

    assert not opens_the_queue(copy)
    assert opens_the_queue(officer)


def test_a_wrong_current_password_changes_nothing_and_ends_no_session(
    app: Flask, cast: Cast
) -> None:
    officer = signed_in(app, cast.officer_a.email)
    copy = copy_of(app, officer)
    response = officer.post(
        "/staff/password",
        data={
            "current": "not-my-password",
            "new": NEW_PASSWORD,
            "repeat": NEW_PASSWORD,
            "csrf_token": session_csrf(officer),
        },
    )
    assert response.status_code == 200
    assert opens_the_queue(copy)


def test_a_password_reset_by_an_admin_signs_the_user_out_everywhere(app: Flask, cast: Cast) -> None:
    officer = signed_in(app, cast.officer_a.email)
    copy = copy_of(app, officer)
    admin = signed_in(app, cast.admin.email)

    edit_user(admin, cast.officer_a, password=NEW_PASSWORD)

    assert not opens_the_queue(copy)
    assert not opens_the_queue(officer)
    # The new password is temporary: it signs in, and leads to choosing one's own.
    fresh = signed_in(app, cast.officer_a.email, NEW_PASSWORD)
    assert fresh.get("/staff/complaints").headers["Location"].endswith("/staff/password")
    assert opens_the_queue(admin)


def test_a_new_role_signs_the_user_out_everywhere(app: Flask, cast: Cast) -> None:
    supervisor = signed_in(app, cast.supervisor.email)
    copy = copy_of(app, supervisor)
    admin = signed_in(app, cast.admin.email)

    edit_user(admin, cast.supervisor, role="officer")

    assert not opens_the_queue(copy)
    assert not opens_the_queue(supervisor)


def test_a_deactivated_user_stays_signed_out_when_reactivated(app: Flask, cast: Cast) -> None:
    officer = signed_in(app, cast.officer_a.email)
    copy = copy_of(app, officer)
    admin = signed_in(app, cast.admin.email)

    edit_user(admin, cast.officer_a, active=None)
    assert not opens_the_queue(copy)
    edit_user(admin, cast.officer_a, active="y")

    # Back at work, the person signs in afresh; cookies from before stay refused.
    assert not opens_the_queue(copy)
    assert not opens_the_queue(officer)
    assert opens_the_queue(signed_in(app, cast.officer_a.email))


def test_other_edits_by_an_admin_leave_sessions_alone(app: Flask, cast: Cast) -> None:
    officer = signed_in(app, cast.officer_a.email)
    admin = signed_in(app, cast.admin.email)

    edit_user(admin, cast.officer_a, name="Alice Mooduto", phone="0812 3456 7890")

    assert opens_the_queue(officer)


def test_an_admin_who_resets_their_own_password_stays_signed_in_in_that_browser(
    app: Flask, cast: Cast
) -> None:
    admin = signed_in(app, cast.admin.email)
    copy = copy_of(app, admin)

    edit_user(admin, cast.admin, password=NEW_PASSWORD)

    assert opens_the_queue(admin)
    assert not opens_the_queue(copy)


def test_each_revocation_moves_the_stored_generation_on(app: Flask, cast: Cast) -> None:
    officer = signed_in(app, cast.officer_a.email)
    before = cast.officer_a.session_generation
    officer.post("/staff/logout", data={"csrf_token": session_csrf(officer)})
    db.session.expire_all()
    user = db.session.get(User, cast.officer_a.id)
    assert user is not None and user.session_generation == before + 1
