"""Reference data for Kabupaten Bone Bolango and a demo of a living office.

``seed_reference_data`` is what every installation needs (units,
categories, SLA policies); ``seed_demo`` adds staff accounts, canned replies
in Indonesian and sample complaints in every state (a conversation with
replies and internal notes, a rated one, one past its deadline), so a new
user sees the console at work. Both are idempotent: they add only what is
missing (complaints by their external id, canned replies by title).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from . import clock, ikm
from .assessment.documents_demo import seed_demo_documents
from .auth import create_user
from .extensions import db
from .intake import Contact, submit_complaint
from .models import CannedReply, Category, Complaint, SlaPolicy, Unit, User
from .workflow import (
    Actor,
    add_internal_note,
    assign_complaint,
    confirm_resolution,
    merge_complaint,
    rate_complaint,
    receive_citizen_message,
    reject_complaint,
    reply_to_citizen,
    resolve_complaint,
    start_work,
    verify_complaint,
)

# In Indonesian, as the admins who read and edit it on the policy page.
_LEGAL_BASIS = (
    "UU 25/2009 tentang Pelayanan Publik dan PermenPAN-RB 62/2018 tentang Sistem "
    "Pengelolaan Pengaduan Pelayanan Publik Nasional SP4N-LAPOR! (verifikasi paling lama "
    "3 hari kerja, tindak lanjut paling lama 5 hari kerja, penyelesaian paling lama 14 hari "
    "kerja, hingga 60 hari kerja untuk kasus yang perlu pemeriksaan lapangan)."
)

# code, name, verify, response, resolve, urgent resolve, confirm, source
POLICIES: list[tuple[str, str, int, int, int, int | None, int, str]] = [
    ("standard", "Standar (nasional)", 3, 5, 14, 5, 10, _LEGAL_BASIS),
    (
        "information",
        "Permintaan informasi",
        3,
        5,
        5,
        None,
        10,
        "Permintaan informasi: dijawab paling lama 5 hari kerja (ketentuan layanan ini, dalam "
        "batas UU 14/2008 tentang Keterbukaan Informasi Publik). " + _LEGAL_BASIS,
    ),
    (
        "field-check",
        "Perlu pemeriksaan lapangan",
        3,
        5,
        60,
        14,
        10,
        "Aduan yang perlu pemeriksaan lapangan: paling lama 60 hari kerja. " + _LEGAL_BASIS,
    ),
]

# code, name, parent code, regency level, front office
UNITS: list[tuple[str, str, str | None, bool, bool]] = [
    ("SETDA", "Sekretariat Daerah Kabupaten Bone Bolango", None, True, False),
    ("BAG-ORG", "Bagian Organisasi Setda", "SETDA", True, False),
    ("INSPEKTORAT", "Inspektorat Daerah", "SETDA", True, False),
    ("DPMPTSP", "DPMPTSP / Mall Pelayanan Publik", "SETDA", False, True),
    ("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "SETDA", False, False),
    ("DINKES", "Dinas Kesehatan", "SETDA", False, False),
    ("RSUD", "RSUD Toto Kabila", "DINKES", False, False),
    ("DIKBUD", "Dinas Pendidikan dan Kebudayaan", "SETDA", False, False),
    ("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "SETDA", False, False),
    ("DLH", "Dinas Lingkungan Hidup", "SETDA", False, False),
    ("DINSOS", "Dinas Sosial", "SETDA", False, False),
    ("DISHUB", "Dinas Perhubungan", "SETDA", False, False),
    ("DISKOMINFO", "Dinas Komunikasi dan Informatika", "SETDA", False, False),
]


@dataclass(frozen=True)
class CategorySeed:
    code: str
    name_id: str
    name_en: str
    unit: str
    policy: str
    keywords: str
    kind: str = "complaint"


CATEGORIES: list[CategorySeed] = [
    CategorySeed(
        "road-damage",
        "Jalan dan jembatan rusak",
        "Damaged roads and bridges",
        "PUPR",
        "field-check",
        "jalan aspal lubang jembatan road bridge pothole",
    ),
    CategorySeed(
        "drainage-flood",
        "Drainase dan banjir",
        "Drainage and flooding",
        "PUPR",
        "field-check",
        "banjir drainase selokan got flood drain",
    ),
    CategorySeed(
        "clean-water",
        "Air bersih",
        "Clean water supply",
        "PUPR",
        "standard",
        "air pdam sumur water pipa",
    ),
    CategorySeed(
        "street-lighting",
        "Penerangan jalan umum",
        "Street lighting",
        "DISHUB",
        "standard",
        "lampu pju penerangan gelap light lamp",
    ),
    CategorySeed(
        "transport-parking",
        "Angkutan umum dan parkir",
        "Public transport and parking",
        "DISHUB",
        "standard",
        "angkot bentor parkir terminal bus transport parking",
    ),
    CategorySeed(
        "waste",
        "Sampah dan kebersihan",
        "Waste and cleanliness",
        "DLH",
        "standard",
        "sampah tps kebersihan bau garbage waste trash",
    ),
    CategorySeed(
        "pollution",
        "Pencemaran lingkungan",
        "Environmental pollution",
        "DLH",
        "field-check",
        "limbah pencemaran asap tambang sungai pollution",
    ),
    CategorySeed(
        "health-centre",
        "Layanan puskesmas",
        "Community health centre services",
        "DINKES",
        "standard",
        "puskesmas bidan posyandu vaksin obat clinic",
    ),
    CategorySeed(
        "hospital",
        "Layanan RSUD Toto Kabila",
        "Toto Kabila hospital services",
        "RSUD",
        "standard",
        "rsud rumah sakit dokter perawat bpjs hospital",
    ),
    CategorySeed(
        "education",
        "Sekolah dan pendidikan",
        "Schools and education",
        "DIKBUD",
        "standard",
        "sekolah guru murid ppdb school teacher",
    ),
    CategorySeed(
        "civil-registry",
        "KTP-el, KK dan akta",
        "ID cards, family cards, certificates",
        "DUKCAPIL",
        "standard",
        "ktp kk akta nik dukcapil identity",
    ),
    CategorySeed(
        "social-aid",
        "Bantuan sosial",
        "Social assistance",
        "DINSOS",
        "standard",
        "bansos pkh bpnt bantuan miskin social aid",
    ),
    CategorySeed(
        "permits",
        "Perizinan dan Mall Pelayanan Publik",
        "Permits and the public service mall",
        "DPMPTSP",
        "standard",
        "izin perizinan nib oss mpp permit licence",
    ),
    CategorySeed(
        "extortion-conduct",
        "Pungutan liar dan perilaku aparatur",
        "Illegal levies and staff conduct",
        "INSPEKTORAT",
        "standard",
        "pungli pungutan suap korupsi calo bribe",
    ),
    CategorySeed(
        "public-information",
        "Permintaan informasi publik",
        "Public information request",
        "DISKOMINFO",
        "information",
        "informasi data dokumen information",
        kind="information_request",
    ),
    CategorySeed("other", "Lainnya", "Other", "BAG-ORG", "standard", ""),
]

DEMO_PASSWORD = "aduan-demo-2026"  # noqa: S105 -- printed by make run on purpose
# email, role, password, unit code
DEMO_USERS: list[tuple[str, str, str, str | None]] = [
    ("admin@bonebolangokab.go.id", "admin", DEMO_PASSWORD, None),
    ("supervisor@bonebolangokab.go.id", "supervisor", DEMO_PASSWORD, "PUPR"),
    ("officer@bonebolangokab.go.id", "officer", DEMO_PASSWORD, "PUPR"),
]


def _seed_policies() -> dict[str, SlaPolicy]:
    policies = {policy.code: policy for policy in db.session.scalars(select(SlaPolicy))}
    for code, name, verify, response, resolve, urgent, confirm, source in POLICIES:
        if code not in policies:
            policies[code] = SlaPolicy(
                code=code,
                name=name,
                verify_days=verify,
                response_days=response,
                resolve_days=resolve,
                urgent_resolve_days=urgent,
                confirm_days=confirm,
                reminder_percent=75,
                level2_after_days=3,
                source=source,
            )
            db.session.add(policies[code])
    return policies


def _seed_units() -> dict[str, Unit]:
    units = {unit.code: unit for unit in db.session.scalars(select(Unit))}
    for code, name, parent, regency_level, front_office in UNITS:
        if code not in units:
            units[code] = Unit(
                code=code,
                name=name,
                parent=units.get(parent) if parent else None,
                is_regency_level=regency_level,
                is_front_office=front_office,
            )
            db.session.add(units[code])
    return units


def seed_reference_data() -> bool:
    """Add the regency's units, SLA policies and categories that are missing; commit."""
    policies = _seed_policies()
    units = _seed_units()
    existing = set(db.session.scalars(select(Category.code)))
    added = False
    for order, seed in enumerate(CATEGORIES):
        if seed.code in existing:
            continue
        added = True
        db.session.add(
            Category(
                code=seed.code,
                name_id=seed.name_id,
                name_en=seed.name_en,
                default_kind=seed.kind,
                default_unit=units[seed.unit],
                sla_policy=policies[seed.policy],
                keywords=seed.keywords,
                sort_order=(order + 1) * 10,
            )
        )
    db.session.commit()
    return added


