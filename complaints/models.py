"""SQLAlchemy models for the whole complaint domain.

Personal data of citizens lives only in ``reporters`` so it can be erased
without touching the complaint or the figures. Deadlines are stored columns
(indexed) so the SLA sweep asks the database for due rows only.

Over 500 lines on purpose: it is the schema, one class per table, and Alembic's
autogenerate and a reader both want it in one place.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from . import clock
from .extensions import Base, db
from .types import UTCDateTime

if TYPE_CHECKING:
    # Flask-SQLAlchemy builds db.Model at run time; to the type checker it is our Base.
    Model = Base
else:
    Model = db.Model


class Status(enum.StrEnum):
    RECEIVED = "received"
    VERIFIED = "verified"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    MERGED = "merged"


OPEN_STATUSES = (Status.RECEIVED, Status.VERIFIED, Status.IN_PROGRESS, Status.RESOLVED)
FINAL_STATUSES = (Status.CLOSED, Status.REJECTED, Status.MERGED)


class Kind(enum.StrEnum):
    COMPLAINT = "complaint"
    ASPIRATION = "aspiration"
    INFORMATION_REQUEST = "information_request"


class Channel(enum.StrEnum):
    WEB = "web"
    TELEGRAM = "telegram"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    API = "api"
    OPEN311 = "open311"
    COUNTER = "counter"
    LAPOR = "lapor"
    EMAIL = "email"


class Transport(enum.StrEnum):
    """Which provider carries a channel's messages, where a channel has more than one."""

    TWILIO = "twilio"  # SMS and WhatsApp through Twilio
    SMS_GATEWAY = "smsgate"  # SMS through an Android phone (SMS Gateway for Android)
    WHATSAPP_CLOUD = "cloud"  # WhatsApp Cloud API (Meta)


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Role(enum.StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class MessageKind(enum.StrEnum):
    PUBLIC_REPLY = "public_reply"
    INTERNAL_NOTE = "internal_note"
    INBOUND = "inbound"


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"


class RespondentSex(enum.StrEnum):
    """The SKM respondent profile (PermenPAN-RB 14/2017), each question optional."""

    MALE = "male"
    FEMALE = "female"


class RespondentAge(enum.StrEnum):
    UNDER_20 = "under_20"
    FROM_20 = "20_29"
    FROM_30 = "30_39"
    FROM_40 = "40_49"
    FROM_50 = "50_59"
    FROM_60 = "60_plus"


class RespondentEducation(enum.StrEnum):
    PRIMARY = "primary"  # SD atau di bawahnya
    JUNIOR_HIGH = "junior_high"  # SMP
    SENIOR_HIGH = "senior_high"  # SMA/SMK
    DIPLOMA = "diploma"  # D1–D3
    BACHELOR = "bachelor"  # D4/S1
    POSTGRADUATE = "postgraduate"  # S2/S3


class RespondentOccupation(enum.StrEnum):
    CIVIL_SERVANT = "civil_servant"  # PNS/TNI/Polri
    PRIVATE_EMPLOYEE = "private_employee"
    ENTREPRENEUR = "entrepreneur"  # wiraswasta/usahawan
    FARMER_FISHER = "farmer_fisher"
    STUDENT = "student"  # pelajar/mahasiswa
    OTHER = "other"


class DocumentKind(enum.StrEnum):
    """What the PEKPPP assessment asks to see for indicator 27."""

    TEAM_DECREE = "team_decree"  # SK tim pengelola pengaduan
    SOP = "sop"  # SOP / maklumat pelayanan
    PERIODIC_REPORT = "periodic_report"  # laporan berkala
    EVALUATION_MINUTES = "evaluation_minutes"  # notulen rapat evaluasi
    PUBLICATION = "publication"  # bukti publikasi
    OTHER = "other"


def _now() -> datetime:
    return clock.now()


def _values(enum_class: type[enum.StrEnum]) -> str:
    return ", ".join(f"'{member.value}'" for member in enum_class)


class Unit(Model):
    """A government unit (OPD) that handles complaints; ``parent`` is the supervisor chain."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    # Where level-2 escalations go (e.g. Bagian Organisasi / Inspektorat).
    is_regency_level: Mapped[bool] = mapped_column(Boolean, default=False)
    # Front-office units see the intake desk (all received complaints).
    is_front_office: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    parent: Mapped[Unit | None] = relationship(remote_side=[id])


class SlaPolicy(Model):
    """Deadlines in working days, and the escalation ladder's knobs."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    verify_days: Mapped[int] = mapped_column(Integer, default=3)
    response_days: Mapped[int] = mapped_column(Integer, default=5)
    resolve_days: Mapped[int] = mapped_column(Integer, default=14)
    urgent_resolve_days: Mapped[int | None] = mapped_column(Integer)
    confirm_days: Mapped[int] = mapped_column(Integer, default=10)
    # At this share of a deadline's span the assignee is reminded.
    reminder_percent: Mapped[int] = mapped_column(Integer, default=75)
    # Working days after the deadline before level 2 (regency level) is notified.
    level2_after_days: Mapped[int] = mapped_column(Integer, default=3)
    # Legal basis of the defaults, shown to admins.
    source: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, onupdate=_now)


