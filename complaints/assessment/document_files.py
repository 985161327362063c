"""What an uploaded assessment document really is: its type by its content, its safe name.

The register trusts neither the name nor the type a browser sends: a file is
accepted when its first bytes (and, for the Office formats, the members of its
zip) say it is a PDF, a JPEG or PNG image, or an Office Open XML / OpenDocument
text or spreadsheet. The legacy ``.doc``/``.xls`` and any file holding a VBA
project (macros) are refused; it is served back as an attachment, never inline.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile

from flask_babel import format_decimal, gettext

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"

# The file name's extension each accepted type is stored and served with.
EXTENSIONS: dict[str, str] = {
    PDF: "pdf",
    JPEG: "jpg",
    PNG: "png",
    DOCX: "docx",
    XLSX: "xlsx",
    ODT: "odt",
    ODS: "ods",
}


def _has_macros(names: set[str]) -> bool:
    """A VBA project (Office Open XML) or Basic or script folders (OpenDocument)."""
    return any(
        name.endswith("vbaProject.bin") or name.startswith(("Basic/", "Scripts/")) for name in names
    )


def _zip_type(content: bytes) -> str | None:
    """DOCX, XLSX, ODT or ODS by the members a zip holds; ``None`` for any other zip.

    Only the member list and the first bytes of ODF's ``mimetype`` are read: a
    zip bomb is never inflated.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
            declared = ""
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    declared = member.read(100).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, RuntimeError, NotImplementedError):
        return None
    if _has_macros(names):
        return None
    if declared:
        return declared if declared in (ODT, ODS) else None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def sniff_type(content: bytes) -> str | None:
    """The accepted type ``content`` really is, by its first bytes; ``None`` if not accepted."""
    if content.startswith(b"%PDF-"):
        return PDF
    if content.startswith(b"\xff\xd8\xff"):
        return JPEG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if content.startswith(b"PK\x03\x04"):
        return _zip_type(content)
    return None


def safe_filename(name: str, content_type: str) -> str:
    """The uploaded name without folders or control characters, with the type's extension."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable())
    base = re.sub(r"[\"';<>|*?:]+", "_", base).strip(" .")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem[:200].strip(" .") or "dokumen"
    return f"{stem}.{EXTENSIONS[content_type]}"


def file_label(content_type: str, size: int) -> str:
    """The file's type and size as people read them: "PDF, 1,2 MB", "PNG, 85 KB"."""
    kind = EXTENSIONS.get(content_type, "").upper() or gettext("file")
    if size >= 1024 * 1024:
        size = gettext("%(size)s MB", size=format_decimal(size / (1024 * 1024), "0.0"))
    else:
        size = gettext("%(size)s KB", size=format_decimal(max(1, round(size / 1024)), "0"))
    return f"{kind}, {size}"
