"""What /api/v1 answers, as pydantic models: the one definition of each JSON shape.

:mod:`.representations` fills them from rows, the views send them with
:func:`plain`, and :mod:`.openapi` writes the spec's components from them.
The public complaint is built by :func:`complaints.public.public_json` (the
privacy rules live there); :class:`PublicComplaint` is its shape.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, NotRequired

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, WithJsonSchema
from typing_extensions import TypedDict

from complaints.models import MessageKind, Status


def iso(moment: datetime) -> str:
    """An instant as ISO 8601 with its offset (stored instants are UTC: ``+00:00``)."""
    return moment.isoformat()


# Serialised with datetime.isoformat, not pydantic's own format (which writes UTC as "Z").
Instant = Annotated[
    datetime,
    PlainSerializer(iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class Shape(BaseModel):
    """An answer's shape: built by our own code from typed rows."""

    model_config = ConfigDict(frozen=True)


def plain(shape: BaseModel) -> dict[str, Any]:
    """A shape as JSON-ready values (field aliases, instants as ISO 8601)."""
    return shape.model_dump(mode="json", by_alias=True)


# --- errors ------------------------------------------------------------------------------


class ErrorBody(TypedDict):
    code: str
    message: str
    fields: Annotated[dict[str, str], Field(description="A message per bad field.")]
    current: NotRequired[Annotated[str, Field(description="409 invalid_transition: the status.")]]
    allowed: NotRequired[
        Annotated[list[str], Field(description="409 invalid_transition: the moves allowed.")]
    ]


class Error(Shape):
    """Every error of /api/v1 (built by :mod:`.errors`)."""

    error: ErrorBody


# --- reference data ----------------------------------------------------------------------


class Category(Shape):
    code: str
    name: str
    name_id: str
    name_en: str
    description: str
    default_kind: str
    unit: str | None


class Unit(Shape):
    code: str
    name: str
    parent: str | None
    is_regency_level: bool
    is_front_office: bool


# --- the public complaint ----------------------------------------------------------------


class PublicDeadlines(Shape):
    verify: Instant | None
    response: Instant | None
    resolve: Instant | None


class PublicReply(Shape):
    at: Instant
    body: str


class PublicComplaint(Shape):
    """What anyone holding the tracking code reads (DESIGN.md's fixed shape)."""

    code: str = Field(description="Tracking code, e.g. ADU-7K3Q-9M2X.")
    status: Status
    kind: str
    channel: str
    category: str = Field(description="Category code (Open311 service_code).")
    unit: str | None
    created_at: Instant
    updated_at: Instant
    deadlines: PublicDeadlines
    public_replies: list[PublicReply]


class FiledComplaint(PublicComplaint):
    """The answer to filing: the public view and the reporter's key."""

    reporter_key: str | None = Field(
        description="The reporter's key: give it only to the citizen. "
        "PUBLIC_BASE_URL/track/<code>?key=<reporter_key> lets them confirm, "
        "reopen and rate. Null only for a complaint filed before keys existed."
    )


# --- the staff view ----------------------------------------------------------------------


class Person(Shape):
    id: int
    email: str
    name: str


class Deadlines(Shape):
    verify: Instant | None
    response: Instant | None
    resolve: Instant | None
    confirm: Instant | None


class ComplaintSummary(Shape):
    """One row of the staff list: enough to triage without a second request."""

    code: str
    status: Status
    kind: str
    channel: str
    priority: str
    category: str
    unit: str | None
    assignee: Person | None
    description: str
    anonymous: bool
    confidential: bool
    created_at: Instant
    updated_at: Instant
    next_action_at: Instant | None
    deadlines: Deadlines


class Reporter(Shape):
    name: str | None
    phone: str | None
    email: str | None
    nik: str | None
    erased: bool


class Message(Shape):
    id: int
    at: Instant
    kind: MessageKind
    public: bool
    body: str
    channel: str | None
    author: str | None


class Event(Shape):
    id: int
    at: Instant
    kind: str
    actor: str | None
    actor_label: str
    from_status: str | None
    to_status: str | None
    note: str | None
    public: bool
    data: dict[str, Any] | None


class StaffComplaint(ComplaintSummary):
    """The full staff view of one complaint; the reporter only where the privacy rules allow."""

    address: str | None
    lat: float | None
    lon: float | None
    locale: str
    hidden_from_public: bool
    verified_at: Instant | None
    first_response_at: Instant | None
    resolved_at: Instant | None
    closed_at: Instant | None
    escalation_level: int
    resolution: str | None
    rejection_reason: str | None
    duplicate_of: str | None
    satisfaction: int | None
    reopened_count: int
    version: int
    allowed_transitions: list[Status]
    reporter_visible: bool
    reporter: Reporter | None
    messages: list[Message]
    events: list[Event]


class ComplaintPage(Shape):
    items: list[ComplaintSummary]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


# --- the report (GET /api/v1/metrics, built by complaints.metrics) -------------------------


class Figures(Shape):
    """A part of the report: the keys DESIGN.md fixes, and more."""

    model_config = ConfigDict(extra="allow")


class Totals(Figures):
    received: int
    completed: int
    completion_rate: float | None
    completed_on_time: int
    overdue: int
    median_resolve_working_hours: float | None


class UnitFigures(Figures):
    unit: str
    received: int
    completed: int


class Indicator28(Figures):
    received: int
    completed: int
    received_lapor: int
    completed_lapor: int
    score: str | None


class Ikm(Figures):
    value: float | None
    grade: str | None
    respondents: int


class MetricsReport(Figures):
    from_: date = Field(alias="from")
    to: date
    totals: Totals
    by_channel: dict[str, int]
    by_unit: list[UnitFigures]
    indicator_28: Indicator28
    ikm: Ikm
    as_of: str = Field(
        description="ISO 8601 instant with its offset: when the figures were read from the"
        " complaints (now for a running period, else when the scheduler or the refresh"
        " button last read them)."
    )


# The answers the staff and public endpoints send, by name (the spec's components).
ANSWERS: tuple[type[BaseModel], ...] = (
    Error,
    Category,
    Unit,
    PublicComplaint,
    FiledComplaint,
    ComplaintPage,
    StaffComplaint,
    Message,
    MetricsReport,
)
