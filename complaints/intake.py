"""submit_complaint(): the only way a complaint comes into existence.

Every channel calls it. In one transaction it creates the reporter, the
complaint, its first event, its deadlines and the acknowledgement in the
outbox. It is idempotent on (channel, external_id): a retried webhook, a
double-clicked form or a repeated API call with the same key returns the
complaint that already exists.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext
from sqlalchemy import Connection, Insert, Table, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from sla.deadlines import apply_deadlines

from . import clock, districts, notify, report_changes, reporter_keys, workflow
from .attachments import NewAttachment, validated_photos
from .codes import new_code
from .errors import ValidationFailed
from .extensions import db
from .models import (
    Attachment,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    Kind,
    Model,
    Priority,
    Reporter,
    Status,
)
from .routing import auto as automatic_routing
from .workflow import Actor

logger = logging.getLogger(__name__)

MIN_DESCRIPTION = 10
MAX_DESCRIPTION = 5000
_CODE_ATTEMPTS = 5


@dataclass(frozen=True)
class Contact:
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    nik: str | None = None
    telegram_chat_id: str | None = None


@dataclass(frozen=True)
class IntakeResult:
    complaint: Complaint
    created: bool
    # Given to the reporter only (DESIGN.md "The reporter's key"); None for a replay,
    # whose caller decides whether the replaying client may have it again.
    reporter_key: str | None = None


def normalize_phone(raw: str, region: str = "ID") -> str | None:
    """E.164 form of a phone number (Indonesian numbers by default), or None if invalid."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _validated_contact(contact: Contact, errors: dict[str, str]) -> Contact:
    phone = email = None
    if contact.phone and contact.phone.strip():
        phone = normalize_phone(contact.phone.strip())
        if phone is None:
            errors["phone"] = gettext("This is not a valid phone number.")
    if contact.email and contact.email.strip():
        try:
            email = validate_email(contact.email.strip(), check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = gettext("This is not a valid e-mail address.")
    nik = (contact.nik or "").strip() or None
    if nik is not None and not (len(nik) == 16 and nik.isdigit()):
        errors["nik"] = gettext("A NIK has 16 digits.")
    name = (contact.name or "").strip()[:200] or None
    return Contact(name, phone, email, nik, contact.telegram_chat_id)


def validated_contact(contact: Contact) -> Contact:
    """The contact as intake stores it (phone in E.164, e-mail normalised).

    For rows that hold a citizen's contact without a complaint of their own (a
    supporter of another's report). Raises ValidationFailed per unusable field.
    """
    errors: dict[str, str] = {}
    checked = _validated_contact(contact, errors)
    if errors:
        raise ValidationFailed(errors)
    return checked


def _validated_location(
    lat: float | None, lon: float | None, errors: dict[str, str]
) -> tuple[float | None, float | None]:
    if (lat is None) != (lon is None):
        errors["lat" if lat is None else "lon"] = gettext("Give both latitude and longitude.")
        return None, None
    if lat is not None and not -90 <= lat <= 90:
        errors["lat"] = gettext("Latitude must be between -90 and 90.")
    if lon is not None and not -180 <= lon <= 180:
        errors["lon"] = gettext("Longitude must be between -180 and 180.")
    return lat, lon


def _validated_area(
    kecamatan: str | None, desa: str | None, errors: dict[str, str]
) -> tuple[str | None, str | None]:
    """The kecamatan and desa/kelurahan as the regency's list spells them.

    A desa named without its kecamatan is enough when only one kecamatan has it.
    """
    kecamatan, desa = (kecamatan or "").strip() or None, (desa or "").strip() or None
    if kecamatan is None and desa is not None:
        having = districts.kecamatan_with_village(desa)
        if len(having) > 1:
            errors["kecamatan"] = gettext("Several kecamatan have a desa of this name: choose one.")
            return None, None
        kecamatan = having[0].name if having else None
    area = districts.kecamatan_named(kecamatan) if kecamatan is not None else None
    if kecamatan is not None and area is None:
        errors["kecamatan"] = gettext("Choose a kecamatan from the list.")
        return None, None
    village = districts.village_in(area, desa) if area and desa is not None else None
    if desa is not None and village is None:
        errors["desa"] = (
            gettext("Choose a desa or kelurahan of the chosen kecamatan.")
            if area
            else gettext("Choose a desa or kelurahan from the list.")
        )
        return None, None
    return (area.name if area else None), village


def _find_existing(channel: str, external_id: str) -> Complaint | None:
    return db.session.scalar(
        select(Complaint).where(Complaint.channel == channel, Complaint.external_id == external_id)
    )


def _commit_keeping_loaded() -> None:
    """Commit without expiring what this session holds.

    Every value of the new complaint was set here (or generated by its INSERT), so
    the caller's answer (the public JSON, a tracking page redirect, a bot reply) is
    built from memory instead of reloading the complaint's category and unit.
    """
    session = db.session()
    expire_on_commit = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire_on_commit


@functools.cache
def _insert_into(table: Table) -> Insert:
    # One statement per table for the life of the process: it keeps its cache key.
    return insert(table)


def _insert(row: Model, connection: Connection) -> None:
    """INSERT ``row``'s columns with Core; give it its id and the defaults the INSERT applied.

    ``row`` stays out of the session until :func:`_attach_as_stored`: written
    this way, each row of a new complaint costs one plain INSERT, where a
    unit-of-work flush would first sort every relation of a complaint (that was
    most of intake's CPU).
    """
    state = inspect(row)
    table = cast(Table, state.mapper.local_table)
    values = {
        column.key: state.dict[column.key] for column in table.columns if column.key in state.dict
    }
    result = connection.execute(_insert_into(table), values)
    primary_key = result.inserted_primary_key
    assert primary_key is not None  # a single-row INSERT
    # One row: its parameters are one mapping, with the column defaults filled in.
    stored = {**cast(Mapping[str, Any], result.last_inserted_params()), **primary_key._mapping}
    for column in table.columns:
        if column.key not in state.dict:
            setattr(row, column.key, stored.get(column.key))


def _write_new_complaint(
    complaint: Complaint,
    contact: Contact,
    attachments: list[Attachment],
    actor: Actor,
    moment: datetime,
) -> tuple[list[Model], str]:
    """Write the complaint, its reporter, reporter key, photos, first event and acknowledgement.

    1. the reporter, if any contact was given, then the complaint that names it;
    2. the hash of its reporter key, its photos and its first event, the ``received``
       status with the actor (the row :func:`~complaints.workflow.record_event`
       writes for every later event);
    3. the acknowledgement in the outbox, keyed by that event's id, with the key's link.

    Nothing is committed here. Returns the rows written, for :func:`_attach_as_stored`,
    and the reporter key.
    """
    # The session's connection, in its transaction; asked for once, as asking costs.
    connection = db.session.connection()
    rows: list[Model] = []
    if any(vars(contact).values()):
        complaint.reporter = Reporter(
            name=contact.name,
            phone=contact.phone,
            email=contact.email,
            nik=contact.nik,
            telegram_chat_id=contact.telegram_chat_id,
            locale=complaint.locale,
            created_at=moment,
        )
        _insert(complaint.reporter, connection)
        complaint.reporter_id = complaint.reporter.id
        rows.append(complaint.reporter)
    _insert(complaint, connection)
    key_row, key = reporter_keys.new_key_row(complaint)
    _insert(key_row, connection)
    event = workflow.new_event(actor, "status", at=moment, to_status=Status.RECEIVED.value)
    written: list[Attachment | ComplaintEvent] = [*attachments, event]
    for row in written:
        row.complaint_id = complaint.id
        _insert(row, connection)
    rows += [complaint, *attachments, event]
    set_committed_value(event, "complaint", complaint)
    notify.acknowledge(complaint, event, key)
    return rows, key


def _attach_as_stored(complaint: Complaint, rows: list[Model]) -> None:
    """Put the committed rows in the session, loaded, as if just read back.

    Callers answer from the complaint (the public JSON, a redirect, a bot reply)
    and some act on it further (the demo seed moves it on through the workflow),
    so it must be an ordinary persistent object; nothing of it is read again.
    """
    for row in rows:
        make_transient_to_detached(row)
        db.session.add(row)
    events = [row for row in rows if isinstance(row, ComplaintEvent)]
    photos = [row for row in rows if isinstance(row, Attachment)]
    for relation, loaded in (("events", events), ("attachments", photos), ("messages", [])):
        set_committed_value(complaint, relation, loaded)


def submit_complaint(
    *,
    channel: str,
    category: Category | None,
    description: str | None,
    kind: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    address: str | None = None,
    kecamatan: str | None = None,
    desa: str | None = None,
    contact: Contact | None = None,
    anonymous: bool = False,
    confidential: bool = False,
    locale: str = "id",
    external_id: str | None = None,
    external_id_is_new: bool = False,
    lapor_id: str | None = None,
    photos: Sequence[NewAttachment] = (),
    priority: str = Priority.NORMAL.value,
    actor: Actor | None = None,
    now: datetime | None = None,
    transport: str | None = None,
) -> IntakeResult:
    """Validate and store a new complaint; commit; return it (or the existing duplicate).

    Raises ValidationFailed with a message per field when input is unusable;
    nothing is stored then. ``external_id_is_new`` says the caller has just
    looked for a complaint with this external_id on this channel and found
    none, which saves looking again; a complaint filed meanwhile by a racing
    identical submission is still found, after the unique constraint refuses
    this one. ``transport`` is the provider the citizen wrote through
    (``models.Transport``, where a channel has several): the acknowledgement
    and every later answer leave through it.
    """
    channel = Channel(channel).value
    if external_id is not None and not external_id_is_new:
        existing = _find_existing(channel, external_id)
        if existing is not None:
            return IntakeResult(existing, created=False)

    errors: dict[str, str] = {}
    text = (description or "").strip()
    if len(text) < MIN_DESCRIPTION:
        errors["description"] = gettext(
            "Describe the problem in at least %(count)d characters.", count=MIN_DESCRIPTION
        )
    elif len(text) > MAX_DESCRIPTION:
        errors["description"] = gettext("At most %(count)d characters.", count=MAX_DESCRIPTION)
    if category is None or not category.active:
        errors["category"] = gettext("Choose a category.")
    if kind is not None and kind not in {k.value for k in Kind}:
        errors["kind"] = gettext("Choose a kind of report.")
    lat, lon = _validated_location(lat, lon, errors)
    kecamatan, desa = _validated_area(kecamatan, desa, errors)
    checked_contact = _validated_contact(contact or Contact(), errors)
    attachments = validated_photos(photos, errors)
    clean_address = (address or "").strip()[:500] or None
    if errors:
        raise ValidationFailed(errors)
    assert category is not None

    moment = now or clock.now()
    for _attempt in range(_CODE_ATTEMPTS):
        complaint = Complaint(
            code=new_code(),
            kind=kind or category.default_kind,
            channel=channel,
            external_id=external_id,
            lapor_id=lapor_id,
            status=Status.RECEIVED.value,
            priority=Priority(priority).value,
            category=category,
            category_id=category.id,
            unit=category.default_unit,
            unit_id=category.default_unit_id,
            description=text,
            lat=lat,
            lon=lon,
            address=clean_address,
            kecamatan=kecamatan,
            desa=desa,
            anonymous=anonymous,
            confidential=confidential,
            locale=locale if locale in ("id", "en") else "id",
            transport=transport,
            created_at=moment,
            updated_at=moment,
        )
        # Before the INSERT: the deadlines are columns of the new row (and a
        # complaint without an id has no escalations to look for).
        apply_deadlines(complaint, Status.RECEIVED, moment)
        try:
            rows, key = _write_new_complaint(
                complaint, checked_contact, attachments, actor or Actor.system(channel), moment
            )
            # Received in a month that is over (history, a backdated import): the
            # stored report parts of that month must be read again.
            report_changes.mark(moment)
            _commit_keeping_loaded()
        except IntegrityError:
            db.session.rollback()
            if external_id is not None:
                existing = _find_existing(channel, external_id)
                if existing is not None:  # lost the race to an identical submission
                    return IntakeResult(existing, created=False)
            logger.warning("tracking code collision, retrying")
            attachments = validated_photos(photos, {})
            continue
        _attach_as_stored(complaint, rows)
        logger.info("complaint %s received via %s", complaint.code, channel)
        # No category chosen (SMS, "Lainnya"): the routing model routes it when sure.
        automatic_routing.route_new(complaint)
        return IntakeResult(complaint, created=True, reporter_key=key)
    raise RuntimeError("could not allocate a unique tracking code")
