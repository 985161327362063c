"""Two officers acting on one complaint at once: one wins, the other is told, nothing half done.

Both open the complaint page while it is still ``received``; one verifies it,
the other rejects it. The second decision was taken on a page that no longer
shows the truth, so it must be refused with the "changed meanwhile" message
rather than applied on top (verified → rejected is a legal move, so without
a version check it would silently overrule the first officer).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from complaints.extensions import db
from complaints.models import AuditLog, Complaint, ComplaintEvent, OutboundMessage
from tests.conftest import Cast, MakeComplaint, csrf_token_from, hidden_value, unit
from tests.reliability.processes import backends_blocked_by
from tests.staff_helpers import signed_in

# The page shown again (409) to the officer whose page was stale, naming who acted and when.
CHANGED_MEANWHILE = re.compile(
    r"^warning: This complaint was just changed by .+ at .+ WITA\. Check it again before you act\.$"
)
LOCK_WAIT_TIMEOUT = 10.0


@dataclass(frozen=True)
class Target:
    """The complaint as the forms need it (plain values: safe to share across threads)."""

    code: str
    category_id: str
    unit_id: str


def _target(complaint: Complaint) -> Target:
    return Target(complaint.code, str(complaint.category_id), str(unit("PUPR").id))


@dataclass
class OpenPage:
    """What an officer's browser holds after loading the complaint page."""

    client: FlaskClient
    csrf_token: str
    version: str


def _open(client: FlaskClient, target: Target) -> OpenPage:
    page = client.get(f"/staff/complaints/{target.code}?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return OpenPage(client, csrf_token_from(html), hidden_value(html, "version"))


def _submit(page: OpenPage, target: Target, action: str, **fields: str) -> str:
    """Post the form from the page as loaded; return the flash shown after the redirect."""
    response = page.client.post(
        f"/staff/complaints/{target.code}/{action}",
        data={**fields, "csrf_token": page.csrf_token, "version": page.version},
    )
    if response.status_code == 409:  # refused: the page as it is now, with the warning
        html = response.get_data(as_text=True)
    else:
        assert response.status_code == 302, response.status_code
        html = page.client.get(response.headers["Location"]).get_data(as_text=True)
    notices = re.findall(r'class="[^"]*\bnotice notice-(\w+)"[^>]*>\s*([^<]+?)\s*<', html)
    assert notices, "no message after the action"
    return " ".join(f"{kind}: {text}" for kind, text in notices)


def _verify(page: OpenPage, target: Target) -> str:
    return _submit(
        page, target, "verify", unit=target.unit_id, category=target.category_id, kind="complaint"
    )


def _reject(page: OpenPage, target: Target) -> str:
    return _submit(page, target, "reject", body="Bukan wewenang pemerintah kabupaten.")


def _assert_one_decision_applied(complaint: Complaint, winner: str) -> None:
    db.session.expire_all()
    assert complaint.status == winner
    events = db.session.scalars(
        sa.select(ComplaintEvent.to_status)
        .where(ComplaintEvent.complaint_id == complaint.id)
        .order_by(ComplaintEvent.id)
    ).all()
    assert events == ["received", winner]
    if winner == "verified":
        assert complaint.rejection_reason is None and complaint.rejected_at is None
    else:
        assert complaint.verified_at is None
    # The citizen heard of one decision only: the acknowledgement and the winner's news.
    messages = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(OutboundMessage)
        .where(OutboundMessage.complaint_id == complaint.id)
    )
    assert messages == 2
    audited = db.session.scalars(
        sa.select(AuditLog.action).where(
            AuditLog.target_type == "complaint", AuditLog.target_id == complaint.id
        )
    ).all()
    assert audited == [{"verified": "verify", "rejected": "reject"}[winner]], audited


def test_the_second_officer_on_a_stale_page_is_told_it_changed_meanwhile(
    app: Flask, cast: Cast, make_complaint: MakeComplaint
) -> None:
    complaint = make_complaint(phone="0812 3456 7890")
    target = _target(complaint)
    alice = _open(signed_in(app, cast.officer_a.email), target)
    charlie = _open(signed_in(app, cast.supervisor.email), target)

    first = _verify(alice, target)
    second = _reject(charlie, target)

    assert first == "success: Verified and routed."
    assert CHANGED_MEANWHILE.match(second), second
    _assert_one_decision_applied(complaint, "verified")
    # Reloading shows the truth, and the reloaded page may act.
    assert _reject(_open(charlie.client, target), target).startswith("success:")


def test_two_officers_submitting_at_the_same_instant_cannot_both_win(
    postgresql_only: None, app: Flask, database_url: str, cast: Cast, make_complaint: MakeComplaint
) -> None:
    """Both requests pass every check and reach the UPDATE together; the database decides.

    The test holds the complaint's row lock while both requests run, waits
    until PostgreSQL shows both blocked on it, then lets go: the loser's
    ``UPDATE … WHERE version = 1`` finds no row and becomes "changed meanwhile".
    """
    complaint = make_complaint(phone="0812 3456 7890")
    complaint_id = complaint.id
    target = _target(complaint)
    pages = {
        "alice": _open(signed_in(app, cast.officer_a.email), target),
        "charlie": _open(signed_in(app, cast.supervisor.email), target),
    }
    outcomes: dict[str, str] = {}
    failures: list[BaseException] = []

    def act(name: str, action: Callable[[OpenPage, Target], str]) -> None:
        try:
            outcomes[name] = action(pages[name], target)
        except BaseException as error:
            failures.append(error)

    engine = sa.create_engine(database_url)
    threads = [
        threading.Thread(target=act, args=("alice", _verify), daemon=True),
        threading.Thread(target=act, args=("charlie", _reject), daemon=True),
    ]
    try:
        with engine.connect() as holder, engine.connect() as monitor:
            holder_pid = holder.scalar(sa.text("SELECT pg_backend_pid()"))
            holder.execute(
                sa.text("SELECT id FROM complaints WHERE id = :id FOR UPDATE"), {"id": complaint_id}
            )
            for thread in threads:
                thread.start()
            deadline = time.monotonic() + LOCK_WAIT_TIMEOUT
            while backends_blocked_by(monitor, holder_pid) < 2:
                assert time.monotonic() < deadline, "the two requests never met at the row"
                assert not failures, failures
                time.sleep(0.02)
            holder.rollback()  # let go: both race for the row now
        for thread in threads:
            thread.join(timeout=LOCK_WAIT_TIMEOUT)
    finally:
        engine.dispose()

    assert not failures, failures
    assert not any(thread.is_alive() for thread in threads)
    results = sorted(outcomes.values())
    assert len(results) == 2
    assert sum(result.startswith("success:") for result in results) == 1, results
    assert sum(bool(CHANGED_MEANWHILE.match(result)) for result in results) == 1, results
    winner = "verified" if outcomes["alice"].startswith("success:") else "rejected"
    stored = db.session.get(Complaint, complaint_id)
    assert stored is not None
    _assert_one_decision_applied(stored, winner)
