"""Reports: the assessment figures for staff, LAPOR! and walk-in intake, the public /stats page.

- ``/staff/reports…``: dashboard, printable evidence, CSV/XLSX (supervisors, admins);
- ``/staff/intake…``: registering walk-in and LAPOR! complaints, the LAPOR! export import
  page (the importer is :mod:`complaints.lapor`);
- ``/stats``: the public transparency page;
- ``/api/v1/metrics``: the report as JSON;
- ``flask report`` (and ``flask report backfill-durations``); ``flask lapor`` and ``flask units``
  are registered here from :mod:`complaints.lapor.cli`.
"""

from __future__ import annotations

from flask import Flask

from complaints import durations

from . import api, cli, intake_views, stats, views  # noqa: F401 -- intake_views adds routes


def init_app(app: Flask) -> None:
    """Register the blueprints and the CLI commands; warn if stored durations are missing."""
    app.register_blueprint(views.bp)
    app.register_blueprint(stats.bp)
    app.register_blueprint(api.bp)
    cli.init_app(app)
    if not app.testing:
        durations.warn_if_missing(app)  # one probe of a partial index
