"""The schema comes from the migrations, and the models match it exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from complaints.extensions import db


def test_the_migrated_schema_matches_the_models(app_ctx) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_sweep_index_exists_after_upgrade(app_ctx) -> None:
    indexes = {index["name"] for index in inspect(db.engine).get_indexes("complaints")}
    assert "ix_complaints_next_action_open" in indexes
    assert "ix_complaints_unit_status_created" in indexes
