"""SLA: the working-time calendar, policies, stored deadlines, the escalation sweep, scheduler."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the ``flask sla`` commands and the sweep job; start the scheduler where wanted.

    The imports are local: ``complaints.workflow`` imports ``sla.deadlines``,
    so this package must not import the workflow while it is being imported.
    """
    from . import cli, scheduler

    cli.init_app(app)
    scheduler.init_app(app)