def _seed_users() -> dict[str, User]:
    users = {}
    for email, role, password, unit_code in DEMO_USERS:
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(email, role, password, unit_code=unit_code, name=role.title())
        users[role] = user
    db.session.commit()
    return users


def _category(code: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.code == code))
    assert category is not None
    return category


@dataclass(frozen=True)
class DemoComplaint:
    """One sample complaint: what the citizen wrote, and how far the office has taken it."""

    external_id: str
    category: str
    text: str
    address: str | None
    name: str
    days_ago: int  # when it came in (calendar days before now)
    story: Callable[[Complaint, Actor, User, datetime], None] | None = None
    channel: str = "counter"


def _verified(complaint: Complaint, staff: Actor, officer: User, at: datetime) -> None:
    verify_complaint(complaint, staff, now=at + timedelta(hours=2))


def _resolved(complaint: Complaint, staff: Actor, officer: User, at: datetime) -> None:
    verify_complaint(complaint, staff, now=at + timedelta(hours=1))
    start_work(complaint, staff, now=at + timedelta(hours=2))
    reply_to_citizen(
        complaint,
        staff,
        "Tim sudah dijadwalkan memeriksa lampu besok pagi.",
        now=at + timedelta(hours=3),
    )
    resolve_complaint(
        complaint,
        staff,
        "Lampu sudah diganti dan menyala kembali.",
        now=at + timedelta(days=1),
    )


