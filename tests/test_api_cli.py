"""``flask api tokens …`` and ``flask open311 keys …``."""

from __future__ import annotations

from sqlalchemy import select

from complaints.api import auth
from complaints.extensions import db
from complaints.models import ApiToken, Open311Key
from tests.conftest import Cast


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_tokens_create_prints_a_working_token_stored_hashed(app, client, cast: Cast) -> None:
    result = run(app, "api", "tokens", "create", cast.officer_a.email.upper(), "--name", "dash")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    token = db.session.scalars(select(ApiToken)).one()
    assert token.token_hash == auth.hash_secret(secret) and token.name == "dash"
    response = client.get("/api/v1/complaints", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 200


def test_tokens_create_refuses_an_unknown_or_deactivated_user(app, cast: Cast) -> None:
    assert run(app, "api", "tokens", "create", "nobody@example.org").exit_code != 0
    cast.officer_b.active = False
    db.session.commit()
    result = run(app, "api", "tokens", "create", cast.officer_b.email)
    assert result.exit_code != 0
    assert "deactivated" in result.output


def test_tokens_are_listed_and_revoked_by_id_or_user(app, client, cast: Cast) -> None:
    first = run(app, "api", "tokens", "create", cast.officer_a.email).stdout.strip()
    second = run(app, "api", "tokens", "create", cast.officer_a.email).stdout.strip()
    listing = run(app, "api", "tokens", "list", cast.officer_a.email).stdout
    assert listing.count(cast.officer_a.email) == 2
    token_id = db.session.scalars(select(ApiToken.id).order_by(ApiToken.id)).first()
    assert run(app, "api", "tokens", "revoke", str(token_id)).exit_code == 0
    assert (
        client.get("/api/v1/complaints", headers={"Authorization": f"Bearer {first}"}).status_code
        == 401
    )
    assert (
        client.get("/api/v1/complaints", headers={"Authorization": f"Bearer {second}"}).status_code
        == 200
    )
    assert run(app, "api", "tokens", "revoke", "--user", cast.officer_a.email).exit_code == 0
    assert (
        client.get("/api/v1/complaints", headers={"Authorization": f"Bearer {second}"}).status_code
        == 401
    )


def test_tokens_revoke_needs_ids_or_a_user(app, cast: Cast) -> None:
    assert run(app, "api", "tokens", "revoke").exit_code != 0
    assert run(app, "api", "tokens", "revoke", "999").exit_code != 0


def test_open311_keys_create_list_and_revoke(app, app_ctx) -> None:
    result = run(app, "open311", "keys", "create", "Aplikasi Desa")
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    key = db.session.scalars(select(Open311Key)).one()
    assert key.key_hash == auth.hash_secret(secret) and key.name == "Aplikasi Desa"
    assert auth.find_open311_key(secret) is not None
    assert "Aplikasi Desa" in run(app, "open311", "keys", "list").stdout
    assert run(app, "open311", "keys", "revoke", str(key.id)).exit_code == 0
    db.session.expire_all()
    assert auth.find_open311_key(secret) is None
    assert run(app, "open311", "keys", "revoke", "999").exit_code != 0
    assert run(app, "open311", "keys", "create", " ").exit_code != 0
