"""Automatic routing of a new complaint whose citizen chose no category.

Which complaints: those that came by SMS or WhatsApp (the category is a
keyword guess, not the citizen's choice) and any whose category is
"Lainnya" (``other``: the citizen said it fits none; Telegram's and the web
form's free-text choice). A citizen who chose a category was routed by it.

What it does, when the active model's best unit reaches the automatic
threshold: the complaint is **verified and routed** to that unit by the
system (the workflow's ``received → verified`` move, ``routed_by = "model"``),
after an ``auto_route`` event staff read on the complaint page ("Diteruskan
otomatis ke Dinas PUPR (keyakinan 97 %)"). Verifying is the point: a
complaint routed but left ``received`` would still wait for the front
office, which is where routing loses days. Verification by the system
judges nothing the unit cannot: the unit's staff still reject an invalid
report or merge a duplicate (both allowed from ``verified``), and a wrong
unit is overturned in one step with the re-route action, which records
``routed_by = "staff"`` and so becomes a training example.

Runs after intake's commit, in its own transaction: a failure here leaves
the complaint received, for staff to route, and is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import select

from complaints import workflow
from complaints.extensions import db
from complaints.models import Channel, Complaint, Status, Unit
from complaints.workflow import ROUTED_BY_MODEL, Actor

from .examples import UNLEARNT_CATEGORY
from .suggest import Choice, NoModel, suggest

logger = logging.getLogger(__name__)

# Channels where the citizen names no category: a keyword guess stands in for it.
UNCHOSEN_CHANNELS = frozenset({Channel.SMS.value, Channel.WHATSAPP.value})
ACTOR_LABEL = "routing"
EVENT_KIND = "auto_route"


def category_unchosen(complaint: Complaint) -> bool:
    """Whether the citizen chose no category (see the module docstring)."""
    return (
        complaint.channel in UNCHOSEN_CHANNELS
        or complaint.category is None
        or complaint.category.code == UNLEARNT_CATEGORY
    )


def route_new(complaint: Complaint) -> Choice | None:
    """Route ``complaint`` automatically if it qualifies and the model is sure; commits.

    Returns the unit it was routed to, or None (not eligible, no model, not sure,
    or it failed: then logged and rolled back).
    """
    if complaint.status != Status.RECEIVED.value or not category_unchosen(complaint):
        return None
    try:
        suggestion = suggest(
            complaint.description,
            complaint.title,
            complaint.address,
            complaint.kecamatan,
            complaint.desa,
        )
        chosen = suggestion.auto_unit
        if chosen is None:
            return None
        _route(complaint, chosen, suggestion.model_id)
        workflow.commit()
    except NoModel:
        return None
    except Exception:
        db.session.rollback()
        logger.exception("automatic routing of complaint %s failed", complaint.code)
        return None
    logger.info(
        "complaint %s routed automatically to %s (%.2f)", complaint.code, chosen.code, chosen.score
    )
    return chosen


def route_new_many(complaint_ids: Iterable[int]) -> int:
    """:func:`route_new` for complaints written without intake (a LAPOR! import of new reports).

    Returns how many were routed; each commits on its own.
    """
    routed = 0
    ids = list(complaint_ids)
    for start in range(0, len(ids), 500):
        batch = ids[start : start + 500]
        # Read first: each routing commits, which would end a result still being read.
        complaints = db.session.scalars(select(Complaint).where(Complaint.id.in_(batch))).all()
        routed += sum(route_new(complaint) is not None for complaint in complaints)
    return routed


def _route(complaint: Complaint, chosen: Choice, model_id: int) -> None:
    actor = Actor.system(ACTOR_LABEL)
    unit = db.session.get(Unit, chosen.id)
    workflow.record_event(
        complaint,
        actor,
        EVENT_KIND,
        data={
            "unit": chosen.id,
            "unit_name": chosen.name,
            "score": round(chosen.score, 4),
            "model": model_id,
        },
    )
    workflow.verify_complaint(complaint, actor, unit=unit, routed_by=ROUTED_BY_MODEL)