def _in_progress(complaint: Complaint, staff: Actor, officer: User, at: datetime) -> None:
    """A conversation under way: reply, the citizen's answer, an internal note."""
    verify_complaint(
        complaint, staff, note="Lokasi sudah dicek di peta.", now=at + timedelta(hours=1)
    )
    assign_complaint(complaint, staff, officer, now=at + timedelta(hours=2))
    start_work(complaint, staff, now=at + timedelta(hours=3))
    reply_to_citizen(
        complaint,
        staff,
        "Terima kasih atas laporannya. Mohon kirim titik lokasi pipa yang bocor "
        "atau patokan terdekat agar tim mudah menemukannya.",
        now=at + timedelta(hours=4),
    )
    receive_citizen_message(
        complaint,
        "Di depan SD Negeri 3 Tilongkabila, dekat pos ronda.",
        "web",
        now=at + timedelta(hours=6),
    )
    add_internal_note(
        complaint,
        staff,
        "Sudah koordinasi dengan PDAM; tukang dijadwalkan Kamis. Perlu pipa 3 inci.",
        now=at + timedelta(hours=7),
    )


def _closed_and_rated(complaint: Complaint, staff: Actor, officer: User, at: datetime) -> None:
    verify_complaint(complaint, staff, now=at + timedelta(hours=1))
    assign_complaint(complaint, staff, officer, now=at + timedelta(hours=2))
    start_work(complaint, staff, now=at + timedelta(hours=3))
    reply_to_citizen(
        complaint,
        staff,
        "Tim kebersihan akan membersihkan saluran hari Senin.",
        now=at + timedelta(days=1),
    )
    add_internal_note(
        complaint, staff, "Foto sesudah pembersihan sudah diarsipkan.", now=at + timedelta(days=3)
    )
    resolve_complaint(
        complaint,
        staff,
        "Saluran sudah dibersihkan dan air mengalir lancar kembali.",
        now=at + timedelta(days=3, hours=1),
    )
    confirm_resolution(complaint, now=at + timedelta(days=4))
    rate_complaint(
        complaint,
        dict.fromkeys(ikm.ELEMENT_NAMES, 4) | {"timeliness": 3, "facilities": 3},
        "Terima kasih, petugas cepat datang dan ramah.",
        now=at + timedelta(days=4, hours=1),
    )


