"""Reports: the assessment figures for staff, LAPOR! and walk-in intake, the public /stats page.

- ``/staff/reports…``: dashboard, printable evidence, CSV/XLSX (supervisors, admins);
- ``/staff/intake…``: registering walk-in and LAPOR! complaints, LAPOR! CSV import;
- ``/stats``: the public transparency page;
- ``/api/v1/metrics``: the report as JSON;
- ``flask report`` (and ``flask report backfill-durations``) and ``flask lapor import``.
"""

from __future__ import annotations

from flask import Flask

from complaints import durations

PREPARE_JOB_ID = "report-prepare"


def init_app(app: Flask) -> None:
    """Register the blueprints, the CLI commands and the scheduled preparation."""
    from . import api, cli, intake_views, stats, views  # noqa: F401 -- intake_views adds routes

    app.register_blueprint(views.bp)
    app.register_blueprint(stats.bp)
    app.register_blueprint(api.bp)
    cli.init_app(app)
    # Stored report parts read again once their months changed (and last month's
    # and last year's read ahead), before a supervisor asks for them.
    from complaints import metrics
    from sla.scheduler import register_job

    register_job(
        app,
        PREPARE_JOB_ID,
        metrics.prepare_ended_periods,
        seconds=metrics.PREPARE_INTERVAL_SECONDS,
    )
    if not app.testing:
        durations.warn_if_missing(app)  # one probe of a partial index
