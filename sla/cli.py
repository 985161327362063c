"""``flask sla sweep [--now ISO8601] [--dry-run]`` and ``flask sla run``."""

from __future__ import annotations

import json
import logging
import signal
from datetime import UTC, datetime
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo

import click
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask, current_app
from flask.cli import AppGroup

from complaints import clock
from complaints.config import ConfigError
from complaints.outbox import require_public_base_url

from .scheduler import build_scheduler
from .sweep import sweep

sla_cli = AppGroup("sla", help="SLA deadlines: run one sweep, or the scheduler alone.")


class InstantType(click.ParamType):
    """An ISO 8601 date and time; without an offset it is read in ADUAN_TIMEZONE."""

    name = "ISO8601"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, datetime):
            return value
        try:
            moment = datetime.fromisoformat(str(value).strip())
        except ValueError:
            self.fail(
                f"{value!r} is not an ISO 8601 date and time "
                "(for example 2026-11-25T10:00:00+08:00, or 2026-11-25T10:00 in office time).",
                param,
                ctx,
            )
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=ZoneInfo(current_app.config["ADUAN_TIMEZONE"]))
        return moment.astimezone(UTC)


@sla_cli.command("sweep")
@click.option(
    "--now",
    "moment",
    type=InstantType(),
    help="Sweep as if it were this instant (default: the current time).",
)
@click.option("--dry-run", is_flag=True, help="Count what would happen; write nothing.")
def sweep_command(moment: datetime | None, dry_run: bool) -> None:
    """Run one SLA sweep and print its JSON summary."""
    summary = sweep(moment or clock.now(), dry_run=dry_run)
    click.echo(json.dumps(summary.as_json(), indent=2))


@sla_cli.command("run")
def run_scheduler_command() -> None:
    """Run the scheduled jobs (SLA sweep, outbox) in the foreground until interrupted."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    try:
        require_public_base_url(app)  # the scheduler delivers the outbox
    except ConfigError as error:
        raise click.ClickException(str(error)) from None
    if not logging.getLogger().handlers:
        # A dedicated process has nobody else to set up logging; its log is its output.
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    scheduler = build_scheduler(app, BlockingScheduler)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    jobs = ", ".join(job.id for job in scheduler.get_jobs())
    click.echo(f"Running scheduled jobs ({jobs}); press Ctrl+C to stop.")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        if scheduler.running:
            scheduler.shutdown(wait=False)
    click.echo("Scheduler stopped.")


def init_app(app: Flask) -> None:
    app.cli.add_command(sla_cli)
