"""Suggestions from the active model: ranked units and categories, and the automatic unit.

Every worker reads the same active ``routing_models`` row; each process keeps
the one it loaded, keyed by the row's id, and loads the file again only when
another model became active (one small query per suggestion finds out).
Units and categories no longer active are not suggested.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from flask_babel import get_locale
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Category, RoutingModel, Unit

from .model import TOP, Router, document

logger = logging.getLogger(__name__)

Labelled = TypeVar("Labelled", Unit, Category)


class NoModel(Exception):
    """No model has been trained yet."""


@dataclass(frozen=True)
class Choice:
    """One suggested unit or category."""

    code: str
    name: str
    score: float
    id: int

    def as_json(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "score": round(self.score, 4)}


@dataclass(frozen=True)
class Suggestion:
    units: list[Choice]
    categories: list[Choice]
    auto_unit: Choice | None
    model_id: int
    trained_at: datetime
    trained_on: int


@dataclass(frozen=True)
class _Active:
    id: int
    trained_at: datetime
    trained_on: int
    auto_threshold: float | None


_lock = threading.Lock()
_loaded: dict[int, Router] = {}


def _active() -> _Active | None:
    row = db.session.execute(
        select(
            RoutingModel.id,
            RoutingModel.trained_at,
            RoutingModel.trained_on,
            RoutingModel.auto_threshold,
        )
        .where(RoutingModel.active.is_(True), RoutingModel.blob.is_not(None))
        .order_by(RoutingModel.id.desc())
        .limit(1)
    ).first()
    return _Active(*row) if row is not None else None


def router_for(model_id: int) -> Router:
    """The fitted model of row ``model_id``, loaded once per process."""
    with _lock:
        router = _loaded.get(model_id)
        if router is None:
            blob = db.session.scalar(select(RoutingModel.blob).where(RoutingModel.id == model_id))
            if blob is None:
                raise NoModel(f"routing model {model_id} has no file")
            router = Router.loads(blob)
            _loaded.clear()  # only the active model is kept
            _loaded[model_id] = router
            logger.info("routing model %d loaded", model_id)
        return router


def has_model() -> bool:
    return _active() is not None


def suggest(
    description: str,
    title: str | None = None,
    address: str | None = None,
    kecamatan: str | None = None,
    desa: str | None = None,
) -> Suggestion:
    """The best units and categories for a complaint's text; raises NoModel before training.

    ``auto_unit`` is the best unit when its score reaches the model's
    automatic threshold (chosen on held-out complaints for 95 % precision).
    """
    active = _active()
    if active is None:
        raise NoModel("no routing model has been trained yet")
    router = router_for(active.id)
    # Ask for more than shown: some may name a unit that is inactive now.
    unit_scores, category_scores = router.rank(
        document(title, description, address, kecamatan, desa), top=TOP + 3
    )
    units = _units(unit_scores)
    categories = _categories(category_scores)
    best = units[0] if units else None
    automatic = (
        best
        if best is not None
        and active.auto_threshold is not None
        and best.score >= active.auto_threshold
        and best.code == unit_scores[0][0]
        else None
    )
    return Suggestion(
        units=units,
        categories=categories,
        auto_unit=automatic,
        model_id=active.id,
        trained_at=active.trained_at,
        trained_on=active.trained_on,
    )


def _units(scores: list[tuple[str, float]]) -> list[Choice]:
    return _choices(Unit, scores, lambda unit: unit.name)


def _categories(scores: list[tuple[str, float]]) -> list[Choice]:
    if not scores:
        return []
    locale = str(get_locale() or "id")
    return _choices(Category, scores, lambda category: category.name(locale))


def _choices(
    model: type[Labelled], scores: list[tuple[str, float]], name: Callable[[Labelled], str]
) -> list[Choice]:
    """The first :data:`TOP` of ``scores`` whose unit or category is still active, named."""
    codes = [code for code, _ in scores]
    found = {
        row.code: row
        for row in db.session.scalars(
            select(model).where(model.code.in_(codes), model.active.is_(True))
        )
    }
    return [
        Choice(code, name(found[code]), score, found[code].id)
        for code, score in scores
        if code in found
    ][:TOP]
