"""Staff accounts an admin sets up: a temporary password replaced at first sign-in,
one-time password-reset links, and two-step sign-in with an authenticator app."""

from __future__ import annotations

import html
import re
import time
from datetime import timedelta

import pyotp
import segno
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import OutboundMessage, Unit, User
from tests.conftest import DEFAULT_NOW, STAFF_PASSWORD, Cast, csrf_token_from
from tests.staff_helpers import signed_in

TEMPORARY = "sementara-123"
OWN = "pilihan-saya-456"


def _sign_in(client: FlaskClient, email: str, password: str) -> str:
    """Post the sign-in form; the page it sends the person to."""
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    response = client.post(
        "/staff/login", data={"email": email, "password": password, "csrf_token": token}
    )
    return response.headers.get("Location", str(response.status_code))


def _create_officer(app: Flask, cast: Cast) -> User:
    admin = signed_in(app, cast.admin.email)
    page = admin.get("/staff/admin/users/new").get_data(as_text=True)
    assert "Kata sandi sementara" in page
    assert "kosongkan" not in page.lower()
    unit = db.session.scalar(select(Unit).where(Unit.code == "PUPR"))
    assert unit is not None
    response = admin.post(
        "/staff/admin/users/new",
        data={
            "csrf_token": csrf_token_from(page),
            "email": "baru@bonebolangokab.go.id",
            "name": "Petugas Baru",
            "role": "officer",
            "unit": str(unit.id),
            "access": "temporary",
            "password": TEMPORARY,
            "active": "y",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "baru@bonebolangokab.go.id"))
    assert user is not None
    return user


def test_a_user_an_admin_created_must_choose_a_password_first(app: Flask, cast: Cast) -> None:
    _create_officer(app, cast)
    person = app.test_client()
    assert _sign_in(person, "baru@bonebolangokab.go.id", TEMPORARY).endswith("/staff/password")
    # Every other staff page sends them back to the password page.
    for url in ("/staff/complaints", "/staff/profile", "/staff/notifications"):
        assert person.get(url).headers["Location"].endswith("/staff/password"), url
    page = person.get("/staff/password").get_data(as_text=True)
    assert "hanya sementara" in page
    token = csrf_token_from(page)
    same = {"csrf_token": token, "current": TEMPORARY, "new": TEMPORARY, "repeat": TEMPORARY}
    refused = person.post("/staff/password", data=same)
    assert refused.status_code == 200
    assert "berbeda dari kata sandi sementara" in refused.get_data(as_text=True)
    changed = person.post(
        "/staff/password",
        data={"csrf_token": token, "current": TEMPORARY, "new": OWN, "repeat": OWN},
    )
    assert changed.headers["Location"].endswith("/staff/complaints")
    assert person.get("/staff/complaints").status_code == 200
    assert _sign_in(app.test_client(), "baru@bonebolangokab.go.id", OWN).endswith(
        "/staff/complaints"
    )


def test_users_created_by_the_operator_on_the_command_line_are_not_held(
    app: Flask, cast: Cast
) -> None:
    runner = app.test_cli_runner()
    email = "cli@bonebolangokab.go.id"
    arguments = ["users", "create", email, "--role", "admin", "--password", STAFF_PASSWORD]
    result = runner.invoke(args=arguments)
    assert result.exit_code == 0, result.output
    assert _sign_in(app.test_client(), "cli@bonebolangokab.go.id", STAFF_PASSWORD).endswith(
        "/staff/complaints"
    )


