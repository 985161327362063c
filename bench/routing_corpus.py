"""A synthetic routing history: Indonesian complaint texts with the unit and category they went to.

For the routing benchmark and tests (``from bench.routing_corpus import history``).
Each unit has a few sentence templates about its own matters; a text is a
template filled with a place of Bone Bolango, an object and a plea, with
SMS spelling ("jln", "yg", "tdk"), dropped words and sometimes words about
another unit's matter mixed in. A small share of labels is wrong (a
different unit routed it), as in any real history. Deterministic for a seed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

PLACES = [
    "Desa Tanggilingo",
    "Desa Bube",
    "Kelurahan Oluhuta",
    "Desa Huntu Selatan",
    "Desa Ulanta",
    "Kecamatan Kabila",
    "Kecamatan Suwawa",
    "Kecamatan Tapa",
    "Desa Bongohulawa",
    "Kelurahan Padengo",
    "Desa Tolotio",
    "Kecamatan Bulango Utara",
    "Desa Panggulo",
    "Kecamatan Botupingge",
    "Desa Talango",
]
PLEAS = [
    "mohon segera ditindaklanjuti",
    "tolong diperhatikan pak",
    "sudah lama tidak ada tanggapan",
    "kami warga sangat dirugikan",
    "mohon bantuannya",
    "terima kasih",
    "sudah dilaporkan ke kepala desa tapi belum ada hasil",
    "",
]
DURATIONS = ["sejak 2 minggu", "sudah 3 bulan", "sejak kemarin", "hampir setahun", "sejak lebaran"]
SMS_SPELLING = {
    "jalan": "jln",
    "yang": "yg",
    "tidak": "tdk",
    "sudah": "sdh",
    "dengan": "dgn",
    "tolong": "tlg",
    "belum": "blm",
    "karena": "krn",
}


@dataclass(frozen=True)
class Matter:
    """One unit's matters: templates with {place}, {thing}, {since} and a category code."""

    unit: str
    category: str
    things: tuple[str, ...]
    templates: tuple[str, ...]


MATTERS = [
    Matter(
        "PUPR",
        "road-damage",
        ("jalan", "jembatan", "aspal", "gorong-gorong", "bahu jalan"),
        (
            "{thing} di {place} rusak parah dan berlubang {since}",
            "{thing} menuju {place} putus akibat banjir, kendaraan tidak bisa lewat",
            "perbaikan {thing} di {place} terbengkalai {since}, batu dan pasir dibiarkan",
            "{thing} di {place} retak dan amblas, berbahaya bagi pengendara motor",
        ),
    ),
    Matter(
        "DLH",
        "waste",
        ("sampah", "limbah", "tumpukan sampah", "TPS", "asap pembakaran"),
        (
            "{thing} menumpuk di {place} {since} dan menimbulkan bau busuk",
            "truk {thing} tidak pernah datang ke {place}",
            "{thing} pabrik dibuang ke sungai di {place}, air jadi hitam",
            "warga membakar {thing} di {place}, asapnya masuk rumah",
        ),
    ),
    Matter(
        "DUKCAPIL",
        "civil-registry",
        ("KTP elektronik", "kartu keluarga", "akta kelahiran", "NIK", "akta kematian"),
        (
            "{thing} saya belum jadi {since} padahal sudah rekam di {place}",
            "nama di {thing} salah ketik, sudah urus di {place} tapi disuruh kembali",
            "blanko {thing} habis di kantor {place}",
            "{thing} anak saya tidak terbit, petugas di {place} minta uang",
        ),
    ),
    Matter(
        "DINKES",
        "health-centre",
        ("puskesmas", "posyandu", "bidan desa", "obat", "vaksin"),
        (
            "{thing} di {place} tutup pada jam pelayanan {since}",
            "{thing} di {place} kosong, pasien disuruh beli di apotek",
            "petugas {thing} {place} kasar kepada pasien lansia",
            "{thing} untuk balita di {place} tidak ada {since}",
        ),
    ),
    Matter(
        "DINSOS",
        "social-aid",
        ("bansos", "PKH", "BPNT", "bantuan beras", "kartu sembako"),
        (
            "{thing} tidak tepat sasaran di {place}, keluarga mampu yang dapat",
            "nama kami hilang dari daftar {thing} di {place} {since}",
            "{thing} di {place} dipotong oleh pendamping",
            "lansia miskin di {place} belum pernah menerima {thing}",
        ),
    ),
    Matter(
        "DIKBUD",
        "education",
        ("sekolah", "guru", "dana BOS", "PPDB", "seragam sekolah"),
        (
            "atap {thing} di {place} bocor, murid belajar di teras",
            "{thing} di {place} sering tidak masuk mengajar {since}",
            "pungutan {thing} di {place} memberatkan orang tua murid",
            "anak kami ditolak {thing} di {place} padahal rumah dekat",
        ),
    ),
    Matter(
        "DPMPTSP",
        "permits",
        ("izin usaha", "NIB", "IMB", "izin keramaian", "perizinan OSS"),
        (
            "pengurusan {thing} di {place} berbelit {since}",
            "{thing} saya belum terbit padahal berkas lengkap",
            "petugas mall pelayanan publik minta biaya tambahan untuk {thing}",
            "sistem {thing} error terus, tidak bisa mendaftar",
        ),
    ),
    Matter(
        "INSPEKTORAT",
        "extortion-conduct",
        ("pungli", "aparat desa", "calo", "kepala desa", "oknum pegawai"),
        (
            "ada {thing} saat mengurus surat di kantor {place}",
            "{thing} di {place} menyalahgunakan dana desa {since}",
            "{thing} meminta uang pelicin di {place}",
            "laporan dugaan korupsi oleh {thing} {place}",
        ),
    ),
]


