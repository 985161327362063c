"""A provider goes down while citizens' answers wait in the outbox, then comes back.

Shared by the channel tests that drive a real client against a fake provider
(the SMS gateway, WhatsApp's Cloud API, SMTP): :func:`assert_delivered_once_after_outage`
walks the steps an operator sees with ``flask outbox drain`` — the drain
reports the messages retrying, each waits with a next attempt, nothing is
tried again before its backoff ends even once the provider is back, and then
each is delivered exactly once and marked sent.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sized
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.models import OutboundMessage

NOTHING = {"sent": 0, "failed": 0, "retrying": 0}


def drain_by_cli(app: Flask) -> dict[str, int]:
    """``flask outbox drain`` as an operator runs it: its JSON summary (the last line)."""
    result = app.test_cli_runner().invoke(args=["outbox", "drain"])
    assert result.exit_code == 0, result.output
    summary: dict[str, int] = json.loads(result.output.strip().splitlines()[-1])
    return summary


def outbox_rows(ids: list[int] | None = None) -> list[OutboundMessage]:
    """The outbox as stored now (only the rows ``ids`` when given)."""
    db.session.expire_all()
    query = select(OutboundMessage).order_by(OutboundMessage.id)
    if ids is not None:
        query = query.where(OutboundMessage.id.in_(ids))
    return list(db.session.scalars(query))


def assert_delivered_once_after_outage(
    app: Flask,
    *,
    go_down: Callable[[], None],
    come_back: Callable[[], None],
    received: Callable[[], Sized],
) -> list[OutboundMessage]:
    """Every queued message survives an outage of its provider and arrives once.

    ``received`` tells what the fake provider accepted so far (one item per
    message). Returns the outbox rows, all sent, for the caller's own checks.
    """
    queued = [row.id for row in outbox_rows() if row.status == "pending"]
    assert queued, "nothing is queued: the outage would prove nothing"
    count = len(queued)

    # 1. The provider is down: the drain reports every message retrying, none lost.
    go_down()
    assert drain_by_cli(app) == {"sent": 0, "failed": 0, "retrying": count}
    assert len(received()) == 0
    now = clock.now()
    waiting = outbox_rows(queued)
    for row in waiting:
        assert (row.status, row.attempts) == ("pending", 1), row.last_error
        assert row.next_attempt_at > now and row.last_error
    retry_at = max(row.next_attempt_at for row in waiting)

    # 2. Back, but the backoff has not ended: nothing is tried yet.
    come_back()
    assert drain_by_cli(app) == NOTHING
    assert len(received()) == 0

    # 3. Past the backoff: each message is delivered once and marked sent.
    clock.set_now(retry_at + timedelta(seconds=1))
    assert drain_by_cli(app) == {"sent": count, "failed": 0, "retrying": 0}
    assert drain_by_cli(app) == NOTHING
    assert len(received()) == count
    rows = outbox_rows(queued)
    assert [(row.status, row.attempts) for row in rows] == [("sent", 2)] * count
    assert all(row.provider_message_id and row.sent_at for row in rows)
    return rows
