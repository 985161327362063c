"""Demo documents for the register of indicator 27 (``flask seed demo``).

A regency-wide decree appointing the complaint team, the public works
office's SOP, its periodic report of the last quarter and the minutes of this
quarter's evaluation meeting: four of the five criteria met, so a new user
sees both a tick and what is still missing (a proof of publication). Each is a
one-page PDF made here; dates follow today's date. Idempotent by title.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date
from flask import render_template_string
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import AssessmentDocument, DocumentKind
from complaints.reports import scope

from .documents import NewDocument, add_document, unit_id_of
from .dossier_periods import quarter_of
from .pdf import html_to_pdf

_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><style>
@page{size:A4;margin:25mm 20mm} body{font-family:sans-serif;font-size:11pt}
h1{font-size:14pt;text-align:center} .demo{color:#9b1c1c;border:1px solid;padding:4mm}
</style></head><body>
<p style="text-align:center">PEMERINTAH KABUPATEN BONE BOLANGO</p>
<h1>{{ title }}</h1>
{% if number %}<p style="text-align:center">Nomor: {{ number }}</p>{% endif %}
<p>{{ text }}</p>
<p>Ditetapkan di Suwawa, {{ day }}</p>
<p class="demo">Dokumen contoh dari data demo Aduan: bukan dokumen resmi.</p>
</body></html>"""


@dataclass(frozen=True)
class DemoDocument:
    kind: str
    title: str
    number: str | None
    text: str
    day: date
    period: tuple[date, date] | None = None
    unit_code: str | None = None


def demo_documents(today: date) -> list[DemoDocument]:
    """The demo's documents, dated so that they count for the running quarter."""
    quarter_start, _ = quarter_of(today)
    last_start, last_end = quarter_of(quarter_start - timedelta(days=1))
    year_start = date(today.year, 1, 1)
    return [
        DemoDocument(
            DocumentKind.TEAM_DECREE.value,
            "Keputusan Bupati tentang Tim Pengelola Pengaduan Pelayanan Publik",
            f"188.45/KEP/BUP/012/{today.year}",
            "Menetapkan tim pengelola pengaduan pelayanan publik Kabupaten Bone Bolango "
            "beserta tugas verifikasi, penerusan, tindak lanjut dan pelaporan pengaduan.",
            year_start,
        ),
        DemoDocument(
            DocumentKind.SOP.value,
            "SOP Pengelolaan Pengaduan Dinas Pekerjaan Umum dan Penataan Ruang",
            f"050/PUPR/SOP/03/{today.year}",
            "Alur penerimaan, verifikasi paling lama 3 hari kerja, tindak lanjut paling lama "
            "5 hari kerja dan penyelesaian pengaduan.",
            year_start,
            unit_code="PUPR",
        ),
        DemoDocument(
            DocumentKind.PERIODIC_REPORT.value,
            "Laporan Pengelolaan Pengaduan Triwulan Sebelumnya",
            f"700/PUPR/LAP/{last_end.month:02d}/{last_end.year}",
            "Rekapitulasi pengaduan yang diterima, diselesaikan dan tepat waktu.",
            min(last_end + timedelta(days=7), today),
            period=(last_start, last_end),
            unit_code="PUPR",
        ),
        DemoDocument(
            DocumentKind.EVALUATION_MINUTES.value,
            "Notulen Rapat Evaluasi Pengelolaan Pengaduan",
            None,
            "Rapat evaluasi tindak lanjut pengaduan yang melewati tenggat, dipimpin Asisten "
            "Administrasi Umum.",
            max(quarter_start, today - timedelta(days=3)),
        ),
    ]


def _pdf(document: DemoDocument) -> bytes:
    html = render_template_string(
        _PAGE,
        title=document.title,
        number=document.number,
        text=document.text,
        day=format_date(document.day, "long", locale="id"),
    )
    return html_to_pdf(html)


def seed_demo_documents() -> int:
    """Add the demo documents that are missing (by title); how many were added."""
    today = scope.today()
    present = set(db.session.scalars(select(AssessmentDocument.title)))
    added = 0
    for document in demo_documents(today):
        if document.title in present:
            continue
        add_document(
            NewDocument(
                kind=document.kind,
                title=document.title,
                number=document.number,
                document_date=document.day,
                period_from=document.period[0] if document.period else None,
                period_to=document.period[1] if document.period else None,
                unit_id=unit_id_of(document.unit_code),
                content=_pdf(document),
                filename=f"{document.title}.pdf",
            ),
            None,
        )
        added += 1
    return added
