"""'Sudah ada yang melaporkan?': the open public reports near a pin, and a citizen's support.

The query (complaints.nearby), the support service (complaints.support) and the
supporters' news (complaints.notify), on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from complaints import workflow
from complaints.errors import ValidationFailed
from complaints.extensions import db
from complaints.intake import Contact
from complaints.models import Complaint, ComplaintEvent, OutboundMessage, Supporter
from complaints.nearby import RADIUS_M, distance_m, excerpt, nearby_reports
from complaints.support import NotSupportable, add_supporter, supportable_complaint
from complaints.workflow import Actor
from tests.conftest import DEFAULT_NOW, MakeComplaint

# Desa Tanggilingo, Kabila (Bone Bolango).
PIN = (0.5412, 123.1345)
METRES_PER_DEGREE_LAT = 111_195


def north_of_pin(metres: float) -> dict[str, float]:
    return {"lat": PIN[0] + metres / METRES_PER_DEGREE_LAT, "lon": PIN[1]}


def east_of_pin(metres: float) -> dict[str, float]:
    return {"lat": PIN[0], "lon": PIN[1] + metres / METRES_PER_DEGREE_LAT}


def codes_near_pin(category: str = "road-damage") -> list[str]:
    return [report.code for report in nearby_reports(category, *PIN)]


def test_the_haversine_distance_is_right_within_a_metre() -> None:
    # One degree of latitude is 111.195 km on the mean-radius sphere.
    assert distance_m(0.0, 123.0, 1.0, 123.0) == pytest.approx(111_195, abs=1)
    assert distance_m(*PIN, *PIN) == 0


def test_a_verified_report_of_the_same_topic_100_m_away_is_listed_in_words(
    make_complaint: MakeComplaint,
) -> None:
    complaint = make_complaint(status="verified", **north_of_pin(100))
    [report] = nearby_reports("road-damage", *PIN)
    assert report.code == complaint.code
    assert report.distance_m == 100
    assert report.category == "Jalan dan jembatan rusak"
    assert report.status_label == "Diperiksa dan diteruskan ke instansi terkait"
    assert report.received_at == complaint.created_at
    assert report.supporters == 0
    [in_english] = nearby_reports("road-damage", *PIN, locale="en")
    assert in_english.status_label == "Checked and passed to the responsible unit"


def test_reports_in_progress_are_listed_nearest_first_and_at_most_five(
    make_complaint: MakeComplaint,
) -> None:
    made = {
        metres: make_complaint(status="in_progress", **east_of_pin(metres)).code
        for metres in (150, 30, 190, 60, 120, 90)
    }
    assert codes_near_pin() == [made[m] for m in (30, 60, 90, 120, 150)]


@pytest.mark.parametrize(
    ("status", "place", "options"),
    [
        ("verified", north_of_pin(2_000), {}),  # 2 km away
        ("verified", {}, {}),  # no coordinates at all
        ("received", north_of_pin(50), {}),  # not checked by staff yet
        ("resolved", north_of_pin(50), {}),  # no longer open
        ("closed", north_of_pin(50), {}),
        ("rejected", north_of_pin(50), {}),
        ("verified", north_of_pin(50), {"confidential": True}),
    ],
)
def test_reports_that_are_far_private_unchecked_or_finished_are_not_listed(
    make_complaint: MakeComplaint, status: str, place: dict, options: dict
) -> None:
    make_complaint(status=status, **place, **options)
    assert codes_near_pin() == []


def test_the_box_corner_is_checked_by_the_exact_distance(make_complaint: MakeComplaint) -> None:
    # 150 m north and 150 m east: inside the bounding box, 212 m away.
    place = {"lat": north_of_pin(150)["lat"], "lon": east_of_pin(150)["lon"]}
    assert distance_m(*PIN, place["lat"], place["lon"]) > RADIUS_M
    make_complaint(status="verified", **place)
    assert codes_near_pin() == []


def test_a_report_of_another_topic_is_not_listed(make_complaint: MakeComplaint) -> None:
    make_complaint(status="verified", category_code="waste", **north_of_pin(50))
    assert codes_near_pin() == []
    assert len(codes_near_pin("waste")) == 1


def test_a_report_staff_hid_from_the_public_is_not_listed(make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="verified", **north_of_pin(50))
    complaint.hidden_from_public = True
    workflow.commit()
    assert codes_near_pin() == []


def test_a_report_older_than_60_days_is_not_listed(make_complaint: MakeComplaint) -> None:
    make_complaint(status="verified", now=DEFAULT_NOW - timedelta(days=61), **north_of_pin(50))
    recent = make_complaint(
        status="verified", now=DEFAULT_NOW - timedelta(days=59), **north_of_pin(60)
    )
    assert codes_near_pin() == [recent.code]


def test_the_excerpt_is_short_and_shows_no_contact_or_name(make_complaint: MakeComplaint) -> None:
    make_complaint(
        status="verified",
        name="Siti Rahmawati",
        phone="081234567890",
        description=(
            "Saya Siti, hubungi 0812 3456 7890 atau siti@example.com. Jalan di depan masjid "
            "berlubang besar sejak bulan lalu dan sudah ada dua motor yang jatuh di sana. "
            "Mohon segera ditambal sebelum musim hujan datang dan lubangnya makin dalam."
        ),
        **north_of_pin(40),
    )
    [report] = nearby_reports("road-damage", *PIN)
    assert "Siti" not in report.excerpt
    assert "0812" not in report.excerpt and "3456" not in report.excerpt
    assert "example.com" not in report.excerpt
    assert "berlubang" in report.excerpt
    assert report.excerpt.endswith("…") and len(report.excerpt) <= 141


def test_an_excerpt_is_redacted_before_it_is_cut() -> None:
    # Cut first, "0812 3456 7" would be too short to look like a phone number.
    text = "x" * 120 + " 0812 3456 7890 jalan rusak"
    assert "0812" not in excerpt(text, ())


def test_a_supporter_is_counted_once_per_submission(make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="verified", **north_of_pin(80))
    contact = Contact(name="Budi", phone="0813 1111 2222")
    first = add_supporter(complaint, contact, external_id="form-abc", locale="en")
    again = add_supporter(complaint, contact, external_id="form-abc", locale="en")
    assert again.id == first.id
    assert first.reporter is not None
    assert first.reporter.phone == "+6281311112222" and first.reporter.locale == "en"
    [report] = nearby_reports("road-damage", *PIN)
    assert report.supporters == 1
    kinds = db.session.scalars(
        select(ComplaintEvent.kind).where(ComplaintEvent.complaint_id == complaint.id)
    ).all()
    assert kinds.count("support") == 1


def test_supporting_does_not_change_the_complaint_under_staff(
    make_complaint: MakeComplaint,
) -> None:
    # An officer's open form carries the version: a citizen's support must not make it stale.
    complaint = make_complaint(status="verified", **north_of_pin(80))
    version = complaint.version
    add_supporter(complaint, Contact(), external_id="form-x")
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).version == version


def test_a_supporter_without_contact_is_counted_without_a_reporter(
    make_complaint: MakeComplaint,
) -> None:
    complaint = make_complaint(status="in_progress", **north_of_pin(80))
    supporter = add_supporter(complaint, Contact(), external_id="form-anon")
    assert supporter.reporter is None
    assert nearby_reports("road-damage", *PIN)[0].supporters == 1


def test_a_bad_phone_records_no_support(make_complaint: MakeComplaint) -> None:
    complaint = make_complaint(status="verified", **north_of_pin(80))
    with pytest.raises(ValidationFailed) as failure:
        add_supporter(complaint, Contact(phone="12"), external_id="form-bad")
    assert set(failure.value.fields) == {"phone"}
    assert db.session.scalar(select(func.count(Supporter.id))) == 0


@pytest.mark.parametrize(
    ("status", "options"),
    [("received", {}), ("resolved", {}), ("verified", {"confidential": True})],
)
def test_only_open_public_reports_can_be_supported(
    make_complaint: MakeComplaint, status: str, options: dict
) -> None:
    complaint = make_complaint(status=status, **options)
    with pytest.raises(NotSupportable):
        supportable_complaint(complaint.code)
    with pytest.raises(NotSupportable):
        supportable_complaint("ADU-0000-0000")


def test_supporters_with_a_phone_are_told_when_it_is_resolved_and_others_are_not(
    make_complaint: MakeComplaint,
) -> None:
    complaint = make_complaint(status="in_progress", phone="081234567890", **north_of_pin(80))
    add_supporter(complaint, Contact(phone="0813 1111 2222"), external_id="form-1", locale="en")
    add_supporter(complaint, Contact(name="Tanpa kontak"), external_id="form-2")
    add_supporter(complaint, Contact(), external_id="form-3")

    workflow.resolve_complaint(complaint, Actor.system("test"), "Lubang sudah ditambal.")
    workflow.commit()

    messages = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.complaint_id == complaint.id)
    ).all()
    to_supporter = [m for m in messages if m.address == "+6281311112222"]
    assert len(to_supporter) == 1
    assert to_supporter[0].channel == "sms"
    assert complaint.code in to_supporter[0].body
    assert "resolved by the unit" in to_supporter[0].body  # their language, the mirrored words
    assert "key=" not in to_supporter[0].body  # the reporter's key is the reporter's only
    # Everyone else messaged is the reporter: nothing for the supporters without a phone.
    assert {m.address for m in messages} == {"+6281234567890", "+6281311112222"}
