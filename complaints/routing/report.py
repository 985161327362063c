"""The admin page's account of the routing model, in words: what it learnt and how good it is.

Every figure is read from the active model's stored held-out metrics
(:mod:`complaints.routing.model`); units are named, shares are percentages
in the reader's language, instants are local time with WITA.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import format_decimal, gettext, ngettext
from sqlalchemy import select

from complaints import clock
from complaints.extensions import db
from complaints.i18n import local_time
from complaints.models import RoutingModel, Unit

from . import examples as teaching
from .model import AUTO_PRECISION
from .training import CLAIM_STALE, RETRAIN_AFTER, active_model, new_decisions


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    hint: str = ""


@dataclass(frozen=True)
class ModelReport:
    """What the admin page shows; ``None`` parts are not there (no model, no threshold)."""

    trained: list[Figure] | None
    unit_figures: list[Figure]
    automatic: list[Figure] | None
    automatic_none: str | None
    confused: list[str]
    category_figures: list[Figure]
    supply: str
    pending: str
    training_now: bool


def share(value: float | None) -> str:
    if value is None:
        return "—"
    return gettext("%(percent)s %%", percent=format_decimal(value * 100, "0"))


def _named(codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = db.session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(codes)))
    return dict(rows.tuples().all())


def _held_out_note(figures: dict[str, Any]) -> str:
    return ngettext(
        "on %(num)d complaint held out of training",
        "on %(num)d complaints held out of training",
        figures.get("held_out") or 0,
    )


def _held_out(figures: dict[str, Any]) -> list[Figure]:
    held = _held_out_note(figures)
    return [
        Figure(gettext("Right unit first"), share(figures.get("accuracy")), held),
        Figure(gettext("Right unit among the first three"), share(figures.get("top3")), held),
        Figure(
            gettext("Macro-F1 (every unit weighs the same)"),
            format_decimal(figures["macro_f1"], "0.00") if figures.get("macro_f1") else "—",
        ),
        Figure(
            gettext("Always answering the busiest unit would be right"),
            share(figures.get("baseline")),
        ),
    ]


def _categories(figures: dict[str, Any]) -> list[Figure]:
    held = _held_out_note(figures)
    return [
        Figure(gettext("Right category first"), share(figures.get("accuracy")), held),
        Figure(gettext("Right category among the first three"), share(figures.get("top3")), held),
    ]


def _automatic(figures: dict[str, Any]) -> list[Figure] | None:
    if figures.get("auto_threshold") is None:
        return None
    return [
        Figure(gettext("Routed on its own from a confidence of"), share(figures["auto_threshold"])),
        Figure(
            gettext("Share of complaints it would route on its own"),
            share(figures.get("auto_coverage")),
        ),
        Figure(gettext("Of those, routed to the right unit"), share(figures.get("auto_precision"))),
    ]


def _confused(pairs: list[dict[str, Any]]) -> list[str]:
    names = _named({pair["a"] for pair in pairs} | {pair["b"] for pair in pairs})
    return [
        ngettext(
            "%(first)s and %(second)s: mistaken for each other %(num)d time",
            "%(first)s and %(second)s: mistaken for each other %(num)d times",
            pair["count"],
            first=names.get(pair["a"], pair["a"]),
            second=names.get(pair["b"], pair["b"]),
        )
        for pair in pairs
    ]


def _training_now() -> bool:
    return (
        db.session.scalar(
            select(RoutingModel.id).where(
                RoutingModel.blob.is_(None),
                RoutingModel.trained_at >= clock.now() - CLAIM_STALE,
            )
        )
        is not None
    )


def build() -> ModelReport:
    """The report of the active model (or of what there is to learn from, before any)."""
    found = teaching.supply()
    supply = gettext(
        "%(examples)d complaints routed by staff or SP4N-LAPOR! history, "
        "%(units)d units with two or more.",
        examples=found.examples,
        units=found.units,
    )
    model = active_model()
    if model is None:
        pending = (
            gettext("Enough to learn from: the scheduler trains the first model shortly.")
            if found.enough
            else gettext(
                "Too little to learn from yet: at least %(examples)d complaints across "
                "%(units)d units are needed.",
                examples=teaching.MIN_EXAMPLES,
                units=teaching.MIN_UNITS,
            )
        )
        return ModelReport(None, [], None, None, [], [], supply, pending, _training_now())
    metrics = model.metrics or {}
    unit = metrics.get("unit") or {}
    category = metrics.get("category") or {}
    trained = [
        Figure(gettext("Trained"), local_time(model.trained_at)),
        Figure(
            gettext("Learnt from"),
            gettext(
                "%(examples)d complaints, %(units)d units, %(categories)d categories",
                examples=model.trained_on,
                units=metrics.get("units", 0),
                categories=metrics.get("categories", 0),
            ),
        ),
        Figure(
            gettext("Training took"),
            gettext("%(seconds)s seconds", seconds=format_decimal(model.took_s, "0.0")),
        ),
    ]
    pending = gettext(
        "%(count)d new routing decisions since; it learns again after %(needed)d.",
        count=new_decisions(model, found),
        needed=RETRAIN_AFTER,
    )
    automatic = _automatic(unit)
    return ModelReport(
        trained=trained,
        unit_figures=_held_out(unit),
        automatic=automatic,
        automatic_none=None
        if automatic
        else gettext(
            "None: on the complaints held out of training no confidence level was right at "
            "least %(percent)s of the time (or too few were held out). Complaints without a "
            "chosen category wait for staff, with suggestions.",
            percent=share(AUTO_PRECISION),
        ),
        confused=_confused(unit.get("confused") or []),
        category_figures=_categories(category) if category else [],
        supply=supply,
        pending=pending,
        training_now=_training_now(),
    )
