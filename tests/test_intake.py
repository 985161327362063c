"""submit_complaint: one transaction, idempotent, validated."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from complaints.attachments import NewAttachment
from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.intake import Contact, normalize_phone, submit_complaint
from complaints.models import Attachment, Complaint, ComplaintEvent, OutboundMessage, Reporter
from tests.conftest import category
from tests.photo_helpers import as_stored


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_complaint_is_stored_with_its_event_deadline_and_acknowledgement(app_ctx) -> None:
    result = submit_complaint(
        channel="sms",
        category=category("waste"),
        description="Sampah menumpuk di pinggir jalan Desa Huntu Selatan.",
        contact=Contact(phone="0812-3456-7890"),
    )
    db.session.expire_all()
    complaint = db.session.get(Complaint, result.complaint.id)
    assert complaint is not None and result.created
    assert complaint.status == "received"
    assert complaint.unit is not None and complaint.unit.code == "DLH"
    assert complaint.verify_due_at is not None
    # The sweep's next job is the reminder at 75 % of the verification span.
    assert complaint.next_action_at is not None
    assert complaint.created_at < complaint.next_action_at < complaint.verify_due_at
    assert [(e.kind, e.to_status, e.actor_label) for e in complaint.events] == [
        ("status", "received", "sms")
    ]
    assert complaint.reporter is not None and complaint.reporter.phone == "+6281234567890"
    outbox = db.session.scalars(select(OutboundMessage)).all()
    assert len(outbox) == 1
    assert outbox[0].channel == "sms" and outbox[0].address == "+6281234567890"
    assert complaint.code in outbox[0].body
    assert "diterima" in outbox[0].body.lower()  # Indonesian by default


def test_the_acknowledgement_is_in_english_for_an_english_citizen(app_ctx) -> None:
    submit_complaint(
        channel="sms",
        category=category("waste"),
        description="Rubbish piling up next to the road in Huntu.",
        contact=Contact(phone="+6281234567890"),
        locale="en",
    )
    body = db.session.scalars(select(OutboundMessage.body)).one()
    assert "received" in body


def test_the_deadline_to_verify_is_three_working_days(app_ctx) -> None:
    # DEFAULT_NOW is Wednesday 25 November 2026, 10:00 WITA.
    result = submit_complaint(
        channel="web", category=category("waste"), description="Sampah tidak diangkut seminggu."
    )
    due = result.complaint.verify_due_at
    assert due is not None
    assert due.isoformat() == "2026-11-30T02:00:00+00:00"  # Monday 10:00 WITA


def test_the_same_external_id_gives_the_same_complaint(app_ctx) -> None:
    arguments = dict(
        channel="telegram",
        category=category("road-damage"),
        description="Jembatan kayu di Desa Bongo hampir roboh.",
        external_id="update-4242",
    )
    first = submit_complaint(**arguments)  # type: ignore[arg-type]
    second = submit_complaint(**arguments)  # type: ignore[arg-type]
    assert first.created and not second.created
    assert first.complaint.id == second.complaint.id
    assert db.session.scalar(select(func.count(Complaint.id))) == 1
    assert db.session.scalar(select(func.count(ComplaintEvent.id))) == 1


def test_a_twin_that_skipped_the_lookup_and_lost_the_race_returns_the_winners_complaint(
    app_ctx,
) -> None:
    # The API looks for the Idempotency-Key once and tells intake it found none; a twin
    # request that looked at the same moment commits first. The loser's INSERT then
    # breaks the unique (channel, external_id) and it must answer with the winner's.
    arguments = dict(
        channel="api",
        category=category("road-damage"),
        description="Jembatan kayu di Desa Bongo hampir roboh.",
        contact=Contact(phone="081234567890"),
        external_id="idem:race",
    )
    winner = submit_complaint(**arguments)  # type: ignore[arg-type]
    loser = submit_complaint(**arguments, external_id_is_new=True)  # type: ignore[arg-type]
    assert winner.created and not loser.created
    assert loser.complaint.id == winner.complaint.id
    assert db.session.scalar(select(func.count(Complaint.id))) == 1
    assert db.session.scalar(select(func.count(ComplaintEvent.id))) == 1
    assert db.session.scalar(select(func.count(OutboundMessage.id))) == 1


def test_a_tracking_code_collision_is_retried_with_a_new_code_and_leaves_nothing_behind(
    app_ctx, monkeypatch: pytest.MonkeyPatch
) -> None:
    arguments = dict(
        channel="sms",
        category=category("waste"),
        description="Sampah menumpuk di pinggir jalan Desa Huntu Selatan.",
        contact=Contact(name="Siti Rahma", phone="081234567890"),
        photos=[NewAttachment("foto.png", png_bytes(), "image/png")],
    )
    first = submit_complaint(**arguments)  # type: ignore[arg-type]
    codes = iter([first.complaint.code, "ADU-TEST-0002"])  # the first draw is taken
    monkeypatch.setattr("complaints.intake.new_code", lambda: next(codes))
    second = submit_complaint(**arguments)  # type: ignore[arg-type]
    assert second.created and second.complaint.code == "ADU-TEST-0002"
    assert second.complaint.reporter is not None and second.complaint.attachments
    assert [event.to_status for event in second.complaint.events] == ["received"]
    db.session.expire_all()
    # The failed attempt's reporter, photo, event and message were rolled back.
    for model in (Complaint, Reporter, Attachment, ComplaintEvent, OutboundMessage):
        assert db.session.scalar(select(func.count()).select_from(model)) == 2
    stored = db.session.get(Complaint, second.complaint.id)
    assert stored is not None and stored.reporter is not None
    assert stored.reporter.name == "Siti Rahma"
    assert [photo.filename for photo in stored.attachments] == [
        photo.filename for photo in second.complaint.attachments
    ]


def test_the_same_external_id_on_another_channel_is_another_complaint(app_ctx) -> None:
    for channel in ("telegram", "sms"):
        submit_complaint(
            channel=channel,
            category=category("road-damage"),
            description="Jembatan kayu di Desa Bongo hampir roboh.",
            external_id="42",
        )
    assert db.session.scalar(select(func.count(Complaint.id))) == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"description": "pendek"}, "description"),
        ({"description": "x" * 5001}, "description"),
        ({"category": None}, "category"),
        ({"kind": "gossip"}, "kind"),
        ({"lat": 95.0, "lon": 120.0}, "lat"),
        ({"lat": 0.5, "lon": None}, "lon"),
        ({"contact": Contact(phone="12345")}, "phone"),
        ({"contact": Contact(email="not-an-address")}, "email"),
        ({"contact": Contact(nik="12345")}, "nik"),
        ({"photos": [NewAttachment("foto.jpg", b"MZ\x90\x00 not an image")]}, "photos"),
        ({"photos": [NewAttachment("p.png", png_bytes())] * 6}, "photos"),
    ],
)
def test_invalid_input_is_refused_with_a_message_per_field_and_nothing_is_stored(
    app_ctx, changes: dict, field: str
) -> None:
    arguments = dict(
        channel="web",
        category=category("road-damage"),
        description="Jalan rusak parah di Kecamatan Suwawa.",
    )
    arguments.update(changes)
    with pytest.raises(ValidationFailed) as failure:
        submit_complaint(**arguments)  # type: ignore[arg-type]
    assert field in failure.value.fields
    assert failure.value.fields[field]
    assert db.session.scalar(select(func.count(Complaint.id))) == 0
    assert db.session.scalar(select(func.count(Reporter.id))) == 0


def test_photos_are_stored_by_their_real_type(app_ctx) -> None:
    result = submit_complaint(
        channel="web",
        category=category("road-damage"),
        description="Jalan rusak parah di Kecamatan Suwawa.",
        photos=[NewAttachment("looks-like.gif", png_bytes(), "image/gif")],
    )
    db.session.expire_all()
    attachment = db.session.get(Complaint, result.complaint.id).attachments[0]  # type: ignore[union-attr]
    assert attachment.content_type == "image/png"
    assert attachment.content == as_stored(png_bytes())
    assert len(attachment.sha256) == 64


def test_indonesian_numbers_are_stored_in_e164() -> None:
    assert normalize_phone("0812 3456 7890") == "+6281234567890"
    assert normalize_phone("+62 812-3456-7890") == "+6281234567890"
    assert normalize_phone("hello") is None
