"""A toy regency's routing history written straight into the complaints table (LAPOR! history)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bench.routing_corpus import history
from complaints import clock
from complaints.extensions import db
from complaints.models import Category, Complaint, Unit


def write_history(count: int = 200, units: int = 4, **options: Any) -> None:
    """``count`` complaints routed by LAPOR! history, inserted in one statement."""
    now = clock.now()
    unit_ids = dict(db.session.execute(sa.select(Unit.code, Unit.id)).tuples().all())
    category_ids = dict(db.session.execute(sa.select(Category.code, Category.id)).tuples().all())
    rows = [
        {
            "code": f"ADU-HIST-{number:05d}",
            "kind": "complaint",
            "channel": "lapor",
            "status": "closed",
            "priority": "normal",
            "category_id": category_ids[example.category],
            "unit_id": unit_ids[example.unit],
            "routed_by": "history",
            "title": example.title,
            "description": example.description,
            "address": example.address,
            "anonymous": False,
            "confidential": False,
            "locale": "id",
            "created_at": now,
            "updated_at": now,
            "reopened_count": 0,
            "escalation_level": 0,
            "version": 1,
        }
        for number, example in enumerate(history(count, units=units, **options))
    ]
    db.session.execute(sa.insert(Complaint), rows)
    db.session.commit()
