"""Killing gunicorn mid-stream loses no acknowledged complaint and files none twice.

A client with eight threads files complaints through ``POST /api/v1/complaints``,
each request with its own ``Idempotency-Key``, retrying on connection errors
and 5xx with the same key, as a well-behaved program would. Twice during the
stream the test SIGKILLs gunicorn mid-request: first its workers (the master
forks new ones), then its whole process group, master included, after which
gunicorn is started again. Afterwards every tracking code the client
was given exists with its first event and its acknowledgement in the outbox,
and no key was turned into two complaints.

The count is small in the suite; ``ADUAN_CRASH_REQUESTS=2000`` runs the full
stream by hand.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import Flask

from complaints.extensions import db
from complaints.models import Complaint, ComplaintEvent, OutboundMessage
from tests.reliability.processes import Gunicorn, app_environment, request

REQUESTS = int(os.environ.get("ADUAN_CRASH_REQUESTS", "160"))
CLIENT_THREADS = 8
CRASHES = 2
STREAM_TIMEOUT = float(os.environ.get("ADUAN_CRASH_TIMEOUT", "90"))


@dataclass
class Stream:
    """What the client was told, shared by its threads."""

    run: str
    port: int
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> tracking code
    retries: int = 0
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_index: int = 0

    def take(self) -> int | None:
        with self.lock:
            if self.next_index >= REQUESTS:
                return None
            self.next_index += 1
            return self.next_index - 1

    @property
    def done(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def _complaint_body(index: int) -> dict[str, object]:
    return {
        "category": "road-damage",
        "description": f"Jalan berlubang nomor {index} di Desa Tanggilingo, mohon diperbaiki.",
        "phone": f"0812{index:08d}",
    }


def _file_one(stream: Stream, index: int, deadline: float) -> None:
    """Send one complaint until it is acknowledged, retrying with the same key."""
    key = f"{stream.run}-{index}"
    headers = {"Idempotency-Key": key, "Accept-Language": "en"}
    while time.monotonic() < deadline:
        try:
            status, _, body = request(
                stream.port, "POST", "/api/v1/complaints", _complaint_body(index), headers
            )
        except (OSError, http.client.HTTPException):
            status, body = 0, b""
        if status in (200, 201):
            with stream.lock:
                stream.acknowledged[key] = json.loads(body)["code"]
            return
        if 0 < status < 500:
            with stream.lock:
                stream.failures.append(f"{key}: {status} {body[:200]!r}")
            return
        with stream.lock:
            stream.retries += 1
        time.sleep(0.05)
    with stream.lock:
        stream.failures.append(f"{key}: never acknowledged")


def _client(stream: Stream, deadline: float) -> None:
    while (index := stream.take()) is not None:
        _file_one(stream, index, deadline)


def _crash_twice(server: Gunicorn, stream: Stream, deadline: float) -> int:
    """SIGKILL gunicorn at one third and two thirds of the stream.

    First only the workers (the master forks new ones), then the whole
    process group at once, master included, and gunicorn is started again.
    """
    crashes = 0
    for share in range(1, CRASHES + 1):
        mark = REQUESTS * share // (CRASHES + 1)
        while stream.done < mark and time.monotonic() < deadline:
            time.sleep(0.01)
        if share == 1:
            assert server.kill_workers() == server.workers
        else:
            server.crash()
            time.sleep(0.2)  # clients hit a closed port meanwhile
            server.start()
        crashes += 1
    return crashes


def _check_database(acknowledged: dict[str, str]) -> tuple[int, int]:
    """(found complete, keys with more than one complaint) for the acknowledged codes."""
    codes = set(acknowledged.values())
    complaints = db.session.execute(
        sa.select(Complaint.id, Complaint.code, Complaint.description).where(
            Complaint.channel == "api"
        )
    ).all()
    first_event = {
        complaint_id
        for (complaint_id,) in db.session.execute(
            sa.select(ComplaintEvent.complaint_id).where(ComplaintEvent.to_status == "received")
        )
    }
    acknowledgement = {
        complaint_id
        for (complaint_id,) in db.session.execute(
            sa.select(OutboundMessage.complaint_id).where(OutboundMessage.channel == "sms")
        )
    }
    found = sum(
        1
        for complaint_id, code, _ in complaints
        if code in codes and complaint_id in first_event and complaint_id in acknowledgement
    )
    # Each key's body is unique (its description carries the request's number), so
    # two complaints with one description are one request filed twice.
    per_request = Counter(description for _, _, description in complaints)
    duplicated = sum(count - 1 for count in per_request.values())
    return found, duplicated


def test_killing_gunicorn_twice_mid_stream_loses_and_duplicates_nothing(
    app: Flask, database_url: str, tmp_path: Path
) -> None:
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    server = Gunicorn(app_environment(database_url), tmp_path / "gunicorn.log", preload=True)
    stream = Stream(run=uuid.uuid4().hex[:8], port=server.port)
    deadline = time.monotonic() + STREAM_TIMEOUT
    clients = [
        threading.Thread(target=_client, args=(stream, deadline), daemon=True)
        for _ in range(CLIENT_THREADS)
    ]
    started = time.monotonic()
    try:
        server.start()
        for client in clients:
            client.start()
        crashes = _crash_twice(server, stream, deadline)
        for client in clients:
            client.join(timeout=max(0.0, deadline - time.monotonic()) + 5)
    finally:
        server.stop()
    elapsed = time.monotonic() - started

    assert not any(client.is_alive() for client in clients), "the client stream overran"
    assert crashes == CRASHES
    assert stream.failures == [], stream.failures[:5]
    with app.app_context():
        found, duplicated = _check_database(stream.acknowledged)
        stored = db.session.scalar(
            sa.select(sa.func.count()).select_from(Complaint).where(Complaint.channel == "api")
        )
    acknowledged = len(stream.acknowledged)
    print(
        f"\ncrash during intake ({backend}): acknowledged {acknowledged} / found {found} / "
        f"duplicated {duplicated}; {CRASHES} SIGKILLs, {stream.retries} retries, "
        f"{elapsed:.1f} s"
    )
    assert acknowledged == REQUESTS
    assert len(set(stream.acknowledged.values())) == acknowledged
    assert found == acknowledged
    assert duplicated == 0
    assert stored == acknowledged