def _issue_reset_link(app: Flask, cast: Cast, user: User) -> str:
    admin = signed_in(app, cast.admin.email)
    edit = admin.get(f"/staff/admin/users/{user.id}").get_data(as_text=True)
    assert "Buat tautan atur ulang kata sandi" in edit
    response = admin.post(
        f"/staff/admin/users/{user.id}/reset-link", data={"csrf_token": csrf_token_from(edit)}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    match = re.search(r"https://aduan\.test(/staff/reset/[\w-]+)", response.get_data(as_text=True))
    assert match is not None
    return match.group(1)


def _set_password_through(client: FlaskClient, link: str, password: str) -> int:
    page = client.get(link)
    if page.status_code != 200:
        return page.status_code
    token = csrf_token_from(page.get_data(as_text=True))
    data = {"csrf_token": token, "new": password, "repeat": password}
    return client.post(link, data=data).status_code


def test_a_reset_link_sets_a_password_once_and_ends_old_sessions(app: Flask, cast: Cast) -> None:
    old_session = signed_in(app, cast.officer_a.email)
    link = _issue_reset_link(app, cast, cast.officer_a)
    assert db.session.scalar(select(User.password_reset_hash).where(User.id == cast.officer_a.id))
    assert link.rsplit("/", 1)[1] not in str(
        db.session.scalar(select(User.password_reset_hash).where(User.id == cast.officer_a.id))
    )  # stored hashed

    stranger = app.test_client()
    assert _set_password_through(stranger, link, OWN) == 302
    # The browser signed in before is out; the old password no longer opens the account.
    assert "/staff/login" in old_session.get("/staff/complaints").headers["Location"]
    assert _sign_in(app.test_client(), cast.officer_a.email, STAFF_PASSWORD) == "401"
    assert _sign_in(app.test_client(), cast.officer_a.email, OWN).endswith("/staff/complaints")
    # Used once: the same link now says it does not work.
    used = app.test_client().get(link)
    assert used.status_code == 404
    assert "Tautan ini tidak berlaku" in used.get_data(as_text=True)


def test_a_reset_link_expires_after_a_day(app: Flask, cast: Cast) -> None:
    link = _issue_reset_link(app, cast, cast.officer_b)
    clock.set_now(DEFAULT_NOW + timedelta(hours=24, minutes=1))
    assert _set_password_through(app.test_client(), link, OWN) == 404
    assert _sign_in(app.test_client(), cast.officer_b.email, STAFF_PASSWORD).endswith(
        "/staff/complaints"
    )


def test_a_newer_reset_link_replaces_the_earlier_one(app: Flask, cast: Cast) -> None:
    first = _issue_reset_link(app, cast, cast.officer_b)
    second = _issue_reset_link(app, cast, cast.officer_b)
    assert _set_password_through(app.test_client(), first, OWN) == 404
    assert _set_password_through(app.test_client(), second, OWN) == 302


def _enrol(client: FlaskClient) -> str:
    """Set up two-step sign-in on the profile page; the secret it showed."""
    page = client.get("/staff/profile/two-step").get_data(as_text=True)
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    assert shown is not None
    secret = shown.group(1).replace(" ", "")
    assert f"secret={secret}" in page  # the otpauth:// link for the phone
    wrong = client.post(
        "/staff/profile/two-step", data={"csrf_token": csrf_token_from(page), "code": "000000"}
    )
    assert wrong.status_code == 422
    assert "Kode salah" in wrong.get_data(as_text=True)
    response = client.post(
        "/staff/profile/two-step",
        data={"csrf_token": csrf_token_from(page), "code": pyotp.TOTP(secret).now()},
    )
    assert response.status_code == 302
    return secret


def _code_step(client: FlaskClient, code: str) -> int:
    page = client.get("/staff/login/code").get_data(as_text=True)
    token = csrf_token_from(page)
    return client.post("/staff/login/code", data={"csrf_token": token, "code": code}).status_code


def test_two_step_sign_in_asks_for_the_authenticator_code(app: Flask, cast: Cast) -> None:
    secret = _enrol(signed_in(app, cast.officer_a.email))
    person = app.test_client()
    assert _sign_in(person, cast.officer_a.email, STAFF_PASSWORD).endswith("/staff/login/code")
    # The password alone does not open the console.
    assert "/staff/login" in person.get("/staff/complaints").headers["Location"]
    assert _code_step(person, "123456") == 401
    assert "/staff/login" in person.get("/staff/complaints").headers["Location"]
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # the enrolment used the current one
    assert _code_step(person, next_code) == 302
    assert person.get("/staff/complaints").status_code == 200
    # A code is good once: someone who saw it cannot sign in with it.
    thief = app.test_client()
    assert _sign_in(thief, cast.officer_a.email, STAFF_PASSWORD).endswith("/staff/login/code")
    assert _code_step(thief, next_code) == 401
    # The secret is not shown again once in use.
    assert secret not in person.get("/staff/profile/two-step").get_data(as_text=True)


def test_a_required_role_must_set_up_two_step_sign_in_first(app: Flask, cast: Cast) -> None:
    app.config["REQUIRE_2FA_ROLES"] = frozenset({"admin", "supervisor"})
    officer = app.test_client()
    assert _sign_in(officer, cast.officer_a.email, STAFF_PASSWORD).endswith("/staff/complaints")
    supervisor = app.test_client()
    landing = _sign_in(supervisor, cast.supervisor.email, STAFF_PASSWORD)
    assert landing.endswith("/staff/profile/two-step")
    for url in ("/staff/complaints", "/staff/sla", "/staff/profile"):
        assert supervisor.get(url).headers["Location"].endswith("/staff/profile/two-step"), url
    assert "wajib memakai verifikasi dua langkah" in supervisor.get(
        "/staff/profile/two-step"
    ).get_data(as_text=True)
    _enrol(supervisor)
    assert supervisor.get("/staff/complaints").status_code == 200
    page = supervisor.get("/staff/profile/two-step").get_data(as_text=True)
    assert "Nonaktifkan verifikasi dua langkah" not in page  # required: no way to turn it off
    token = csrf_token_from(supervisor.get("/staff/profile").get_data(as_text=True))
    refused = supervisor.post("/staff/profile/two-step/off", data={"csrf_token": token})
    assert refused.status_code == 302
    user = db.session.get(User, cast.supervisor.id)
    db.session.refresh(user)
    assert user is not None and user.uses_two_step


def test_an_admin_can_turn_off_a_lost_phones_two_step_sign_in(app: Flask, cast: Cast) -> None:
    _enrol(signed_in(app, cast.officer_b.email))
    admin = signed_in(app, cast.admin.email)
    edit = admin.get(f"/staff/admin/users/{cast.officer_b.id}").get_data(as_text=True)
    assert "ponsel hilang" in edit
    admin.post(
        f"/staff/admin/users/{cast.officer_b.id}/two-step/off",
        data={"csrf_token": csrf_token_from(edit)},
    )
    assert _sign_in(app.test_client(), cast.officer_b.email, STAFF_PASSWORD).endswith(
        "/staff/complaints"
    )


INVITED = "undangan@bonebolangokab.go.id"


def _invite(admin: FlaskClient, role: str = "officer") -> str:
    """Create an account with an invitation link, as an admin does; the link's path."""
    page = admin.get("/staff/admin/users/new").get_data(as_text=True)
    assert "Kirim tautan undangan" in page and "Tetapkan kata sandi sementara" in page
    unit = db.session.scalar(select(Unit).where(Unit.code == "PUPR"))
    assert unit is not None
    response = admin.post(
        "/staff/admin/users/new",
        data={
            "csrf_token": csrf_token_from(page),
            "email": INVITED,
            "name": "Rahmawati Undangan",
            "role": role,
            "unit": str(unit.id),
            "access": "invite",
            "active": "y",
        },
    )
    return _invitation_link(response)


def _invitation_link(response) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert "Rahmawati Undangan" in page and "Salin tautan" in page
    match = re.search(r"https://aduan\.test(/staff/invitation/[\w-]+)", page)
    assert match is not None
    return match.group(1)


def _accept(client: FlaskClient, link: str, password: str):  # type: ignore[no-untyped-def]
    page = client.get(link)
    assert page.status_code == 200
    token = csrf_token_from(page.get_data(as_text=True))
    return client.post(link, data={"csrf_token": token, "new": password, "repeat": password})


def test_an_invited_person_chooses_a_password_and_is_signed_in(app: Flask, cast: Cast) -> None:
    admin = signed_in(app, cast.admin.email)
    link = _invite(admin)
    # Until they accept, no password opens the account, and the user list says so.
    assert _sign_in(app.test_client(), INVITED, OWN) == "401"
    assert _sign_in(app.test_client(), INVITED, "!invited") == "401"
    users = admin.get("/staff/admin/users/").get_data(as_text=True)
    assert "Undangan belum dipakai (berlaku sampai 2 Des 2026 10.00 WITA)" in users

    person = app.test_client()
    page = person.get(link).get_data(as_text=True)
    assert "Selamat datang, Rahmawati Undangan" in page and "diundang" in page
    accepted = _accept(person, link, OWN)
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith("/staff/complaints")
    assert person.get("/staff/complaints").status_code == 200  # signed in, no password change

    used = app.test_client().get(link)
    assert used.status_code == 404
    assert "sudah dipakai" in used.get_data(as_text=True)
    assert _sign_in(app.test_client(), INVITED, OWN).endswith("/staff/complaints")
    users = admin.get("/staff/admin/users/").get_data(as_text=True)
    assert "Undangan belum dipakai" not in users
    audit = admin.get("/staff/admin/audit").get_data(as_text=True)
    assert "Membuat tautan undangan" in audit and "Menerima undangan" in audit


def test_an_invitation_expires_after_seven_days_and_a_new_one_replaces_it(
    app: Flask, cast: Cast
) -> None:
    admin = signed_in(app, cast.admin.email)
    first = _invite(admin)
    clock.set_now(DEFAULT_NOW + timedelta(days=7, minutes=1))
    expired = app.test_client().get(first)
    assert expired.status_code == 410
    text = expired.get_data(as_text=True)
    assert "kedaluwarsa pada 2 Des 2026 10.00 WITA" in text and "Rahmawati Undangan" in text
    users = admin.get("/staff/admin/users/").get_data(as_text=True)
    assert "Undangan kedaluwarsa tanpa dipakai" in users

    user = db.session.scalar(select(User).where(User.email == INVITED))
    assert user is not None
    edit = admin.get(f"/staff/admin/users/{user.id}").get_data(as_text=True)
    assert "Buat tautan undangan baru" in edit
    second = _invitation_link(
        admin.post(
            f"/staff/admin/users/{user.id}/invitation", data={"csrf_token": csrf_token_from(edit)}
        )
    )
    assert second != first
    assert app.test_client().get(first).status_code == 404  # replaced, not merely expired
    assert _accept(app.test_client(), second, OWN).status_code == 302


def test_an_invited_supervisor_sets_up_two_step_sign_in_next(app: Flask, cast: Cast) -> None:
    app.config["REQUIRE_2FA_ROLES"] = frozenset({"supervisor"})
    link = _invite(signed_in(app, cast.admin.email), role="supervisor")
    person = app.test_client()
    accepted = _accept(person, link, OWN)
    assert accepted.headers["Location"].endswith("/staff/profile/two-step")
    assert person.get("/staff/complaints").headers["Location"].endswith("/staff/profile/two-step")


def test_a_temporary_password_must_be_typed_when_chosen(app: Flask, cast: Cast) -> None:
    admin = signed_in(app, cast.admin.email)
    page = admin.get("/staff/admin/users/new").get_data(as_text=True)
    response = admin.post(
        "/staff/admin/users/new",
        data={
            "csrf_token": csrf_token_from(page),
            "email": INVITED,
            "role": "admin",
            "access": "temporary",
            "active": "y",
        },
    )
    assert response.status_code == 422
    assert "Ketik kata sandi sementara" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.email == INVITED)) is None


