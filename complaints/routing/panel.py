"""What the complaint page shows of the routing model, already in words.

At verification (a complaint still ``received``): the three best units with
their scores ("Dinas PUPR — 91 %"), each a one-click "verify and route
there". After an automatic routing: that it was the model's, so the page
opens the re-route action (one step to overturn it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import gettext

from complaints.models import Complaint, Status
from complaints.workflow import ROUTED_BY_MODEL

from .examples import UNLEARNT_CATEGORY
from .suggest import NoModel, suggest

logger = logging.getLogger(__name__)

SHOWN = 3
# A unit the model gives less than this is no suggestion ("0 %").
MIN_SHOWN = 0.01


@dataclass(frozen=True)
class Offer:
    """One suggested unit: the verify form's values and the button's words."""

    unit_id: int
    category_id: int
    label: str  # "Dinas PUPR — 91 %"


@dataclass(frozen=True)
class RoutingPanel:
    offers: list[Offer]
    auto_routed: bool


def percent(score: float) -> str:
    return gettext("%(percent)d %%", percent=round(score * 100))


def for_complaint(complaint: Complaint) -> RoutingPanel:
    """The suggestions to show for ``complaint`` (none without a model or after verification)."""
    auto_routed = complaint.routed_by == ROUTED_BY_MODEL and complaint.status in (
        Status.VERIFIED.value,
        Status.IN_PROGRESS.value,
    )
    if complaint.status != Status.RECEIVED.value:
        return RoutingPanel([], auto_routed)
    try:
        found = suggest(
            complaint.description,
            complaint.title,
            complaint.address,
            complaint.kecamatan,
            complaint.desa,
        )
    except NoModel:
        return RoutingPanel([], False)
    category_id = complaint.category_id
    # "Lainnya" says nobody chose: take the model's category with the unit.
    if complaint.category.code == UNLEARNT_CATEGORY and found.categories:
        category_id = found.categories[0].id
    offers = [
        Offer(
            unit_id=choice.id,
            category_id=category_id,
            label=gettext(
                "%(unit)s — %(percent)s", unit=choice.name, percent=percent(choice.score)
            ),
        )
        for choice in found.units[:SHOWN]
        if choice.score >= MIN_SHOWN
    ]
    return RoutingPanel(offers, False)
