"""``flask api tokens …`` and ``flask open311 keys …``: issue, list and revoke API credentials.

A secret is printed once, when it is created; only its hash is stored, so a
lost secret is revoked and replaced, never looked up.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import ApiToken, Open311Key, User

from . import auth

api_cli = AppGroup("api", help="The staff JSON API.")
tokens_cli = AppGroup("tokens", help="Staff bearer tokens.")
api_cli.add_command(tokens_cli)
open311_cli = AppGroup("open311", help="Open311 GeoReport v2.")
keys_cli = AppGroup("keys", help="api_keys of Open311 clients.")
open311_cli.add_command(keys_cli)


def _when(moment: object) -> str:
    return moment.isoformat(timespec="seconds") if hasattr(moment, "isoformat") else "-"


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for, e.g. 'dashboard'.")
def tokens_create_command(email: str, name: str) -> None:
    """Print a new bearer token for the staff member EMAIL (acts with their role and unit)."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.UsageError(f"no staff member with e-mail {email!r}")
    if not user.active:
        raise click.UsageError(f"{user.email} is deactivated; activate the account first")
    token, secret = auth.issue_token(user, name)
    db.session.commit()
    click.echo(secret)
    click.echo(f"token {token.id} for {user.email} ({user.role}); it is shown only now", err=True)


@tokens_cli.command("list")
@click.argument("email", required=False)
def tokens_list_command(email: str | None) -> None:
    """List tokens (all, or those of EMAIL): id, user, name, created, last used, revoked."""
    query = select(ApiToken).join(ApiToken.user).order_by(ApiToken.id)
    if email:
        query = query.where(User.email == email.strip().lower())
    for token in db.session.scalars(query):
        click.echo(
            f"{token.id}\t{token.user.email}\t{token.name or '-'}\t{_when(token.created_at)}"
            f"\tused {_when(token.last_used_at)}\trevoked {_when(token.revoked_at)}"
        )


@tokens_cli.command("revoke")
@click.argument("token_ids", nargs=-1, type=int)
@click.option("--user", "email", help="Revoke every token of this staff member instead.")
def tokens_revoke_command(token_ids: tuple[int, ...], email: str | None) -> None:
    """Revoke tokens by id (see ``tokens list``), or all tokens of --user EMAIL."""
    if bool(token_ids) == bool(email):
        raise click.UsageError("give token ids or --user EMAIL (one of the two)")
    if email:
        tokens = list(
            db.session.scalars(
                select(ApiToken).join(ApiToken.user).where(User.email == email.strip().lower())
            )
        )
        if not tokens:
            raise click.UsageError(f"{email} has no API tokens")
    else:
        tokens = list(db.session.scalars(select(ApiToken).where(ApiToken.id.in_(token_ids))))
        missing = set(token_ids) - {token.id for token in tokens}
        if missing:
            raise click.UsageError(f"no token with id {', '.join(map(str, sorted(missing)))}")
    revoked = sum(auth.revoke_token(token) for token in tokens)
    db.session.commit()
    click.echo(f"revoked {revoked} token(s)")


@keys_cli.command("create")
@click.argument("name")
def keys_create_command(name: str) -> None:
    """Print a new Open311 api_key for the client called NAME."""
    if not name.strip():
        raise click.UsageError("NAME must not be empty")
    key, secret = auth.issue_open311_key(name.strip())
    db.session.commit()
    click.echo(secret)
    click.echo(f"api_key {key.id} for {key.name}; it is shown only now", err=True)


@keys_cli.command("list")
def keys_list_command() -> None:
    """List Open311 keys: id, client name, created, revoked."""
    for key in db.session.scalars(select(Open311Key).order_by(Open311Key.id)):
        click.echo(
            f"{key.id}\t{key.name}\t{_when(key.created_at)}\trevoked {_when(key.revoked_at)}"
        )


@keys_cli.command("revoke")
@click.argument("key_id", type=int)
def keys_revoke_command(key_id: int) -> None:
    """Revoke the Open311 api_key with id KEY_ID (see ``keys list``)."""
    key = db.session.get(Open311Key, key_id)
    if key is None:
        raise click.UsageError(f"no api_key with id {key_id}")
    if key.revoked_at is None:
        key.revoked_at = clock.now()
        db.session.commit()
    click.echo(f"revoked api_key {key.id} ({key.name})")
