"""learned routing and the real LAPOR! export

- ``complaints.title``: a title where the channel has one (LAPOR!'s "Judul Laporan").
- ``complaints.routed_by``: who chose the unit — "staff", "model" or "history"
  (a LAPOR! history import); complaints verified before this revision were
  routed by staff.
- ``unit_aliases``: other spellings of a unit's name, matched when importing.
- ``routing_models``: trained routing models (skops files), with their held-out
  figures and the automatic-routing threshold.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 21:30:20.647845

"""

import sqlalchemy as sa
from alembic import op

from complaints.types import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "routing_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("trained_at", UTCDateTime(), nullable=False),
        sa.Column("trained_on", sa.Integer(), nullable=False),
        sa.Column("last_event_id", sa.Integer(), nullable=True),
        sa.Column("took_s", sa.Float(), nullable=False),
        sa.Column("blob", sa.LargeBinary(), nullable=True),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("auto_threshold", sa.Float(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_models")),
    )
    with op.batch_alter_table("routing_models", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_routing_models_trained_at"), ["trained_at"], unique=False
        )

    op.create_table(
        "unit_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(length=300), nullable=False),
        sa.Column("normalized", sa.String(length=300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_unit_aliases_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_aliases")),
        sa.UniqueConstraint("normalized", name=op.f("uq_unit_aliases_normalized")),
    )
    with op.batch_alter_table("unit_aliases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_aliases_unit_id"), ["unit_id"], unique=False)

    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("routed_by", sa.String(length=16), nullable=True))
    op.execute(
        "UPDATE complaints SET routed_by = 'staff'"
        " WHERE unit_id IS NOT NULL AND verified_at IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_column("routed_by")
        batch_op.drop_column("title")

    with op.batch_alter_table("unit_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_aliases_unit_id"))

    op.drop_table("unit_aliases")
    with op.batch_alter_table("routing_models", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_routing_models_trained_at"))

    op.drop_table("routing_models")