def _rejected(complaint: Complaint, staff: Actor, officer: User, at: datetime) -> None:
    reject_complaint(
        complaint,
        staff,
        "Laporan ini bukan kewenangan Pemerintah Kabupaten: jalan nasional "
        "ditangani Balai Pelaksanaan Jalan Nasional.",
        now=at + timedelta(hours=5),
    )


def _merged(complaint: Complaint, staff: Actor, officer: User, at: datetime) -> None:
    original = db.session.scalar(
        select(Complaint).where(Complaint.channel == "counter", Complaint.external_id == "demo-1")
    )
    merge_complaint(
        complaint,
        staff,
        original,
        note="Lubang yang sama dengan laporan sebelumnya.",
        now=at + timedelta(hours=1),
    )


DEMO_COMPLAINTS: list[DemoComplaint] = [
    DemoComplaint(
        "demo-1",
        "road-damage",
        "Jalan di Desa Tanggilingo berlubang besar sejak hujan minggu "
        "lalu, sudah dua motor jatuh di depan masjid.",
        "Desa Tanggilingo, Kabila",
        "Warga Demo",
        days_ago=1,
    ),
    DemoComplaint(
        "demo-2",
        "waste",
        "Sampah di TPS dekat pasar Kabila tidak diangkut sejak lima hari, "
        "baunya sampai ke rumah warga.",
        "Pasar Kabila",
        "Warga Demo",
        days_ago=2,
        story=_verified,
    ),
    DemoComplaint(
        "demo-3",
        "civil-registry",
        "Sudah tiga minggu KTP-el saya belum jadi padahal dijanjikan satu minggu. Mohon informasi.",
        None,
        "Warga Demo",
        days_ago=1,
    ),
    DemoComplaint(
        "demo-4",
        "street-lighting",
        "Lampu jalan di jalan trans Sulawesi dekat jembatan Bulango padam semua, rawan kecelakaan.",
        "Jembatan Bulango",
        "Warga Demo",
        days_ago=3,
        story=_resolved,
    ),
    DemoComplaint(
        "demo-5",
        "drainage-flood",
        "Gorong-gorong di Jalan Poowo tersumbat, setiap hujan air naik ke jalan "
        "dan masuk ke rumah warga.",
        "Jalan Poowo, Kabila",
        "Ibu Fatma",
        days_ago=9,  # never verified: past its verification deadline
    ),
    DemoComplaint(
        "demo-6",
        "clean-water",
        "Pipa air bersih bocor di Desa Tilongkabila sejak tiga hari, air PDAM di "
        "rumah kami tidak mengalir.",
        "Desa Tilongkabila",
        "Pak Rahman",
        days_ago=2,
        story=_in_progress,
        channel="web",
    ),
    DemoComplaint(
        "demo-7",
        "drainage-flood",
        "Saluran air di samping Puskesmas Suwawa penuh lumpur dan sampah.",
        "Puskesmas Suwawa",
        "Ibu Ningsih",
        days_ago=8,
        story=_closed_and_rated,
    ),
    DemoComplaint(
        "demo-8",
        "road-damage",
        "Jalan nasional trans Sulawesi di Bulango Selatan retak panjang.",
        "Bulango Selatan",
        "Pak Yusuf",
        days_ago=4,
        story=_rejected,
    ),
    DemoComplaint(
        "demo-9",
        "road-damage",
        "Ada lubang besar di jalan depan masjid Tanggilingo, bahaya untuk motor.",
        "Desa Tanggilingo, Kabila",
        "Pak Ismail",
        days_ago=1,
        story=_merged,
    ),
]