@dataclass(frozen=True)
class Example:
    title: str | None
    description: str
    address: str | None
    unit: str
    category: str


def _sms(text: str, chance: float, rng: random.Random) -> str:
    words = text.split()
    return " ".join(
        SMS_SPELLING.get(word, word) if rng.random() < chance else word for word in words
    )


def one(matter: Matter, rng: random.Random, *, others: list[Matter], mix: float) -> str:
    """One complaint text about ``matter``."""
    text = rng.choice(matter.templates).format(
        place=rng.choice(PLACES), thing=rng.choice(matter.things), since=rng.choice(DURATIONS)
    )
    if rng.random() < mix:  # a word of another matter: people mention more than one thing
        other = rng.choice(others)
        text += f", dekat {rng.choice(other.things)}"
    plea = rng.choice(PLEAS)
    text = f"{text}. {plea}".strip(" .") + "."
    words = text.split()
    if len(words) > 6 and rng.random() < 0.3:  # a dropped word
        del words[rng.randrange(len(words))]
    return _sms(" ".join(words), 0.5 if rng.random() < 0.4 else 0.0, rng)


def history(
    count: int,
    *,
    units: int = len(MATTERS),
    seed: int = 7,
    mislabelled: float = 0.03,
    mix: float = 0.15,
) -> list[Example]:
    """``count`` complaints over the first ``units`` matters, unevenly many per unit."""
    rng = random.Random(seed)
    chosen = MATTERS[:units]
    weights = [1.0 / (rank + 1) ** 0.5 for rank in range(len(chosen))]
    examples = []
    for _ in range(count):
        matter = rng.choices(chosen, weights)[0]
        others = [m for m in chosen if m is not matter]
        description = one(matter, rng, others=others, mix=mix)
        unit = rng.choice(others).unit if others and rng.random() < mislabelled else matter.unit
        title = description.split(",")[0][:60] if rng.random() < 0.3 else None
        address = rng.choice(PLACES) if rng.random() < 0.5 else None
        examples.append(Example(title, description, address, unit, matter.category))
    return examples


def write_history(examples: Iterable[Example], *, code_prefix: str) -> None:
    """Insert ``examples`` as closed LAPOR! complaints routed by history, in one statement; commit.

    Needs an app context; the app is imported here, not above, so that the
    benchmark's worker processes that only read texts do not load it.
    """
    import sqlalchemy as sa

    from complaints import clock
    from complaints.extensions import db
    from complaints.models import Category, Complaint, Unit

    now = clock.now()
    unit_ids = dict(db.session.execute(sa.select(Unit.code, Unit.id)).tuples().all())
    category_ids = dict(db.session.execute(sa.select(Category.code, Category.id)).tuples().all())
    rows = [
        {
            "code": f"{code_prefix}{number:06d}",
            "kind": "complaint",
            "channel": "lapor",
            "status": "closed",
            "priority": "normal",
            "category_id": category_ids[example.category],
            "unit_id": unit_ids[example.unit],
            "routed_by": "history",
            "title": example.title,
            "description": example.description,
            "address": example.address,
            "created_at": now,
            "updated_at": now,
        }
        for number, example in enumerate(examples)
    ]
    db.session.execute(sa.insert(Complaint), rows)
    db.session.commit()
