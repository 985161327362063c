"""Periodic jobs, run by APScheduler in the serving process or in ``flask sla run``.

Job-agnostic infrastructure: :func:`register_job` records a job for an app,
:func:`start_background` starts the jobs where :func:`scheduler_wanted` says
this process should run them (a process that serves the app, not other CLI
commands, not under test, not the reloader's watching parent, at most once
per process), :func:`build_scheduler` gives ``flask sla run`` the same jobs.
Which jobs exist is decided in one place, :mod:`complaints.jobs`. Each job
runs inside a fresh application context; its exceptions are logged and never
stop the scheduler. Several processes running the jobs at once is safe: the
jobs claim their rows in the database.
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

logger = logging.getLogger(__name__)

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
