"""``flask sla sweep`` and ``flask sla run`` through the Flask CLI runner."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import func, select

from complaints import create_app
from complaints.extensions import db
from complaints.models import Escalation
from tests.conftest import Cast, MakeComplaint

FIXED_KEYS = {"now", "due", "reminded", "escalated", "closed", "errors"}
# The reference complaint's verification reminder (see tests/test_sla_sweep.py).
REMINDER_WITA = "2026-11-27T12:22:30"


def escalation_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(Escalation)) or 0


def test_sla_sweep_prints_a_json_summary_with_the_fixed_keys(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    make_complaint()
    result = app.test_cli_runner().invoke(args=["sla", "sweep", "--now", REMINDER_WITA + "+08:00"])

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary.keys() >= FIXED_KEYS
    assert (summary["due"], summary["reminded"], summary["escalated"]) == (1, 1, 0)
    assert summary["escalated_by_level"] == {"1": 0, "2": 0}
    assert summary["now"] == "2026-11-27T04:22:30+00:00"
    assert escalation_rows() == 1


def test_a_now_without_offset_is_read_in_the_office_time_zone(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    make_complaint()
    result = app.test_cli_runner().invoke(args=["sla", "sweep", "--now", REMINDER_WITA])

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["now"] == "2026-11-27T04:22:30+00:00"
    assert summary["reminded"] == 1


def test_a_dry_run_prints_the_summary_and_writes_nothing(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    make_complaint()
    result = app.test_cli_runner().invoke(
        args=["sla", "sweep", "--now", REMINDER_WITA, "--dry-run"]
    )

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert (summary["reminded"], summary["dry_run"]) == (1, True)
    assert escalation_rows() == 0


@pytest.fixture
def bare_app() -> Flask:
    """The app without a database: argument errors stop before any query."""
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_a_bad_now_exits_non_zero_with_a_clear_message(bare_app: Flask) -> None:
    result = bare_app.test_cli_runner().invoke(args=["sla", "sweep", "--now", "next tuesday"])

    assert result.exit_code != 0
    assert "'next tuesday' is not an ISO 8601 date and time" in result.output


def test_the_sla_group_offers_sweep_and_run(bare_app: Flask) -> None:
    result = bare_app.test_cli_runner().invoke(args=["sla", "--help"])

    assert result.exit_code == 0
    assert "sweep" in result.output and "run" in result.output
