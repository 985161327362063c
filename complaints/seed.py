"""Reference data for Kabupaten Bone Bolango and a small demo.

``seed_reference_data`` is what every installation needs (units,
categories, SLA policies); ``seed_demo`` adds staff accounts and sample
complaints. Both are idempotent: they add only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from .auth import create_user
from .extensions import db
from .intake import Contact, submit_complaint
from .models import Category, SlaPolicy, Unit, User
from .workflow import Actor, reply_to_citizen, resolve_complaint, start_work, verify_complaint

_LEGAL_BASIS = (
    "Law 25/2009 on Public Services (UU 25/2009 tentang Pelayanan Publik) and "
    "PermenPAN-RB 62/2018 on the national complaint handling system SP4N-LAPOR! "
    "(verification within 3 working days, follow-up within 5 working days, "
    "resolution within 14 working days, up to 60 for cases that need a field check)."
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
        "Information requests: answered within 5 working days (default of this service, "
        "within the limits of Law 14/2008 on Public Information Disclosure). " + _LEGAL_BASIS,
    ),
    (
        "field-check",
        "Perlu pemeriksaan lapangan",
        3,
        5,
        60,
        14,
        10,
        "Complaints that need a field check: up to 60 working days. " + _LEGAL_BASIS,
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


def _seed_complaints(officer: User) -> None:
    staff = Actor.staff(officer)
    samples = [
        (
            "demo-1",
            "road-damage",
            "Jalan di Desa Tanggilingo berlubang besar sejak hujan minggu "
            "lalu, sudah dua motor jatuh di depan masjid.",
            "Desa Tanggilingo, Kabila",
        ),
        (
            "demo-2",
            "waste",
            "Sampah di TPS dekat pasar Kabila tidak diangkut sejak lima hari, "
            "baunya sampai ke rumah warga.",
            "Pasar Kabila",
        ),
        (
            "demo-3",
            "civil-registry",
            "Sudah tiga minggu KTP-el saya belum jadi padahal "
            "dijanjikan satu minggu. Mohon informasi.",
            None,
        ),
        (
            "demo-4",
            "street-lighting",
            "Lampu jalan di jalan trans Sulawesi dekat jembatan "
            "Bulango padam semua, rawan kecelakaan.",
            "Jembatan Bulango",
        ),
    ]
    for external_id, category_code, text, address in samples:
        result = submit_complaint(
            channel="counter",
            category=_category(category_code),
            description=text,
            address=address,
            contact=Contact(name="Warga Demo"),
            external_id=external_id,
            actor=staff,
        )
        if not result.created:
            continue
        complaint = result.complaint
        if external_id in ("demo-2", "demo-4"):
            verify_complaint(complaint, staff)
        if external_id == "demo-4":
            start_work(complaint, staff)
            reply_to_citizen(complaint, staff, "Tim sudah dijadwalkan memeriksa lampu besok pagi.")
            resolve_complaint(complaint, staff, "Lampu sudah diganti dan menyala kembali.")
        db.session.commit()


def seed_demo() -> bool:
    """Reference data, the three demo accounts and a few sample complaints."""
    added = seed_reference_data()
    users = _seed_users()
    _seed_complaints(users["officer"])
    return added
