"""stored working durations, stats publications

The three ``*_working_seconds`` columns of ``complaints`` are filled by the
workflow from now on. Existing rows are not backfilled here (a migration
should not depend on the holiday calendar of the application code): they stay
NULL and ``complaints.metrics`` measures them from their timestamps, as it did
before this revision.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 08:50:34.090361

"""
from alembic import op
import sqlalchemy as sa

import complaints.types


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('stats_publications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('first_served_at', complaints.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_served_at', complaints.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stats_publications')),
    sa.UniqueConstraint('period_from', 'period_to', name=op.f('uq_stats_publications_period_from_period_to'))
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_working_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('response_working_seconds', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('resolve_working_seconds', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_column('resolve_working_seconds')
        batch_op.drop_column('response_working_seconds')
        batch_op.drop_column('check_working_seconds')

    op.drop_table('stats_publications')
