"""``flask assessment skm --from DATE --to DATE [--unit UNIT_CODE] --format xlsx|pdf --out FILE``.

Writes the SKM report of a period (and unit, with the units below it; the
whole regency by default) as DESIGN.md names it, read from the survey answers
now, and records it as a report run of kind "skm". Bad arguments exit
non-zero with a message and write nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from complaints.errors import ValidationFailed
from complaints.reports import exports, scope
from complaints.reports.cli import date_option

from . import skm, skm_document, skm_workbook


@click.command("skm")
@click.option("--from", "start_text", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end_text", required=True, help="Last day, YYYY-MM-DD, included.")
@click.option(
    "--unit", "unit_code", help="Unit code (with the units below it); default the regency."
)
@click.option(
    "--format", "output", required=True, type=click.Choice(["xlsx", "pdf"]), help="File type."
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write.",
)
def skm_command(
    start_text: str, end_text: str, unit_code: str | None, output: str, out: Path
) -> None:
    """Write the SKM report of a period (PermenPAN-RB 14/2017) as XLSX or an A4 PDF."""
    start, end = date_option(start_text, "--from"), date_option(end_text, "--to")
    try:
        start, end = scope.parse_period({"from": start.isoformat(), "to": end.isoformat()})
        report = skm.build(start, end, unit_code or None)
    except ValidationFailed as failure:
        raise click.UsageError("; ".join(str(m) for m in failure.fields.values())) from None
    if not out.parent.exists():
        raise click.UsageError(f"the folder {out.parent} does not exist")
    if output == "pdf":
        # The document refers to its stylesheet by URL: render it as a request would.
        with current_app.test_request_context("/staff/reports/skm"):
            content = skm_document.render_pdf(report, scope.today())
    else:
        content = skm_workbook.workbook_bytes(report)
    out.write_bytes(content)
    exports.record_run(None, start, end, unit_code or None, output, kind=skm.RUN_KIND)
    summary = skm.describe(report)
    click.echo(
        f"wrote {out}: {summary['respondents']} respondents, IKM {summary['ikm']} "
        f"({start.isoformat()}..{end.isoformat()}, {summary['unit']})"
    )