class Category(Model):
    """A complaint category; ``code`` is also the Open311 ``service_code``."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name_id: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    description_id: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    default_kind: Mapped[str] = mapped_column(String(32), default=Kind.COMPLAINT.value)
    default_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"))
    # Space-separated words that route free text (SMS) to this category.
    keywords: Mapped[str] = mapped_column(Text, default="")
    sort_order: Mapped[int] = mapped_column(Integer, default=100)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    default_unit: Mapped[Unit | None] = relationship()
    sla_policy: Mapped[SlaPolicy | None] = relationship()

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_id


class Holiday(Model):
    """A non-working day beyond the national calendar (e.g. the regency's anniversary)."""

    __tablename__ = "holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class User(UserMixin, Model):
    """A staff member."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(f"role IN ({_values(Role)})", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    phone: Mapped[str | None] = mapped_column(String(32))
    telegram_chat_id: Mapped[str | None] = mapped_column(String(64))
    # One-time code a staff member sends to the bot to link Telegram (stored hashed).
    telegram_link_code_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    telegram_link_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where this person gets their own notices: a list of "telegram", "sms", "email";
    # NULL means every channel they can be reached on.
    notice_channels: Mapped[list[str] | None] = mapped_column(JSON)
    locale: Mapped[str] = mapped_column(String(8), default="id")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    # Part of every session cookie; bumping it signs out every browser of this user.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set when an admin chose the password: the console asks for a new one first.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # A one-time password-reset link: SHA-256 of its token, and when it expires.
    password_reset_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    password_reset_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Two-step sign-in: the authenticator secret (in use once confirmed) and the
    # last time step accepted, so a code is good once. Never logged or shown again.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_counter: Mapped[int | None] = mapped_column(BigInteger)

    unit: Mapped[Unit | None] = relationship()

    @property
    def uses_two_step(self) -> bool:
        return self.totp_confirmed_at is not None

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated staff cannot sign in
        return self.active


class Reporter(Model):
    """The citizen behind a complaint. The only table with their personal data."""

    __tablename__ = "reporters"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    # Each handle is indexed: an erasure finds the person's other complaints by any of them.
    phone: Mapped[str | None] = mapped_column(String(32), index=True)  # E.164
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    nik: Mapped[str | None] = mapped_column(String(16), index=True)
    telegram_chat_id: Mapped[str | None] = mapped_column(String(64), index=True)
    locale: Mapped[str] = mapped_column(String(8), default="id")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Complaint(Model):
    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("channel", "external_id"),
        CheckConstraint(f"status IN ({_values(Status)})", name="status"),
        CheckConstraint(f"kind IN ({_values(Kind)})", name="kind"),
        CheckConstraint(f"channel IN ({_values(Channel)})", name="channel"),
        CheckConstraint(f"priority IN ({_values(Priority)})", name="priority"),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction"
        ),
        # The sweep's query: due rows among open complaints only.
        Index(
            "ix_complaints_next_action_open",
            "next_action_at",
            postgresql_where=text("status NOT IN ('closed', 'rejected', 'merged')"),
            sqlite_where=text("status NOT IN ('closed', 'rejected', 'merged')"),
        ),
        # The queue: a unit's complaints by status, newest first.
        Index("ix_complaints_unit_status_created", "unit_id", "status", "created_at"),
        Index("ix_complaints_status_created", "status", "created_at"),
        Index("ix_complaints_assignee_status", "assignee_id", "status"),
        # Metrics count by period on these instants.
        Index("ix_complaints_created_at", "created_at"),
        Index("ix_complaints_resolved_at", "resolved_at"),
        # The queue's keyset pages (complaints.staff.keyset): each order's key plus the id,
        # so a page is one index range scan however deep. NULL next actions sit together
        # in id order, which is the deadline order's second bucket.
        Index("ix_complaints_next_action_id", "next_action_at", "id"),
        Index("ix_complaints_status_next_action_id", "status", "next_action_at", "id"),
        Index("ix_complaints_unit_next_action_id", "unit_id", "next_action_at", "id"),
        Index("ix_complaints_unit_created_id", "unit_id", "created_at", "id"),
        Index("ix_complaints_priority_created_id", "priority", "created_at", "id"),
        # "Sudah ada yang melaporkan?": a category's recent complaints, then their position.
        Index("ix_complaints_category_created", "category_id", "created_at"),
        # The queue's free-text search (ILIKE '%word%') through pg_trgm on PostgreSQL.
        # SQLite has no trigram index: there the index is declared empty (WHERE 0) and
        # the search scans, which the embedded single-office default can afford.
        *(
            Index(
                f"ix_complaints_{column}_trgm",
                column,
                postgresql_using="gin",
                postgresql_ops={column: "gin_trgm_ops"},
                sqlite_where=text("0"),
            )
            for column in ("description", "address")
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default=Kind.COMPLAINT.value)
    channel: Mapped[str] = mapped_column(String(16))
    # Idempotency: the channel's own id (update id, MessageSid, form token, Idempotency-Key).
    external_id: Mapped[str | None] = mapped_column(String(128))
    lapor_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=Status.RECEIVED.value)
    priority: Mapped[str] = mapped_column(String(16), default=Priority.NORMAL.value)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporters.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(500))
    # The kecamatan (district) and desa/kelurahan (village) the citizen chose: routing input.
    kecamatan: Mapped[str | None] = mapped_column(String(64))
    desa: Mapped[str | None] = mapped_column(String(64))
    # The title the citizen gave, where the channel has one (LAPOR!'s "Judul Laporan").
    title: Mapped[str | None] = mapped_column(String(300))
    # Who chose the unit: "staff", "model" (automatic routing), "history" (LAPOR! import).
    # Staff and history choices are what the routing model learns from.
    routed_by: Mapped[str | None] = mapped_column(String(16))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    # The citizen's language for every message sent to them.
    locale: Mapped[str] = mapped_column(String(8), default="id")
    # The provider the citizen wrote through (SMS, WhatsApp): answers go back the same way.
    transport: Mapped[str | None] = mapped_column(String(16))

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    in_progress_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reopened_count: Mapped[int] = mapped_column(Integer, default=0)

    verify_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirm_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The earliest instant at which the SLA sweep has something to do.
    next_action_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)

    resolution: Mapped[str | None] = mapped_column(Text)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    # Indexed: every status change of an original tells the reporters of its duplicates.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    citizen_confirmed: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    satisfaction_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Staff may hide a complaint from the public list (e.g. it names a private person).
    hidden_from_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # Working seconds (office hours minus holidays) measured by the workflow when it
    # stamps the end instant, with the calendar of that moment: received -> first
    # decision, verified -> first public response, received -> (latest) resolution.
    # NULL: not reached yet, or recorded before migration 0004 (metrics measures those).
    check_working_seconds: Mapped[int | None] = mapped_column(Integer)
    response_working_seconds: Mapped[int | None] = mapped_column(Integer)
    resolve_working_seconds: Mapped[int | None] = mapped_column(Integer)
    # Optimistic locking: two officers acting at once cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    category: Mapped[Category] = relationship()
    unit: Mapped[Unit | None] = relationship()
    assignee: Mapped[User | None] = relationship()
    reporter: Mapped[Reporter | None] = relationship()
    duplicate_of: Mapped[Complaint | None] = relationship(remote_side=[id])
    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id"
    )
    messages: Mapped[list[Message]] = relationship(
        back_populates="complaint", order_by="Message.id"
    )
    # The citizen's own photos. Files staff attach to a reply, a note or a resolution
    # carry that message's id (complaints.attachments.message_files).
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="complaint",
        primaryjoin=(
            "and_(Complaint.id == Attachment.complaint_id, Attachment.message_id.is_(None))"
        ),
        order_by="Attachment.id",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 -- SQLAlchemy reads it

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ReporterKey(Model):
    """The hash of a complaint's reporter key: the proof that lets its reporter act on it.

    A table of its own, so no query over complaints (listings, exports,
    reports) can select it by accident.
    """

    __tablename__ = "reporter_keys"

    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64))


class Supporter(Model):
    """A citizen who said "me too" on an open public complaint instead of filing another.

    Counted on the complaint and told of its progress when they left a contact
    (the ``reporters`` row, so erasure finds them like any reporter).
    """

    __tablename__ = "complaint_supporters"
    __table_args__ = (UniqueConstraint("complaint_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("reporters.id"), index=True)
    # Idempotency: the form's submission token.
    external_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    reporter: Mapped[Reporter | None] = relationship()


class PendingPhoto(Model):
    """A photo sent with a web form that came back with an error, held for its next submit.

    Keyed by the form's submission token; moved to the complaint when it is
    filed, and purged when the form is abandoned.
    """

    __tablename__ = "pending_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_token: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, index=True)


class ComplaintEvent(Model):
    """The audit log of a complaint: every change, who made it and when."""

    __tablename__ = "complaint_events"
    __table_args__ = (Index("ix_complaint_events_complaint_at", "complaint_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, index=True)
    # e.g. status, assign, reply, note, priority, escalation, reminder, rating, erase
    kind: Mapped[str] = mapped_column(String(32))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Who acted when it was not a staff member: citizen, system, sla, telegram…
    actor_label: Mapped[str] = mapped_column(String(32), default="system")
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    complaint: Mapped[Complaint] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class Message(Model):
    """A public reply to the citizen, an internal note, or an inbound message."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_values(MessageKind)})", name="kind"),
        Index("ix_messages_complaint_at", "complaint_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    kind: Mapped[str] = mapped_column(String(16))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(String(16))

    complaint: Mapped[Complaint] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()

    @property
    def is_public(self) -> bool:
        return self.kind == MessageKind.PUBLIC_REPLY


class Attachment(Model):
    """A photo or file. Bytes live in the database so every worker and host sees them."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Deferred: listing attachments must not load megabytes of photos.
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    complaint: Mapped[Complaint] = relationship(back_populates="attachments")


class SurveyResponse(Model):
    """The citizen's SKM answers (PermenPAN-RB 14/2017): nine elements on a 1–4 scale.

    An element the citizen skipped ("tidak berlaku") is NULL: each element's
    average is over those who answered it. The respondent profile is optional too.
    """

    __tablename__ = "survey_responses"
    __table_args__ = (
        *(
            CheckConstraint(f"{name} BETWEEN 1 AND 4", name=name)
            for name in (
                "requirements",
                "procedure",
                "timeliness",
                "cost",
                "product",
                "competence",
                "conduct",
                "facilities",
                "complaint_handling",
            )
        ),
        CheckConstraint(f"respondent_sex IN ({_values(RespondentSex)})", name="respondent_sex"),
        CheckConstraint(f"respondent_age IN ({_values(RespondentAge)})", name="respondent_age"),
        CheckConstraint(
            f"respondent_education IN ({_values(RespondentEducation)})",
            name="respondent_education",
        ),
        CheckConstraint(
            f"respondent_occupation IN ({_values(RespondentOccupation)})",
            name="respondent_occupation",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), unique=True)
    # Denormalised for per-unit IKM over a period without joining every complaint.
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    requirements: Mapped[int | None] = mapped_column(Integer)  # persyaratan
    procedure: Mapped[int | None] = mapped_column(Integer)  # prosedur
    timeliness: Mapped[int | None] = mapped_column(Integer)  # waktu pelayanan
    cost: Mapped[int | None] = mapped_column(Integer)  # biaya/tarif
    product: Mapped[int | None] = mapped_column(Integer)  # produk layanan
    competence: Mapped[int | None] = mapped_column(Integer)  # kompetensi pelaksana
    conduct: Mapped[int | None] = mapped_column(Integer)  # perilaku pelaksana
    facilities: Mapped[int | None] = mapped_column(Integer)  # sarana dan prasarana
    complaint_handling: Mapped[int | None] = mapped_column(Integer)  # penanganan pengaduan
    comment: Mapped[str | None] = mapped_column(Text)
    respondent_sex: Mapped[str | None] = mapped_column(String(8))
    respondent_age: Mapped[str | None] = mapped_column(String(16))
    respondent_education: Mapped[str | None] = mapped_column(String(16))
    respondent_occupation: Mapped[str | None] = mapped_column(String(24))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, index=True)


class ReportRun(Model):
    """A periodic report generated (evidence for indicator 27)."""

    __tablename__ = "report_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    format: Mapped[str] = mapped_column(String(8))
    # "report" (figures export), "dossier" (PEKPPP evidence) or "skm" (SKM report).
    kind: Mapped[str] = mapped_column(String(16), default="report", server_default="report")
    # The number a signed document carries, e.g. "003/ADUAN/XII/2026" (dossiers).
    document_number: Mapped[str | None] = mapped_column(String(64), unique=True)


class ReportChange(Model):
    """A change to what the report reads of a UTC month (``YYYYMM``), for the stored parts.

    Written by the few app paths that can change an ended period's figures
    (:func:`complaints.report_changes.mark`): one INSERT, never an UPDATE, so
    writers of the same month never wait for each other. The report
    preparation folds a month's rows into one, adding their ``changes``.
    """

    __tablename__ = "report_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    changes: Mapped[int] = mapped_column(Integer, default=1)


class ReportAggregate(Model):
    """An ended period's report parts as read from the complaints at ``computed_at``.

    ``changes_seen`` is the number of :class:`ReportChange` rows of the months
    up to the period's end counted before the parts were read; the report
    preparation reads the parts again when that number has grown
    (:mod:`complaints.metrics.stored`).
    """

    __tablename__ = "report_aggregates"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    part: Mapped[str] = mapped_column(String(32))
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    unit_code: Mapped[str | None] = mapped_column(String(32))
    changes_seen: Mapped[int] = mapped_column(BigInteger)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # When a person or a program last asked for it (at most once a day is written).
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[str] = mapped_column(Text)


# Complaints that reached a moment (checked, first response, resolved) without its
# working-time duration stored: rows from before migration 0004 and bulk imports.
# Spelled as the partial index's predicate (in parentheses, so it stays one term
# beside others): SQLite uses a partial index only when the query repeats it.
DURATIONS_MISSING = (
    "((check_working_seconds IS NULL AND (verified_at IS NOT NULL"
    " OR rejected_at IS NOT NULL OR merged_at IS NOT NULL))"
    " OR (response_working_seconds IS NULL AND verified_at IS NOT NULL"
    " AND first_response_at IS NOT NULL)"
    " OR (resolve_working_seconds IS NULL AND resolved_at IS NOT NULL))"
)
# Empty once every duration is stored, so asking whether any is missing (at
# start-up) or reading the next batch to backfill costs an index probe.
Index(
    "ix_complaints_durations_missing",
    Complaint.id,
    postgresql_where=text(DURATIONS_MISSING),
    sqlite_where=text(DURATIONS_MISSING),
)


class StatsPublication(Model):
    """When the public ``/stats`` page for a period was first and last served (indicator 27)."""

    __tablename__ = "stats_publications"
    __table_args__ = (UniqueConstraint("period_from", "period_to"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    first_served_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    # Refreshed when a worker recomputes the cached page, not on every visit.
    last_served_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class Escalation(Model):
    """One fired step of the escalation ladder; unique so each step fires once."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("complaint_id", "deadline", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"))
    # verify | response | resolve
    deadline: Mapped[str] = mapped_column(String(16))
    # 0 = reminder before the deadline, 1 = unit supervisor, 2 = regency level, …
    level: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    fired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, index=True)
    target_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))

    complaint: Mapped[Complaint] = relationship()