# title, Indonesian text, English text
DEMO_CANNED_REPLIES: list[tuple[str, str, str]] = [
    (
        "Terima kasih, sedang diverifikasi",
        "Terima kasih atas laporan Anda. Laporan sedang kami periksa dan akan "
        "diteruskan ke dinas yang berwenang paling lambat 3 hari kerja.",
        "Thank you for your report. We are checking it and will pass it to the "
        "responsible office within 3 working days.",
    ),
    (
        "Mohon lokasi lebih jelas",
        "Mohon kirimkan alamat atau patokan yang lebih jelas (nama jalan, desa, "
        "bangunan terdekat) agar petugas mudah menemukan lokasinya.",
        "Please send a clearer address or landmark (street, village, nearest "
        "building) so the field team can find the place.",
    ),
    (
        "Tim dijadwalkan ke lokasi",
        "Tim lapangan sudah dijadwalkan memeriksa lokasi dalam minggu ini. "
        "Kami akan mengabari Anda setelah pemeriksaan.",
        "A field team is scheduled to inspect the place this week. We will tell "
        "you after the inspection.",
    ),
    (
        "Selesai, mohon konfirmasi",
        "Pekerjaan sudah selesai. Mohon konfirmasi apakah masalahnya sudah teratasi "
        "dan beri penilaian atas layanan kami.",
        "The work is done. Please confirm whether the problem is solved and rate our service.",
    ),
]


def _seed_canned_replies() -> None:
    existing = set(db.session.scalars(select(CannedReply.title)))
    for title, body_id, body_en in DEMO_CANNED_REPLIES:
        if title not in existing:
            db.session.add(CannedReply(title=title, body_id=body_id, body_en=body_en))
    db.session.commit()


def _seed_complaints(officer: User) -> None:
    staff = Actor.staff(officer)
    for sample in DEMO_COMPLAINTS:
        at = clock.now() - timedelta(days=sample.days_ago)
        result = submit_complaint(
            channel=sample.channel,
            category=_category(sample.category),
            description=sample.text,
            address=sample.address,
            contact=Contact(name=sample.name),
            external_id=sample.external_id,
            actor=staff if sample.channel == "counter" else None,
            now=at,
        )
        if not result.created:
            continue
        if sample.story is not None:
            sample.story(result.complaint, staff, officer, at)
        db.session.commit()


def seed_demo() -> bool:
    """Reference data, the three demo accounts, canned replies and complaints in every state."""
    added = seed_reference_data()
    users = _seed_users()
    _seed_canned_replies()
    _seed_complaints(users["officer"])
    seed_demo_documents()  # the register of indicator 27: four of its five criteria met
    return added
