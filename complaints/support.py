"""Add my support: a citizen says "me too" on an open public report instead of filing another.

The supporter is counted on the complaint (shown on its tracking page and to
staff) and, when they left a phone or an e-mail address, told of its progress
with the reporter's news (:func:`complaints.notify.status_changed`), by SMS or
by e-mail (:func:`complaints.notify.reporter_address`). Their contact is a
``reporters`` row of its own, so it is kept and masked like any reporter's.
A ``support`` event in the complaint's history is the staff's audit trail; it
changes no status. Idempotent per form submission: the same form sent twice
records one supporter.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import clock, metrics, workflow
from .codes import normalize_code
from .errors import DomainError
from .extensions import db
from .intake import Contact, validated_contact
from .models import Complaint, Reporter, Supporter
from .nearby import OPEN_STATUSES
from .workflow import Actor

logger = logging.getLogger(__name__)


class NotSupportable(DomainError):
    """The report is not open and public (or does not exist: the two are not told apart)."""

    code = "not_supportable"
    http_status = 404


def supportable_complaint(raw_code: str | None) -> Complaint:
    """The open public complaint with this code; NotSupportable for any other.

    A confidential, hidden, unchecked or finished report answers exactly as a
    missing one, so the button's value cannot probe for codes.
    """
    code = normalize_code(raw_code or "")
    complaint = None
    if code is not None:
        complaint = db.session.scalar(
            select(Complaint).where(
                Complaint.code == code,
                Complaint.status.in_(OPEN_STATUSES),
                metrics.publicly_listed(),
            )
        )
    if complaint is None:
        raise NotSupportable(gettext("This report cannot be supported any more."))
    return complaint


def _existing(complaint: Complaint, external_id: str | None) -> Supporter | None:
    if external_id is None:
        return None
    return db.session.scalar(
        select(Supporter).where(
            Supporter.complaint_id == complaint.id, Supporter.external_id == external_id
        )
    )


def _new_reporter(contact: Contact, locale: str, moment: datetime) -> Reporter | None:
    if not any(vars(contact).values()):
        return None  # counted, but told nothing: there is no one to tell
    return Reporter(
        name=contact.name,
        phone=contact.phone,
        email=contact.email,
        locale=locale if locale in ("id", "en") else "id",
        created_at=moment,
    )


def add_supporter(
    complaint: Complaint,
    contact: Contact,
    *,
    external_id: str | None,
    locale: str = "id",
    now: datetime | None = None,
) -> Supporter:
    """Record a citizen's support of ``complaint`` and commit; a replayed submission adds none.

    1. the contact checked as intake checks it (ValidationFailed per field);
    2. the supporter already recorded for this submission, if any, is the answer;
    3. else a reporter row (when a contact was given), the supporter row and a
       ``support`` event, committed together.
    """
    checked = validated_contact(contact)
    existing = _existing(complaint, external_id)
    if existing is not None:
        return existing
    moment = now or clock.now()
    supporter = Supporter(
        complaint_id=complaint.id,
        reporter=_new_reporter(checked, locale, moment),
        external_id=external_id,
        created_at=moment,
    )
    db.session.add(supporter)
    workflow.record_event(complaint, Actor.citizen(), "support", now=moment)
    try:
        workflow.commit()
    except IntegrityError:
        # The same submission, sent twice at once: the other request recorded it.
        db.session.rollback()
        existing = _existing(complaint, external_id)
        if existing is None:
            raise
        return existing
    logger.info("complaint %s: a citizen added their support", complaint.code)
    return supporter