class Notification(Model):
    """An in-app notice for a staff member (assignment, reminder, escalation)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"))
    kind: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboundMessage(Model):
    """The outbox: a message to deliver, written in the transaction that caused it."""

    __tablename__ = "outbound_messages"
    __table_args__ = (
        CheckConstraint(f"status IN ({_values(OutboxStatus)})", name="status"),
        Index("ix_outbound_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Idempotency key: the same logical message is enqueued at most once.
    key: Mapped[str] = mapped_column(String(128), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    # The provider to send through (Transport), or NULL for the channel's only/default one.
    transport: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(128), index=True)
    provider_status: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InboundReceipt(Model):
    """Webhook deliveries already processed (Telegram update_id, Twilio MessageSid)."""

    __tablename__ = "inbound_receipts"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(128))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class BlockedAddress(Model):
    """A sender (phone number, chat id) whose messages are refused, managed by admins."""

    __tablename__ = "blocked_addresses"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class Conversation(Model):
    """Bot conversation state, in the database so any worker can answer the next message."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(128))
    state: Mapped[str] = mapped_column(String(32), default="idle")
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The citizen's last message and its provider: WhatsApp's 24-hour window counts from it.
    last_inbound_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transport: Mapped[str | None] = mapped_column(String(16))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, onupdate=_now)


