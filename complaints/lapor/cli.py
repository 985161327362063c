"""``flask lapor import`` and ``flask units`` (DESIGN.md, "Units and SP4N-LAPOR! history")."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup

from complaints import units
from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.workflow import Actor

from . import ImportOptions, ImportRefused, import_file

lapor_cli = AppGroup("lapor", help="Complaints forwarded from SP4N-LAPOR!.")
units_cli = AppGroup("units", help="The units (OPD) that handle complaints.")

CLI_ACTOR = Actor.system("lapor-import")


@lapor_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--history",
    is_flag=True,
    help="Past reports: keep LAPOR!'s received instant, unit and final status; send nothing.",
)
@click.option(
    "--create-units",
    is_flag=True,
    help="With --history: create the units LAPOR! names that have no unit here yet.",
)
@click.option("--dry-run", is_flag=True, help="Report what would happen; change nothing.")
def lapor_import_command(file: Path, history: bool, create_units: bool, dry_run: bool) -> None:
    """Import a SP4N-LAPOR! export (.xlsx or .csv); print a JSON summary.

    Exits 1 when some rows could not be imported (each is named on stderr as
    FILE:ROW: message); the other rows are imported all the same.
    """
    if create_units and not history:
        raise click.UsageError("--create-units needs --history (units are read from history)")
    options = ImportOptions(history=history, create_units=create_units, dry_run=dry_run)
    try:
        summary = import_file(file.read_bytes(), file.name, options, CLI_ACTOR)
    except ImportRefused as refusal:
        raise click.UsageError(f"{file}: {refusal}") from None
    click.echo(json.dumps(summary.as_json(), ensure_ascii=False))
    for row, message in sorted(summary.errors):
        click.echo(f"{file}:{row}: {message}", err=True)
    if summary.errors:
        sys.exit(1)


@units_cli.command("list")
def units_list_command() -> None:
    """Print every unit as JSON: [{"code", "name", "aliases", "active"}, ...]."""
    click.echo(json.dumps(units.listing(), ensure_ascii=False))


@units_cli.command("create")
@click.argument("code")
@click.option("--name", required=True, help="The unit's name, as staff read it.")
@click.option(
    "--alias",
    "aliases",
    multiple=True,
    help="Another name (as SP4N-LAPOR! spells it); repeat for more.",
)
def units_create_command(code: str, name: str, aliases: tuple[str, ...]) -> None:
    """Create an active unit with the code CODE (letters, digits, - and _)."""
    try:
        unit = units.create_unit(code, name, aliases)
        db.session.commit()
    except ValidationFailed as failure:
        db.session.rollback()
        raise click.UsageError(failure.message) from None
    click.echo(f"created unit {unit.code}: {unit.name}")


def init_app(app: Flask) -> None:
    app.cli.add_command(lapor_cli)
    app.cli.add_command(units_cli)
