"""What anyone holding a tracking code may see of a complaint.

One function builds it for the tracking page and the public JSON API, so
the two can never disagree about what is private. It carries no name,
phone, e-mail or NIK, and free text is redacted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import force_locale, gettext

from . import notify
from .attachments import message_files, resolution_messages
from .models import Attachment, Complaint, MessageKind, Status
from .notify import status_label
from .redact import redact


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    status: str | None
    label: str
    note: str | None


@dataclass(frozen=True)
class PublicFile:
    """A file staff attached to a public reply or the resolution: anyone with the code sees it."""

    id: int
    filename: str
    is_image: bool
    size: int


@dataclass(frozen=True)
class PublicReply:
    at: datetime
    body: str
    files: tuple[PublicFile, ...] = ()


@dataclass(frozen=True)
class PublicComplaint:
    code: str
    status: str
    status_label: str
    kind: str
    channel: str
    category: str
    category_code: str
    unit: str | None
    unit_code: str | None
    description: str
    address: str | None
    created_at: datetime
    updated_at: datetime
    deadlines: dict[str, datetime | None]
    resolution: str | None
    rejection_reason: str | None
    # A duplicate: the original's code (never a confidential one's) and its progress.
    merged_into: str | None
    original_progress: str | None
    satisfaction: int | None
    # The citizen's own privacy choices, shown back to the holder of the code.
    anonymous: bool = False
    confidential: bool = False
    public_replies: list[PublicReply] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    # Photos of the work done or a report, attached to the (latest) resolution.
    resolution_files: tuple[PublicFile, ...] = ()

    @property
    def can_confirm(self) -> bool:
        return self.status == Status.RESOLVED

    @property
    def can_rate(self) -> bool:
        return self.status in (Status.RESOLVED, Status.CLOSED) and self.satisfaction is None


def _known_names(complaint: Complaint) -> tuple[str | None, ...]:
    reporter = complaint.reporter
    return (reporter.name,) if reporter is not None else ()


def _redactor(complaint: Complaint) -> Callable[[str | None], str | None]:
    """Free text as published: redacted of personal data (and of the reporter's name)."""
    names = _known_names(complaint)

    def clean(text: str | None) -> str | None:
        return redact(text, names) if text else text

    return clean


def _public_replies(
    complaint: Complaint, files: Mapping[int, Sequence[Attachment]] | None = None
) -> list[PublicReply]:
    """The replies to the citizen, redacted; the resolution's message is shown as the
    resolution, not here. ``files`` (by message id) are only the page's."""
    replies = [
        message for message in complaint.messages if message.kind == MessageKind.PUBLIC_REPLY
    ]
    if not replies:
        return []  # nothing to redact: the reporter's name need not be read
    resolutions = set(resolution_messages(complaint))
    clean = _redactor(complaint)
    return [
        PublicReply(
            message.at, clean(message.body) or "", _public_files((files or {}).get(message.id))
        )
        for message in replies
        if message.id not in resolutions
    ]


def _public_files(rows: Sequence[Attachment] | None) -> tuple[PublicFile, ...]:
    return tuple(
        PublicFile(row.id, row.filename, row.content_type.startswith("image/"), row.size)
        for row in rows or ()
    )


def _resolution_files(
    complaint: Complaint, files: Mapping[int, Sequence[Attachment]]
) -> tuple[PublicFile, ...]:
    resolutions = resolution_messages(complaint) if files else []
    return _public_files(files.get(resolutions[-1])) if resolutions else ()


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def public_json(complaint: Complaint) -> dict[str, Any]:
    """The fixed public JSON shape of DESIGN.md (ISO 8601 instants with offset).

    Built from the complaint, not from :func:`public_view`: the JSON has no
    label, history or free text but the replies (redacted as on the page), so
    it needs no translation and reads no events.
    """
    return {
        "code": complaint.code,
        "status": complaint.status,
        "kind": complaint.kind,
        "channel": complaint.channel,
        "category": complaint.category.code,
        "unit": complaint.unit.code if complaint.unit else None,
        "created_at": complaint.created_at.isoformat(),
        "updated_at": complaint.updated_at.isoformat(),
        "deadlines": {
            "verify": _iso(complaint.verify_due_at),
            "response": _iso(complaint.response_due_at),
            "resolve": _iso(complaint.resolve_due_at),
        },
        "public_replies": [
            {"at": reply.at.isoformat(), "body": reply.body} for reply in _public_replies(complaint)
        ],
    }


def public_view(complaint: Complaint, locale: str = "id") -> PublicComplaint:
    clean = _redactor(complaint)
    files = message_files(complaint)

    with force_locale(locale):
        history = []
        for event in complaint.events:
            if event.kind == "status":
                label = status_label(event.to_status or Status.RECEIVED)
            elif event.kind == "reply":
                label = gettext("The unit replied")
            else:
                continue
            note = clean(event.note) if event.public and event.kind == "status" else None
            history.append(HistoryEntry(event.at, event.to_status, label, note))
        return PublicComplaint(
            code=complaint.code,
            status=complaint.status,
            status_label=status_label(complaint.status),
            kind=complaint.kind,
            channel=complaint.channel,
            category=complaint.category.name(locale),
            category_code=complaint.category.code,
            unit=complaint.unit.name if complaint.unit else None,
            unit_code=complaint.unit.code if complaint.unit else None,
            description=clean(complaint.description) or "",
            address=clean(complaint.address),
            created_at=complaint.created_at,
            updated_at=complaint.updated_at,
            deadlines={
                "verify": complaint.verify_due_at,
                "response": complaint.response_due_at,
                "resolve": complaint.resolve_due_at,
                # Until when the reporter may answer "resolved?" before the sweep closes it.
                "confirm": complaint.confirm_due_at,
            },
            resolution=clean(complaint.resolution),
            rejection_reason=clean(complaint.rejection_reason),
            merged_into=notify.public_original_code(complaint),
            original_progress=(
                notify.mirrored_label(complaint.duplicate_of) if complaint.duplicate_of else None
            ),
            satisfaction=complaint.satisfaction,
            anonymous=complaint.anonymous,
            confidential=complaint.confidential,
            public_replies=_public_replies(complaint, files),
            history=history,
            resolution_files=_resolution_files(complaint, files),
        )
