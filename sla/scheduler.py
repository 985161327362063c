"""Periodic jobs in the web process: the SLA sweep every minute, and whatever else registers.

Other packages add their jobs with :func:`register_job` from their own
``init_app`` (the outbox drain will: ``register_job(app, "outbox-drain",
drain_due, seconds=5)``); it works before and after the scheduler started.
Every job runs inside a fresh application context, and its exceptions are
logged, never allowed to stop the scheduler.

Where it runs (see :func:`scheduler_wanted`): in every process that serves
the app (each gunicorn worker, ``flask run``), when ``ADUAN_SCHEDULER`` is on
and the app is not under test; never during other CLI commands (``flask db
upgrade``, ``flask seed demo`` …), never in the reloader's watching parent of
``flask run --debug``, and at most once per process. Several processes
running it at once is safe: the sweep claims rows in the database. ``flask
sla run`` runs the same jobs in the foreground for a dedicated process.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import click
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from flask import Flask
from flask.cli import run_command
from flask.helpers import get_debug_flag
from werkzeug.serving import is_running_from_reloader

from complaints import clock

logger = logging.getLogger(__name__)

SWEEP_JOB_ID = "sla-sweep"
SWEEP_INTERVAL_SECONDS = 60

JOB_DEFAULTS: dict[str, Any] = {
    # After a pause (suspended laptop, long GC) run a late job once, not once per missed slot.
    "coalesce": True,
    # A sweep still running when the next one is due is not doubled.
    "max_instances": 1,
    # Runs up to this late still happen; later ones wait for the next slot.
    "misfire_grace_time": 30,
}

_EXTENSION_KEY = "aduan_scheduler"
_process_lock = threading.Lock()
_process_scheduler: BaseScheduler | None = None


@dataclass(frozen=True)
class JobSpec:
    """A job: ``func()`` every ``seconds``, run inside the app's context."""

    job_id: str
    func: Callable[[], object]
    seconds: float


@dataclass
class SchedulerState:
    """Per app: the registered jobs, and the background scheduler if this app started one."""

    jobs: dict[str, JobSpec] = field(default_factory=dict)
    scheduler: BaseScheduler | None = None


def state_of(app: Flask) -> SchedulerState:
    """The app's scheduler state (created on first use)."""
    state = app.extensions.setdefault(_EXTENSION_KEY, SchedulerState())
    assert isinstance(state, SchedulerState)
    return state


def register_job(app: Flask, job_id: str, func: Callable[[], object], *, seconds: float) -> None:
    """Run ``func()`` every ``seconds`` in the app's scheduler (and in ``flask sla run``).

    Registering an id again replaces the job. If the background scheduler is
    already running, the job is added to it at once.
    """
    if seconds <= 0:
        raise ValueError(f"job {job_id!r}: seconds must be positive, got {seconds!r}")
    spec = JobSpec(job_id=job_id, func=func, seconds=seconds)
    state = state_of(app)
    state.jobs[job_id] = spec
    if state.scheduler is not None:
        _add_job(state.scheduler, app, spec)


def run_job(app: Flask, spec: JobSpec) -> None:
    """Run one job inside a fresh app context; log its exception instead of raising it."""
    with app.app_context():
        try:
            spec.func()
        except Exception:
            logger.exception("scheduled job %s failed", spec.job_id)


def sweep_job() -> None:
    """The scheduled SLA sweep, at the clock's current instant."""
    from .sweep import sweep

    sweep(clock.now())


def build_scheduler(
    app: Flask, scheduler_class: type[BaseScheduler] = BackgroundScheduler
) -> BaseScheduler:
    """A scheduler (not started) holding every job registered for ``app``."""
    scheduler = scheduler_class(timezone=UTC, job_defaults=JOB_DEFAULTS)
    for spec in state_of(app).jobs.values():
        _add_job(scheduler, app, spec)
    return scheduler


def _add_job(scheduler: BaseScheduler, app: Flask, spec: JobSpec) -> None:
    scheduler.add_job(
        run_job,
        trigger="interval",
        seconds=spec.seconds,
        args=(app, spec),
        id=spec.job_id,
        name=spec.job_id,
        replace_existing=True,
        # First run at start, not one interval later: a freshly started process
        # (a deploy, `flask sla run`) catches up at once.
        next_run_time=datetime.now(UTC),
    )


def scheduler_wanted(app: Flask) -> tuple[bool, str]:
    """Whether this process should run the background scheduler for ``app``, and why.

    The app factory runs in many places; only the ones that serve requests
    should run jobs. Under the Flask CLI the factory is called while a click
    command is being resolved or run, so the current click context says
    which command it is; a WSGI server (gunicorn importing ``wsgi.py``) has
    no click context at all.
    """
    if not app.config.get("ADUAN_SCHEDULER"):
        return False, "ADUAN_SCHEDULER is off"
    if app.testing:
        return False, "the app is under test"
    command = click.get_current_context(silent=True)
    if command is None:
        return True, "serving outside the Flask CLI"
    if command.command is not run_command:
        return False, f"CLI command {command.command_path!r} is not `flask run`"
    reload = command.params.get("reload")
    if reload is None:
        reload = get_debug_flag()  # `flask run` reloads by default in debug mode
    if reload and not is_running_from_reloader():
        return False, "the reloader's parent process; its child runs the jobs"
    return True, "flask run"


def start_background(app: Flask) -> BaseScheduler | None:
    """Start the background scheduler if :func:`scheduler_wanted` says so, once per process."""
    global _process_scheduler
    wanted, reason = scheduler_wanted(app)
    if not wanted:
        logger.debug("scheduler not started: %s", reason)
        return None
    with _process_lock:
        if _process_scheduler is not None:
            logger.info("scheduler already running in this process; not starting another")
            return None
        scheduler = build_scheduler(app)
        scheduler.start()
        _process_scheduler = scheduler
        state_of(app).scheduler = scheduler
    atexit.register(_shutdown, scheduler)
    logger.info(
        "scheduler started (%s): %s", reason, ", ".join(job.id for job in scheduler.get_jobs())
    )
    return scheduler


def _shutdown(scheduler: BaseScheduler) -> None:
    if scheduler.running:
        # Do not wait: a sweep cut short rolls back, and the next one redoes it.
        scheduler.shutdown(wait=False)


def init_app(app: Flask) -> None:
    """Register the SLA sweep job and start the background scheduler where wanted."""
    register_job(app, SWEEP_JOB_ID, sweep_job, seconds=SWEEP_INTERVAL_SECONDS)
    start_background(app)