class ApiToken(Model):
    """A staff bearer token for the JSON API, stored hashed."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Open311Key(Model):
    """An Open311 client's api_key, stored hashed."""

    __tablename__ = "open311_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CannedReply(Model):
    """A reply template staff can pick, per category or general."""

    __tablename__ = "canned_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    title: Mapped[str] = mapped_column(String(200))
    body_id: Mapped[str] = mapped_column(Text)
    body_en: Mapped[str] = mapped_column(Text, default="")


class AuditLog(Model):
    """Staff actions and sign-ins, successful or not."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_actor_at", "actor_user_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32))
    target_id: Mapped[int | None] = mapped_column(Integer)
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class SavedView(Model):
    """A queue filter a staff member named and keeps ("Jalan rusak, belum ditugaskan")."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    # The queue's query string (known filter names only), e.g. "status=open&category=3".
    query: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class ComplaintView(Model):
    """Who has a complaint open in the console, and since when (the "someone else" warning)."""

    __tablename__ = "complaint_views"
    __table_args__ = (UniqueConstraint("complaint_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    user: Mapped[User] = relationship()


class Letterhead(Model):
    """The regency's letterhead and usual signer for printed documents (one row, id 1)."""

    __tablename__ = "letterhead"

    id: Mapped[int] = mapped_column(primary_key=True)
    government_name: Mapped[str] = mapped_column(String(200), default="")  # PEMERINTAH KAB. …
    office_name: Mapped[str] = mapped_column(String(200), default="")  # the issuing office
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(64), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    website: Mapped[str] = mapped_column(String(200), default="")
    logo: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    logo_content_type: Mapped[str | None] = mapped_column(String(100))
    # The usual signer; each dossier may name another.
    signer_name: Mapped[str] = mapped_column(String(200), default="")
    signer_nip: Mapped[str] = mapped_column(String(32), default="")
    signer_position: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(100), default="")  # where documents are signed
    # The prefix of dossier numbers, e.g. "ADUAN" in "003/ADUAN/XII/2026".
    number_code: Mapped[str] = mapped_column(String(32), default="ADUAN")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class AssessmentDocument(Model):
    """A document kept for the assessment's indicator 27 (SK, SOP, reports, minutes…)."""

    __tablename__ = "assessment_documents"
    __table_args__ = (
        CheckConstraint(f"kind IN ({_values(DocumentKind)})", name="kind"),
        Index("ix_assessment_documents_kind_date", "kind", "document_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(300))
    number: Mapped[str | None] = mapped_column(String(120))  # e.g. the decree's number
    document_date: Mapped[date] = mapped_column(Date)
    # The period it covers (a periodic report, minutes of a quarter's meeting), if any.
    period_from: Mapped[date | None] = mapped_column(Date)
    period_to: Mapped[date | None] = mapped_column(Date)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    unit: Mapped[Unit | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()


class SkmFollowUp(Model):
    """The follow-up plan (rencana tindak lanjut) for an SKM element in a period."""

    __tablename__ = "skm_follow_ups"
    __table_args__ = (Index("ix_skm_follow_ups_period", "period_from", "period_to", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_from: Mapped[date] = mapped_column(Date)
    period_to: Mapped[date] = mapped_column(Date)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    element: Mapped[str] = mapped_column(String(32))  # a SurveyResponse element column
    plan: Mapped[str] = mapped_column(Text)
    updated_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)


class UnitAlias(Model):
    """Another name of a unit, as LAPOR! or people spell it ("Dinas PUPR Kab. Bone Bolango")."""

    __tablename__ = "unit_aliases"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    alias: Mapped[str] = mapped_column(String(300))
    # The alias lower-cased with runs of spaces and punctuation made one space: the lookup key.
    normalized: Mapped[str] = mapped_column(String(300), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now)

    unit: Mapped[Unit] = relationship()


class RoutingModel(Model):
    """A trained routing model (unit and category), stored with skops, never pickle."""

    __tablename__ = "routing_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    trained_at: Mapped[datetime] = mapped_column(UTCDateTime, default=_now, index=True)
    trained_on: Mapped[int] = mapped_column(Integer)  # examples
    # The newest complaint event id seen in training: "enough new decisions" counts from it.
    last_event_id: Mapped[int | None] = mapped_column(Integer)
    took_s: Mapped[float] = mapped_column(Float)
    # The skops file (zip) of the fitted pipelines, and the types it may load.
    blob: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    # Held-out figures: accuracy, top-3, macro-F1, the automatic threshold with its
    # coverage and precision, the units most often confused…
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    auto_threshold: Mapped[float | None] = mapped_column(Float)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
