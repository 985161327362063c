"""``flask assessment dossier --from DATE --to DATE [--unit UNIT_CODE] --out FILE.pdf`` (DESIGN.md).

Issues a dossier (the next number of the year, recorded as a report run
without a user) for the period and unit, signed by the letterhead's usual
signer today, and writes its A4 PDF. Bad arguments exit non-zero with a
message and write nothing.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app

from complaints.errors import ValidationFailed
from complaints.reports import scope
from complaints.reports.cli import date_option

from . import dossier, dossier_numbers


@click.command("dossier")
@click.option("--from", "start_text", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end_text", required=True, help="Last day, YYYY-MM-DD, included.")
@click.option(
    "--unit", "unit_code", help="Unit code (with the units below it); default the regency."
)
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The PDF file to write.",
)
def dossier_command(start_text: str, end_text: str, unit_code: str | None, out: Path) -> None:
    """Write the PEKPPP evidence dossier of a period (A4 PDF) with its new document number."""
    start, end = date_option(start_text, "--from"), date_option(end_text, "--to")
    if out.suffix.lower() != ".pdf":
        raise click.BadParameter("the dossier is a PDF: name the file FILE.pdf", param_hint="--out")
    try:
        start, end = scope.parse_period({"from": start.isoformat(), "to": end.isoformat()})
    except ValidationFailed as failure:
        raise click.UsageError("; ".join(str(m) for m in failure.fields.values())) from None
    unit = scope.unit_by_code(unit_code)
    if unit_code and unit is None:
        raise click.BadParameter(f"no unit has the code {unit_code!r}", param_hint="--unit")
    # The page refers to its stylesheet by URL: render it as a request would.
    with current_app.test_request_context("/staff/reports/dossier"):
        run = dossier_numbers.issue(None, start, end, unit, "pdf")
        pdf = dossier.render_pdf(run, dossier.default_signer(scope.today()))
    out.write_bytes(pdf)
    click.echo(f"{run.document_number} {out} ({len(pdf)} bytes)")
