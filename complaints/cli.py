"""Command-line interface: ``flask --app wsgi seed demo``, ``users create`` …"""

from __future__ import annotations

import json

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from . import workflow
from .auth import create_user
from .backup import backup_command
from .codes import complaint_by_code
from .config import ConfigError
from .erasure import erase_person
from .errors import DomainError, ValidationFailed
from .extensions import db
from .outbox import drain, require_public_base_url
from .seed import DEMO_USERS, seed_demo

seed_cli = AppGroup("seed", help="Load reference and demo data.")
users_cli = AppGroup("users", help="Manage staff accounts.")
outbox_cli = AppGroup("outbox", help="Outbound messages.")
privacy_cli = AppGroup("privacy", help="Citizens' personal data.")


@outbox_cli.command("drain")
def outbox_drain_command() -> None:
    """Deliver every message due now; print a JSON summary."""
    try:
        require_public_base_url(current_app._get_current_object())  # type: ignore[attr-defined]
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(drain().as_json()))


@seed_cli.command("demo")
def seed_demo_command() -> None:
    """Units, categories, SLA policies, demo staff and sample complaints (idempotent)."""
    created = seed_demo()
    click.echo("Demo data ready" + (" (created now)." if created else " (already there)."))
    for email, role, password, _unit in DEMO_USERS:
        click.echo(f"  {role:<10} {email}  password: {password}")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["officer", "supervisor", "admin"]))
@click.option("--unit", "unit_code", help="Unit code (required for officers and supervisors).")
@click.option("--password", required=True, help="At least 10 characters.")
@click.option("--name", default="", help="Display name.")
def users_create_command(
    email: str, role: str, unit_code: str | None, password: str, name: str
) -> None:
    """Create a staff account."""
    try:
        user = create_user(email, role, password, unit_code=unit_code, name=name)
        db.session.commit()
    except ValidationFailed as failure:
        db.session.rollback()
        raise click.UsageError(failure.message) from None
    click.echo(f"created {user.role} {user.email}")


@privacy_cli.command("erase")
@click.argument("code")
@click.option("--reason", required=True, help="Why (e.g. the citizen's request and its date).")
@click.option(
    "--all-complaints",
    is_flag=True,
    help="Also every other complaint of the same person (same phone, e-mail, NIK or Telegram).",
)
def privacy_erase_command(code: str, reason: str, all_complaints: bool) -> None:
    """Erase the personal data of the reporter of complaint CODE; print a JSON summary.

    With --all-complaints the summary's "also" lists the person's other complaints erased.
    """

    complaint = complaint_by_code(code)
    if complaint is None:
        raise click.BadParameter(f"no complaint with code {code!r}", param_hint="CODE")
    actor = workflow.Actor.system("cli")
    try:
        summary, *others = erase_person(complaint, actor, reason, all_complaints=all_complaints)
        workflow.commit()
    except DomainError as refusal:
        db.session.rollback()
        raise click.UsageError(refusal.message) from None
    click.echo(json.dumps({**summary.as_json(), "also": [other.as_json() for other in others]}))


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(backup_command)
