"""Open311 GeoReport v2 representations: services, service requests, errors; JSON and XML.

The shapes are the models of :mod:`.open311_bodies`; this module fills them
from rows and writes them as JSON or XML.

Status mapping (GeoReport knows only ``open`` and ``closed``, where closed
means "it has been resolved"): ``resolved``, ``closed``, ``rejected`` and
``merged`` are ``closed``; ``received``, ``verified`` and ``in_progress`` are
``open``. A resolved complaint counts as closed because the unit's work is
done — the citizen's confirmation is our own extra step — and if the citizen
reopens it, it is ``open`` again.

Nothing personal leaves here: no reporter fields, free text redacted like on
the tracking page, and ``media_url`` is always null (citizens' photos have no
public address; a client's own media_url is kept as an internal note only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Literal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

from flask import Response, current_app, jsonify

from complaints.models import Category, Complaint, Status
from complaints.notify import status_label
from complaints.redact import redact

from .open311_bodies import Open311Error, Open311Service, Open311ServiceRequest, plain

CLOSED_STATUSES = frozenset({Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.MERGED})
OPEN_STATUSES = frozenset(Status) - CLOSED_STATUSES
FORMATS = ("json", "xml")

# Spark convention: the element name of one member of each list.
_ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
}


def open311_status(status: str) -> Literal["open", "closed"]:
    return "closed" if Status(status) in CLOSED_STATUSES else "open"


def statuses_for(open311: str) -> list[str]:
    """Our statuses behind an Open311 status (``open`` or ``closed``)."""
    chosen = CLOSED_STATUSES if open311 == "closed" else OPEN_STATUSES
    return sorted(status.value for status in chosen)


def w3c(moment: datetime) -> str:
    """A W3C datetime with the office's UTC offset, e.g. 2026-11-25T10:00:00+08:00."""
    zone = ZoneInfo(current_app.config["ADUAN_TIMEZONE"])
    return moment.astimezone(zone).isoformat(timespec="seconds")


def service_json(category: Category, locale: str) -> dict[str, Any]:
    description = category.description_en if locale == "en" else category.description_id
    service = Open311Service(
        service_code=category.code,
        service_name=category.name(locale),
        description=description or category.name(locale),
        metadata=False,
        type="realtime",
        keywords=", ".join(category.keywords.split()),
        group=category.default_unit.name if category.default_unit else "",
    )
    return plain(service)


def _clean(complaint: Complaint, text: str | None) -> str | None:
    if not text:
        return text
    reporter = complaint.reporter
    return redact(text, (reporter.name,) if reporter is not None else ())


def status_notes(complaint: Complaint) -> str:
    """Why the request is in its state: the resolution or reason when there is one."""
    status = Status(complaint.status)
    if status in (Status.RESOLVED, Status.CLOSED) and complaint.resolution:
        return _clean(complaint, complaint.resolution) or ""
    if status == Status.REJECTED and complaint.rejection_reason:
        return _clean(complaint, complaint.rejection_reason) or ""
    return status_label(status)


def _updated_at(complaint: Complaint) -> datetime:
    """For a closed request the spec wants the closing instant."""
    closing = {
        Status.RESOLVED: complaint.resolved_at,
        Status.CLOSED: complaint.closed_at,
        Status.REJECTED: complaint.rejected_at,
        Status.MERGED: complaint.merged_at,
    }.get(Status(complaint.status))
    return closing or complaint.updated_at


def service_request_json(complaint: Complaint, locale: str) -> dict[str, Any]:
    unit = complaint.unit
    service_request = Open311ServiceRequest(
        service_request_id=complaint.code,
        status=open311_status(complaint.status),
        status_notes=status_notes(complaint),
        service_name=complaint.category.name(locale),
        service_code=complaint.category.code,
        description=_clean(complaint, complaint.description),
        agency_responsible=unit.name if unit else None,
        service_notice=None,
        requested_datetime=w3c(complaint.created_at),
        updated_datetime=w3c(_updated_at(complaint)),
        expected_datetime=w3c(complaint.resolve_due_at) if complaint.resolve_due_at else None,
        address=_clean(complaint, complaint.address),
        address_id=None,
        zipcode=None,
        lat=complaint.lat,
        long=complaint.lon,
        media_url=None,
    )
    return plain(service_request)


def _xml_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ElementTree.Element, tag: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, tag)
    if isinstance(value, Mapping):
        for name, member in value.items():
            _append(element, name, member)
    elif isinstance(value, list | tuple):
        for member in value:
            _append(element, _ITEM_TAGS.get(tag, "item"), member)
    else:
        element.text = _xml_text(value)


def to_xml(root: str, payload: Mapping[str, Any] | Sequence[Any]) -> bytes:
    """The XML form of a JSON payload (Spark convention), with its declaration."""
    element = ElementTree.Element(root)
    if isinstance(payload, Mapping):
        for name, member in payload.items():
            _append(element, name, member)
    else:
        for member in payload:
            _append(element, _ITEM_TAGS.get(root, "item"), member)
    body: bytes = ElementTree.tostring(element, encoding="utf-8", xml_declaration=True)
    return body


def render(payload: Any, fmt: str, root: str, status: int = 200) -> Response:
    """Answer in the format the URL asked for (``.json`` or ``.xml``)."""
    if fmt == "xml":
        response = Response(to_xml(root, payload), content_type="text/xml; charset=utf-8")
    else:
        response = jsonify(payload)
    response.status_code = status
    return response


def errors_payload(errors: Sequence[tuple[int, str]]) -> list[dict[str, Any]]:
    return [plain(Open311Error(code=code, description=description)) for code, description in errors]
