"""Separate processes racing on one PostgreSQL database: each step and each message once.

Two ``flask sla sweep --now …`` processes and two ``outbox drain`` processes
start together over the same schema, which holds 2,000 complaints past their
verification deadline and a backlog of queued SMS and Telegram messages.
Unlike the thread-based races in tests/test_sla_sweep.py and
tests/test_outbox.py, each racer here is its own interpreter with its own
connection pool, as in production with several hosts. The test looks only at
the command line's output, the database and what the fake Twilio and
Telegram servers received.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from flask import Flask

from complaints import create_app
from complaints.auth import create_user
from complaints.extensions import db
from complaints.models import Complaint, Escalation, OutboundMessage
from tests.conftest import DEFAULT_NOW, STAFF_PASSWORD, _test_config, category, unit
from tests.fakes.telegram_api import FakeTelegramApi
from tests.fakes.twilio_api import FakeTwilioApi
from tests.reliability.processes import app_environment, finish, flask_command, starting_line

WITA = ZoneInfo("Asia/Makassar")
DUE_COMPLAINTS = 2000
# Complaints of the unit whose supervisor has a phone: each escalation there is also an SMS.
SUPERVISED_BY_SMS = 100
QUEUED_SMS = 200
QUEUED_TELEGRAM = 200
SWEEPS = 2
DRAINS = 2
# Received Wednesday 25 November 10:00 WITA: the verification deadline is Monday
# 30 November 10:00, its reminder (75 %) Friday 27 November 12:22:30. A sweep at
# the deadline fires two steps per complaint: the reminder and level 1.
VERIFY_DUE = datetime(2026, 11, 30, 10, 0, tzinfo=WITA)
VERIFY_REMINDER = datetime(2026, 11, 27, 12, 22, 30, tzinfo=WITA)
STEPS_PER_COMPLAINT = 2
PROCESS_TIMEOUT = 90


@pytest.fixture
def providers() -> Iterator[tuple[FakeTwilioApi, FakeTelegramApi]]:
    twilio = FakeTwilioApi().start()
    try:
        with FakeTelegramApi.running() as telegram:
            yield twilio, telegram
    finally:
        twilio.stop()


def _seed_due_complaints() -> None:
    road = category("road-damage")
    units = [unit("PUPR").id] * SUPERVISED_BY_SMS + [unit("DLH").id] * (
        DUE_COMPLAINTS - SUPERVISED_BY_SMS
    )
    rows = [
        {
            "code": f"ADU-PROC-{number:05d}",
            "kind": "complaint",
            "channel": "web",
            "status": "received",
            "priority": "normal",
            "category_id": road.id,
            "unit_id": unit_id,
            "description": "Jalan berlubang di Desa Tanggilingo.",
            "anonymous": False,
            "confidential": False,
            "locale": "id",
            "created_at": DEFAULT_NOW,
            "updated_at": DEFAULT_NOW,
            "reopened_count": 0,
            "verify_due_at": VERIFY_DUE,
            "next_action_at": VERIFY_REMINDER,
            "escalation_level": 0,
            "version": 1,
        }
        for number, unit_id in enumerate(units)
    ]
    db.session.execute(sa.insert(Complaint), rows)


def _seed_queued_messages() -> None:
    # Due by the real clock, which the drain processes use.
    due = datetime.now(UTC) - timedelta(hours=1)
    rows = [
        {
            "key": f"race-{channel}-{number}",
            "channel": channel,
            "address": f"+62812{number:08d}" if channel == "sms" else str(700000 + number),
            "body": f"Pesan antrean {channel} nomor {number}",
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": due,
            "created_at": due,
        }
        for channel, count in (("sms", QUEUED_SMS), ("telegram", QUEUED_TELEGRAM))
        for number in range(count)
    ]
    db.session.execute(sa.insert(OutboundMessage), rows)


def _seed() -> None:
    supervisor = create_user(
        "sari@bonebolangokab.go.id", "supervisor", STAFF_PASSWORD, unit_code="PUPR"
    )
    supervisor.phone = "+6281355550001"
    create_user("rudi@bonebolangokab.go.id", "supervisor", STAFF_PASSWORD, unit_code="DLH")
    _seed_due_complaints()
    _seed_queued_messages()
    db.session.commit()


def _run_together(database_url: str, env: dict[str, str], logs: Path) -> list[tuple[str, int, str]]:
    """Start every racer, let them go at once; wait for all; return (command, exit, stdout)."""
    now = VERIFY_DUE.isoformat()
    commands = [["sla", "sweep", "--now", now]] * SWEEPS + [["outbox", "drain"]] * DRAINS
    processes: list[tuple[str, subprocess.Popen[bytes]]] = []
    results = []
    try:
        with starting_line(
            database_url, ["complaints", "outbound_messages"], len(commands), PROCESS_TIMEOUT
        ) as release:
            for number, args in enumerate(commands):
                log = logs / f"racer-{number}.log"
                processes.append((" ".join(args), flask_command(args, env, log)))
            release()
        for name, process in processes:
            code, output = finish(process, PROCESS_TIMEOUT)
            results.append((name, code, output))
    finally:
        for _, process in processes:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
    return results


def _deliveries(twilio: FakeTwilioApi, telegram: FakeTelegramApi) -> Counter[tuple[str, str]]:
    """(address, text) of every message a provider accepted."""
    delivered: Counter[tuple[str, str]] = Counter()
    for sms in twilio.accepted:
        delivered[(sms.value("To") or "", sms.value("Body") or "")] += 1
    for call in telegram.calls_to("sendMessage"):
        if call.params.get("_delivered"):
            delivered[(str(call.params["chat_id"]), str(call.params["text"]))] += 1
    return delivered


def test_racing_sweep_and_drain_processes_fire_each_step_and_send_each_message_once(
    postgresql_only: None,
    app: Flask,
    database_url: str,
    providers: tuple[FakeTwilioApi, FakeTelegramApi],
    tmp_path: Path,
    set_now: Callable[[datetime], None],
) -> None:
    twilio, telegram = providers
    with app.app_context():
        _seed()
    env = app_environment(database_url, **twilio.config(), **telegram.config())
    env = {key: value for key, value in env.items() if value is not None}

    started = time.monotonic()
    results = _run_together(database_url, env, tmp_path)
    # Messages the sweeps queued after both drains had finished go out now (the
    # same command, run in this process to spare one more interpreter start).
    set_now(datetime.now(UTC))  # the real clock, as in the drain processes
    last = create_app(_test_config(database_url) | twilio.config() | telegram.config())
    outcome = last.test_cli_runner().invoke(args=["outbox", "drain"])
    results.append(("outbox drain (after)", outcome.exit_code, outcome.output))
    elapsed = time.monotonic() - started

    failed = [(name, code) for name, code, _ in results if code != 0]
    assert not failed, (failed, [p.read_text()[-2000:] for p in tmp_path.glob("*.log")])
    summaries = [json.loads(output) for _, _, output in results]
    sweeps, drains = summaries[:SWEEPS], summaries[SWEEPS:]
    assert sum(summary["errors"] for summary in sweeps) == 0

    with app.app_context():
        steps = Counter(
            db.session.execute(
                sa.select(Escalation.complaint_id, Escalation.deadline, Escalation.level)
            ).all()
        )
        messages: Counter[tuple[str, str]] = Counter(
            (address, body)
            for address, body in db.session.execute(
                sa.select(OutboundMessage.address, OutboundMessage.body)
            )
        )
        unsent = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboundMessage)
            .where(OutboundMessage.status != "sent")
        )
    delivered = _deliveries(twilio, telegram)
    expected_steps = DUE_COMPLAINTS * STEPS_PER_COMPLAINT
    queued = sum(messages.values())
    duplicated = sum(max(0, count - messages[key]) for key, count in delivered.items())
    lost = sum(max(0, count - delivered[key]) for key, count in messages.items())
    print(
        f"\nracing processes ({SWEEPS} sweeps, {DRAINS} drains): escalation steps expected "
        f"{expected_steps} / found {len(steps)} / fired twice "
        f"{sum(1 for count in steps.values() if count > 1)}; messages queued {queued} / "
        f"delivered {sum(delivered.values())} / duplicated {duplicated} / lost {lost}; "
        f"{elapsed:.1f} s"
    )
    assert all(count == 1 for count in steps.values())
    assert len(steps) == expected_steps
    assert sum(summary["reminded"] + summary["escalated"] for summary in sweeps) == expected_steps
    # The sweeps queued an SMS to the PUPR supervisor for each escalation there.
    assert queued >= QUEUED_SMS + QUEUED_TELEGRAM + SUPERVISED_BY_SMS
    assert unsent == 0
    assert duplicated == 0 and lost == 0
    assert sum(summary["sent"] for summary in drains) == queued
