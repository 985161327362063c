"""complaint generations and stored report aggregates

Created ``complaint_generations`` (a change count per UTC month) and
``report_aggregates`` (a closed period's stored report parts). Until issue 17
database triggers kept the counts; they are gone, so this revision now
creates only the tables. A database migrated while the triggers existed loses
them in 0009, which drops them if present and replaces both tables with the
app-written ``report_changes`` log (``complaints/report_changes.py``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 14:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

from complaints.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'complaint_generations',
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('shard', sa.BigInteger(), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'shard', name=op.f('pk_complaint_generations')),
    )
    op.create_table(
        'report_aggregates',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.Column('computed_at', UTCDateTime(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_report_aggregates')),
    )


def downgrade():
    op.drop_table('report_aggregates')
    op.drop_table('complaint_generations')
