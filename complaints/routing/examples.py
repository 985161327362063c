"""What the routing model learns from: complaints whose unit a person decided.

A complaint is a training example when it has a unit that staff chose
(``routed_by = "staff"``: a verification, whether the unit shown was kept or
another picked, and every re-route, which also overturns an automatic
routing) or that SP4N-LAPOR! history supplied (``"history"``). The model's
own routings (``"model"``) and units set only by a category's default at
intake teach nothing. Units and categories no longer active are left out:
they could not be suggested.

The category label comes from the same complaints: staff confirmed or
corrected it at verification (or LAPOR! gave it), so it is a person's
choice. "Lainnya" (``other``) is not learnt: it says nobody chose.

Rows are read in id order, :data:`BATCH` at a time, as plain columns: a
regency's years of history never become ORM objects all at once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, func, select

from complaints.extensions import db
from complaints.models import Category, Complaint, ComplaintEvent, Unit
from complaints.workflow import ROUTED_BY_STAFF

from .model import document

ROUTED_BY_HISTORY = "history"
TEACHING = (ROUTED_BY_STAFF, ROUTED_BY_HISTORY)
UNLEARNT_CATEGORY = "other"  # "Lainnya"
BATCH = 2000


@dataclass
class Examples:
    """Texts with their unit codes and category codes (None: not a category example)."""

    texts: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    categories: list[str | None] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.texts)


def _teaching() -> ColumnElement[bool]:
    """The WHERE clause of an example (the complaints joined to their unit)."""
    return and_(Complaint.routed_by.in_(TEACHING), Unit.active.is_(True))


def read_examples(batch: int = BATCH) -> Examples:
    """Every training example, oldest first."""
    examples = Examples()
    query = (
        select(
            Complaint.id,
            Complaint.title,
            Complaint.description,
            Complaint.address,
            Complaint.kecamatan,
            Complaint.desa,
            Unit.code,
            Category.code,
            Category.active,
        )
        .join(Unit, Unit.id == Complaint.unit_id)
        .join(Category, Category.id == Complaint.category_id)
        .where(_teaching())
        .order_by(Complaint.id)
        .limit(batch)
    )
    last = 0
    while True:
        rows = db.session.execute(query.where(Complaint.id > last)).all()
        for _id, title, description, address, kecamatan, desa, unit, category, live in rows:
            examples.texts.append(document(title, description, address, kecamatan, desa))
            examples.units.append(unit)
            learnt = live and category != UNLEARNT_CATEGORY
            examples.categories.append(category if learnt else None)
        if len(rows) < batch:
            return examples
        last = rows[-1][0]


@dataclass(frozen=True)
class Supply:
    """How much there is to learn from, counted without reading the texts."""

    examples: int
    units: int  # units with at least two examples

    @property
    def enough(self) -> bool:
        return self.examples >= MIN_EXAMPLES and self.units >= MIN_UNITS


MIN_EXAMPLES = 30
MIN_UNITS = 2


def supply() -> Supply:
    """The number of examples and of units that have two or more (one GROUP BY)."""
    per_unit = db.session.execute(
        select(Complaint.unit_id, func.count())
        .join(Unit, Unit.id == Complaint.unit_id)
        .where(_teaching())
        .group_by(Complaint.unit_id)
    ).all()
    counts = Counter({unit_id: count for unit_id, count in per_unit})
    return Supply(sum(counts.values()), sum(1 for count in counts.values() if count >= 2))


def too_little_message(found: Supply) -> str:
    """Why there is no training yet, in English (a CLI and log message)."""
    return (
        f"Too little to learn from: {found.examples} complaints routed by staff or "
        f"LAPOR! history, {found.units} units with two or more. Routing needs at least "
        f"{MIN_EXAMPLES} complaints across {MIN_UNITS} units with two or more each: "
        "import the LAPOR! history (flask lapor import FILE --history) or verify more."
    )


# Events that change a complaint's unit by a person's hand.
ROUTING_EVENT_KINDS = ("reroute",)


def latest_event_id() -> int:
    """The newest complaint event's id (0 with none): where the next count starts."""
    return int(db.session.scalar(select(func.max(ComplaintEvent.id))) or 0)


def moves_since(event_id: int) -> int:
    """Re-routes by staff since ``event_id``: changed labels that add no example."""
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(ComplaintEvent)
            .where(ComplaintEvent.id > event_id, ComplaintEvent.kind.in_(ROUTING_EVENT_KINDS))
        )
        or 0
    )
