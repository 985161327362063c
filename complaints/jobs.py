"""The scheduled jobs, wired in one place: the SLA sweep, the outbox drain, the report preparation,
the purge of photos held for web forms never sent, the routing model's training, the
mailbox poll.

:mod:`sla.scheduler` runs whatever is registered here; the modules doing the
work know nothing of the scheduler. A process that will deliver messages
refuses to start without PUBLIC_BASE_URL (links to citizens come only from it).
"""

from __future__ import annotations

import logging

from flask import Flask

from channels.email import inbound as mail_inbound
from channels.web import held_photos
from sla.scheduler import register_job, scheduler_wanted, start_background
from sla.sweep import sweep

from . import clock, metrics, outbox
from .routing import training as routing_training

logger = logging.getLogger(__name__)

SWEEP_JOB_ID = "sla-sweep"
SWEEP_INTERVAL_SECONDS = 60
OUTBOX_JOB_ID = "outbox-drain"
PREPARE_JOB_ID = "report-prepare"
PHOTO_PURGE_JOB_ID = "held-photos-purge"
ROUTING_TRAIN_JOB_ID = "routing-train"
MAIL_POLL_JOB_ID = "mail-poll"
MAIL_POLL_INTERVAL_SECONDS = 60


def sweep_now() -> None:
    """The scheduled SLA sweep, at the clock's current instant."""
    sweep(clock.now())


def init_app(app: Flask) -> None:
    """Register every job, then start the background scheduler where it is wanted."""
    if scheduler_wanted(app)[0]:
        outbox.require_public_base_url(app)
    elif not app.config.get("PUBLIC_BASE_URL"):
        logger.warning("PUBLIC_BASE_URL is not set: links in messages to citizens are paths only")
    register_job(app, SWEEP_JOB_ID, sweep_now, seconds=SWEEP_INTERVAL_SECONDS)
    register_job(app, OUTBOX_JOB_ID, outbox.drain, seconds=outbox.DRAIN_INTERVAL_SECONDS)
    # Stored report parts read again once their months changed (and last month's
    # and last year's read ahead), before a supervisor asks for them.
    register_job(
        app,
        PREPARE_JOB_ID,
        metrics.prepare_ended_periods,
        seconds=metrics.PREPARE_INTERVAL_SECONDS,
    )
    # Photos of web forms never sent, deleted a day after they were held.
    register_job(
        app,
        PHOTO_PURGE_JOB_ID,
        held_photos.purge_abandoned,
        seconds=held_photos.PURGE_INTERVAL_SECONDS,
    )
    # The routing model learns again once enough new routing decisions came
    # (one process at a time: a claim row in routing_models).
    register_job(
        app,
        ROUTING_TRAIN_JOB_ID,
        routing_training.train_if_due,
        seconds=routing_training.TRAIN_INTERVAL_SECONDS,
    )
    # The IMAP mailbox read for complaints, when it is configured (one process at a
    # time: a lease row in inbound_receipts).
    register_job(app, MAIL_POLL_JOB_ID, mail_inbound.poll_if_on, seconds=MAIL_POLL_INTERVAL_SECONDS)
    start_background(app)
