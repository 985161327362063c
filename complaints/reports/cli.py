"""``flask report …`` (DESIGN.md) and ``flask report backfill-durations``.

``flask lapor`` and ``flask units`` live in :mod:`complaints.lapor.cli`, registered here.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import click
from flask import Flask
from flask_babel import force_locale

from complaints import durations, metrics
from complaints.durations import BACKFILL_BATCH
from complaints.errors import ValidationFailed
from complaints.lapor import cli as lapor_cli

from . import exports, workbook


def date_option(value: str, option: str) -> date:
    """The day an option such as ``--from`` names (YYYY-MM-DD); a bad one is a usage error.

    Every command taking a period (``report``, ``assessment dossier``,
    ``assessment skm``) reads its dates with this.
    """
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2026-01-31", param_hint=option
        ) from None


@click.group("report", invoke_without_command=True)
@click.option("--from", "start_text", help="First day, YYYY-MM-DD (required).")
@click.option("--to", "end_text", help="Last day, YYYY-MM-DD, included (required).")
@click.option("--unit", "unit_code", help="Unit code (with the units below it).")
@click.option("--format", "kind", type=click.Choice(["csv", "xlsx", "json"]), help="File type.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), help="File.")
@click.option(
    "--lang",
    type=click.Choice(["id", "en"]),
    default="id",
    show_default=True,
    help="Language of the xlsx workbook's sheets and headers.",
)
@click.pass_context
def report_command(
    context: click.Context,
    start_text: str | None,
    end_text: str | None,
    unit_code: str | None,
    kind: str | None,
    out: Path | None,
    lang: str,
) -> None:
    """Write the complaint-handling report for a period (csv: the figures, for programs;
    xlsx: the workbook people read, with the complaint list; json: the figures as
    GET /api/v1/metrics answers them), read from the complaints now. The options are
    required unless a subcommand is given."""
    if context.invoked_subcommand is not None:
        return
    for name, value in (("start_text", start_text), ("end_text", end_text)):
        _required(context, name, value)
    _required(context, "kind", kind)
    _required(context, "out", out)
    assert start_text and end_text and kind and out
    start, end = date_option(start_text, "--from"), date_option(end_text, "--to")
    try:
        # Fresh: an operator's file must hold every change, even one made outside Aduan.
        figures = metrics.report(start, end, unit_code, fresh=True)
    except ValidationFailed as failure:
        raise click.UsageError(failure.message) from None
    if not out.parent.exists():
        raise click.UsageError(f"the folder {out.parent} does not exist")
    if kind == "json":
        out.write_text(json.dumps(figures, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    elif kind == "csv":
        with out.open("w", encoding="utf-8", newline="") as handle:
            handle.writelines(exports.figures_csv(figures, exports.office_zone()))
    else:
        with force_locale(lang):
            workbook.write_report(figures, out)
    exports.record_run(None, start, end, unit_code, kind)
    totals = figures["totals"]
    click.echo(
        f"wrote {out}: {totals['received']} received, {totals['completed']} completed "
        f"({start.isoformat()}..{end.isoformat()}{' ' + unit_code if unit_code else ''})"
    )


def _required(context: click.Context, name: str, value: object) -> None:
    if value is None:
        parameter = next(p for p in context.command.params if p.name == name)
        raise click.MissingParameter(ctx=context, param=parameter)


@report_command.command("backfill-durations")
@click.option("--batch", "batch_size", type=click.IntRange(min=1), default=BACKFILL_BATCH)
def backfill_durations_command(batch_size: int) -> None:
    """Store the working-time durations of every complaint recorded without them
    (rows from before migration 0004, bulk imports); prints a JSON summary."""
    summary = durations.backfill(batch_size)
    click.echo(json.dumps(summary.as_json()))


def init_app(app: Flask) -> None:
    app.cli.add_command(report_command)
    lapor_cli.init_app(app)