def test_the_two_step_page_shows_the_apps_qr_code_beside_the_key(app: Flask, cast: Cast) -> None:
    page = (
        signed_in(app, cast.officer_a.email).get("/staff/profile/two-step").get_data(as_text=True)
    )
    shown = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page)
    link = re.search(r'href="(otpauth://[^"]+)"', page)
    assert shown is not None and link is not None
    uri = html.unescape(link.group(1))
    assert f"secret={shown.group(1).replace(' ', '')}" in uri
    # No QR decoder here: the page must hold segno's drawing of this very URI (same
    # error correction), inline, so the phone's camera reads the key shown beside it.
    drawn = re.search(r' d="([^"]+)"', segno.make(uri, error="m").svg_inline())
    assert drawn is not None
    assert '<figure class="totp-qr" id="totp-qr"><svg role="img"' in page
    assert f'd="{drawn.group(1)}"' in page
    assert "Kode QR untuk aplikasi autentikator Anda" in page  # its name for screen readers


def test_without_outbound_mail_a_forgotten_password_is_a_matter_for_an_admin(
    app: Flask, cast: Cast
) -> None:
    """No mail can leave: the sign-in page offers no reset by e-mail, the reset page says
    to ask an administrator and asks for no address (tests/test_notice_channels.py has the
    same with mail on)."""
    client = app.test_client()
    assert "Lupa kata sandi?" not in client.get("/staff/login").get_data(as_text=True)
    page = client.get("/staff/reset").get_data(as_text=True)
    assert "Mintalah tautan atur ulang kata sandi kepada administrator" in page
    assert 'name="email"' not in page  # nothing to send, so nothing to ask
    admin = signed_in(app, cast.admin.email)
    new_user = admin.get("/staff/admin/users/new").get_data(as_text=True)
    assert "tautan yang ditampilkan kepada Anda satu kali" in new_user
    assert db.session.scalar(select(OutboundMessage.id)) is None
