"""The background scheduler: where it starts, and what its jobs do."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.cli import FlaskGroup
from sqlalchemy import select

from complaints import create_app
from complaints.extensions import db
from complaints.jobs import SWEEP_JOB_ID
from complaints.models import Escalation
from sla.scheduler import (
    JobSpec,
    build_scheduler,
    register_job,
    run_job,
    scheduler_wanted,
    state_of,
)
from tests.conftest import Cast, MakeComplaint
from tests.test_sla_sweep import VERIFY_REMINDER


@pytest.fixture
def bare_app() -> Flask:
    """The app without a database, for what never touches one."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_create_app_registers_the_sweep_but_does_not_start_it_under_testing() -> None:
    app = create_app(
        {"TESTING": True, "ADUAN_SCHEDULER": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )

    state = state_of(app)
    assert state.scheduler is None
    assert state.jobs[SWEEP_JOB_ID].seconds == 60


def test_a_registered_job_joins_the_scheduler_with_safe_defaults(bare_app: Flask) -> None:
    register_job(bare_app, "outbox-drain", lambda: None, seconds=5)

    scheduler = build_scheduler(bare_app)
    scheduler.start(paused=True)  # job defaults apply once started; paused runs nothing
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)

    assert set(jobs) == {
        SWEEP_JOB_ID,
        "outbox-drain",
        "report-prepare",
        "held-photos-purge",
        "routing-train",
        "mail-poll",
    }
    sweep_job = jobs[SWEEP_JOB_ID]
    assert (sweep_job.coalesce, sweep_job.max_instances) == (True, 1)
    assert sweep_job.trigger.interval == timedelta(seconds=60)
    assert jobs["outbox-drain"].trigger.interval == timedelta(seconds=5)
    assert jobs["report-prepare"].trigger.interval == timedelta(minutes=10)
    assert jobs["held-photos-purge"].trigger.interval == timedelta(hours=1)
    assert jobs["routing-train"].trigger.interval == timedelta(minutes=10)
    assert jobs["mail-poll"].trigger.interval == timedelta(minutes=1)


def test_the_sweep_job_runs_a_sweep_inside_its_own_app_context(
    app: Flask,
    cast: Cast,
    make_complaint: MakeComplaint,
    set_now: Callable[[datetime], None],
) -> None:
    complaint = make_complaint()
    set_now(VERIFY_REMINDER)

    run_job(app, state_of(app).jobs[SWEEP_JOB_ID])

    db.session.expire_all()
    fired = db.session.scalars(select(Escalation).where(Escalation.complaint_id == complaint.id))
    assert [(row.deadline, row.level) for row in fired] == [("verify", 0)]


def test_a_failing_job_is_logged_and_does_not_raise(
    bare_app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> None:
        raise RuntimeError("transport exploded")

    with caplog.at_level(logging.ERROR, logger="sla.scheduler"):
        run_job(bare_app, JobSpec("outbox-drain", broken, 5))

    assert "scheduled job outbox-drain failed" in caplog.text
    assert "transport exploded" in caplog.text


@pytest.fixture
def flask_cli(monkeypatch: pytest.MonkeyPatch) -> Callable[[list[str]], list[bool]]:
    """Run the real ``flask`` command group; report what the factory decided on each load.

    The development server is replaced by a no-op so ``run`` returns at once.
    """
    # Restored afterwards: the Flask CLI sets both while it runs.
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "false")
    monkeypatch.setenv("FLASK_DEBUG", "0")
    monkeypatch.setattr("flask.cli.run_simple", lambda *args, **kwargs: None)

    def invoke(args: list[str]) -> list[bool]:
        decisions: list[bool] = []

        def factory() -> Flask:
            app = Flask("aduan_cli_probe")
            app.config.update(ADUAN_SCHEDULER=True)
            app.cli.command("seed")(lambda: None)
            decisions.append(scheduler_wanted(app)[0])
            return app

        result = CliRunner().invoke(FlaskGroup(create_app=factory), args)
        assert result.exit_code == 0, result.output
        return decisions

    return invoke


def test_the_scheduler_is_wanted_under_flask_run_but_not_other_commands(
    flask_cli: Callable[[list[str]], list[bool]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert flask_cli(["seed"]) == [False]
    assert flask_cli(["run", "--no-reload"]) == [True]
    # The reloader's parent only watches files; its child (WERKZEUG_RUN_MAIN) serves.
    assert flask_cli(["run", "--reload"]) == [False]
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    assert flask_cli(["run", "--reload"]) == [True]


def test_the_scheduler_is_wanted_by_a_wsgi_server_unless_switched_off() -> None:
    served = Flask("aduan_wsgi_probe")
    served.config.update(ADUAN_SCHEDULER=True)
    assert scheduler_wanted(served) == (True, "serving outside the Flask CLI")
    served.config.update(ADUAN_SCHEDULER=False)
    assert scheduler_wanted(served)[0] is False
