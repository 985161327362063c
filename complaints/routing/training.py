"""Training: read the examples, fit, store the model as the active one; one process at a time.

1. **Claim.** A row in ``routing_models`` without a file (``blob`` NULL) is a
   training under way. A process inserts one and commits, then looks at every
   live claim: the lowest id trains, any other deletes its own and stops.
   Two processes, two workers or two hosts: whoever reads second sees the
   first's row, so exactly one trains. A claim older than :data:`CLAIM_STALE`
   is a process that died mid-training and no longer counts.
2. **Read** the examples (:mod:`complaints.routing.examples`), in batches;
   the session's transaction ends before fitting.
3. **Fit** (:mod:`complaints.routing.model`): held-out figures and the
   automatic threshold, then everything refitted on all examples.
4. **Store** the skops file and figures in the claim's row, make it the only
   active model, in one transaction. Every worker and host reads that row.

The scheduler's job (:func:`train_if_due`) trains when there is enough to
learn from and no model yet, or when :data:`RETRAIN_AFTER` new decisions came
since the active model: new examples (staff routings, history imported) and
re-routes by staff (which change a label without adding an example).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update

from complaints import clock
from complaints.errors import DomainError
from complaints.extensions import db
from complaints.models import RoutingModel

from . import examples as teaching
from .model import Fitted, fit

logger = logging.getLogger(__name__)

# How often the scheduler asks whether to train.
TRAIN_INTERVAL_SECONDS = 600
# New decisions since the active model that make the scheduler train again.
RETRAIN_AFTER = 50
# A claim this old belongs to a process that died: 100,000 complaints train in minutes.
CLAIM_STALE = timedelta(hours=2)


class TooLittleData(DomainError):
    """Not enough examples to train (the message says how many there are and are needed)."""

    code = "too_little_data"
    http_status = 409


class TrainingBusy(DomainError):
    """Another process is training now."""

    code = "training_busy"
    http_status = 409


@dataclass(frozen=True)
class Trained:
    """What one training did: the stored row's id and the CLI's summary."""

    model_id: int
    summary: dict[str, Any]


def active_model() -> RoutingModel | None:
    """The model every worker uses (its file not loaded: ``blob`` is deferred)."""
    return db.session.scalar(
        select(RoutingModel)
        .where(RoutingModel.active.is_(True), RoutingModel.blob.is_not(None))
        .order_by(RoutingModel.id.desc())
        .limit(1)
    )


def new_decisions(model: RoutingModel, found: teaching.Supply) -> int:
    """Decisions since ``model`` was trained: examples added and re-routes made."""
    added = max(0, found.examples - model.trained_on)
    return added + teaching.moves_since(model.last_event_id or 0)


def due(found: teaching.Supply) -> bool:
    """Whether the scheduler should train now."""
    if not found.enough:
        return False
    model = active_model()
    return model is None or new_decisions(model, found) >= RETRAIN_AFTER


def claim_training(now: datetime | None = None) -> int | None:
    """Take the one training slot: the claim row's id, or None if another process holds it.

    Commits (the claim must be seen by other processes at once).
    """
    moment = now or clock.now()
    db.session.execute(
        delete(RoutingModel).where(
            RoutingModel.blob.is_(None), RoutingModel.trained_at < moment - CLAIM_STALE
        )
    )
    claim = RoutingModel(
        trained_at=moment,
        trained_on=0,
        took_s=0.0,
        metrics={"claim": True},
        active=False,
    )
    db.session.add(claim)
    db.session.commit()
    first = db.session.scalar(
        select(func.min(RoutingModel.id)).where(
            RoutingModel.blob.is_(None), RoutingModel.trained_at >= moment - CLAIM_STALE
        )
    )
    if first != claim.id:
        release_claim(claim.id)
        return None
    return claim.id


def release_claim(claim_id: int) -> None:
    """Give the slot back without a model (a failed or refused training)."""
    db.session.rollback()
    db.session.execute(
        delete(RoutingModel).where(RoutingModel.id == claim_id, RoutingModel.blob.is_(None))
    )
    db.session.commit()


def train(*, only_if_due: bool = False, now: datetime | None = None) -> Trained | None:
    """Train and store a new active model (the steps in the module docstring).

    Raises TooLittleData below the minimum and TrainingBusy when another
    process holds the claim. With ``only_if_due`` (the scheduler), returns None
    when, once the claim is held, training turns out not to be due any more
    (another process has just trained on the same decisions).
    """
    found = teaching.supply()
    if not found.enough:
        raise TooLittleData(teaching.too_little_message(found))
    claim_id = claim_training(now)
    if claim_id is None:
        raise TrainingBusy("Another process is training the routing model now; try again later.")
    try:
        if only_if_due and not due(teaching.supply()):
            release_claim(claim_id)
            return None
        return _train_claimed(claim_id)
    except BaseException:
        release_claim(claim_id)
        raise


def _train_claimed(claim_id: int) -> Trained:
    started = time.perf_counter()
    last_event_id = teaching.latest_event_id()
    examples = teaching.read_examples()
    db.session.rollback()  # no transaction held open while fitting
    fitted = fit(examples.texts, examples.units, examples.categories)
    blob = fitted.router.dumps()
    took = round(time.perf_counter() - started, 3)
    metrics = _metrics(fitted, examples)
    threshold = fitted.unit.threshold
    db.session.execute(update(RoutingModel).values(active=False))
    db.session.execute(
        update(RoutingModel)
        .where(RoutingModel.id == claim_id)
        .values(
            trained_at=clock.now(),
            trained_on=len(examples),
            last_event_id=last_event_id,
            took_s=took,
            blob=blob,
            metrics=metrics,
            auto_threshold=threshold.value if threshold else None,
            active=True,
        )
    )
    db.session.commit()
    summary = {
        "model_id": claim_id,
        "trained_on": len(examples),
        "units": metrics["units"],
        "categories": metrics["categories"],
        "took_s": took,
        **{key: value for key, value in metrics["unit"].items() if key != "confused"},
    }
    logger.info("routing model %d trained on %d examples in %.1f s", claim_id, len(examples), took)
    return Trained(claim_id, summary)


def _metrics(fitted: Fitted, examples: teaching.Examples) -> dict[str, Any]:
    router = fitted.router
    return {
        "units": len(router.unit.classes_),
        "categories": len(router.category.classes_) if router.category is not None else 0,
        "category_examples": sum(1 for c in examples.categories if c is not None),
        "unit": fitted.unit.as_json(),
        "category": fitted.category.as_json() if fitted.category else None,
    }


def train_if_due() -> None:
    """The scheduler's job: train when :func:`due`, if no other process is training."""
    try:
        found = teaching.supply()
        if not due(found):
            return
        train(only_if_due=True)
    except TrainingBusy:
        logger.info("routing model: another process is training; skipped")
    finally:
        db.session.rollback()
