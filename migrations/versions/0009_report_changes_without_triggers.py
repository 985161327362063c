"""report changes written by the app instead of triggers

- Drops migration 0007's triggers (and, on PostgreSQL, their functions) and
  the ``complaint_generations`` table they counted into. The app's write
  paths that can change an ended period's figures now add a row to
  ``report_changes`` (``complaints/report_changes.py``).
- Recreates ``report_aggregates`` with what the scheduler needs to read a
  stored part again (its part, period and unit) and when it was read and
  last asked for. Stored parts are a cache: none is carried over.
- ``ix_complaints_durations_missing``: the complaints that reached a moment
  without its stored working-time duration, for the start-up check and
  ``flask report backfill-durations`` (empty once every duration is stored).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from complaints.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

TABLES = ("complaints", "complaint_events", "escalations")
POSTGRESQL_DROPS = [
    *(
        f"DROP TRIGGER IF EXISTS aduan_{table}_{change} ON {table}"
        for table in TABLES
        for change in ("inserted", "updated", "deleted")
    ),
    *(f"DROP FUNCTION IF EXISTS aduan_{table}_changed()" for table in TABLES),
    "DROP FUNCTION IF EXISTS aduan_bump_month(integer)",
    "DROP FUNCTION IF EXISTS aduan_complaint_month(timestamptz)",
]
SQLITE_DROPS = [
    f"DROP TRIGGER IF EXISTS aduan_{table}_{change}"
    for table in TABLES
    for change in ("inserted", "updated", "moved", "deleted")
]
# The same text as complaints.models.DURATIONS_MISSING (SQLite matches it literally).
DURATIONS_MISSING = (
    "((check_working_seconds IS NULL AND (verified_at IS NOT NULL"
    " OR rejected_at IS NOT NULL OR merged_at IS NOT NULL))"
    " OR (response_working_seconds IS NULL AND verified_at IS NOT NULL"
    " AND first_response_at IS NOT NULL)"
    " OR (resolve_working_seconds IS NULL AND resolved_at IS NOT NULL))"
)


def upgrade():
    drops = POSTGRESQL_DROPS if op.get_bind().dialect.name == 'postgresql' else SQLITE_DROPS
    for statement in drops:
        op.execute(statement)
    op.drop_table('complaint_generations')
    op.drop_table('report_aggregates')
    op.create_table(
        'report_aggregates',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('part', sa.String(length=32), nullable=False),
        sa.Column('period_from', sa.Date(), nullable=False),
        sa.Column('period_to', sa.Date(), nullable=False),
        sa.Column('unit_code', sa.String(length=32), nullable=True),
        sa.Column('changes_seen', sa.BigInteger(), nullable=False),
        sa.Column('computed_at', UTCDateTime(), nullable=False),
        sa.Column('requested_at', UTCDateTime(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_report_aggregates')),
    )
    op.create_table(
        'report_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('at', UTCDateTime(), nullable=False),
        sa.Column('changes', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_changes')),
    )
    # Not in batch mode: on SQLite that would rebuild the complaints table.
    op.create_index(
        'ix_complaints_durations_missing',
        'complaints',
        ['id'],
        unique=False,
        postgresql_where=sa.text(DURATIONS_MISSING),
        sqlite_where=sa.text(DURATIONS_MISSING),
    )


def downgrade():
    # The tables come back empty and without triggers: 0007's stored parts were a
    # cache, and its triggers would count nothing the app still reads.
    op.drop_index('ix_complaints_durations_missing', table_name='complaints')
    op.drop_table('report_changes')
    op.drop_table('report_aggregates')
    op.create_table(
        'report_aggregates',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.Column('computed_at', UTCDateTime(), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_report_aggregates')),
    )
    op.create_table(
        'complaint_generations',
        sa.Column('month', sa.Integer(), nullable=False),
        sa.Column('shard', sa.BigInteger(), nullable=False),
        sa.Column('generation', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('month', 'shard', name=op.f('pk_complaint_generations')),
    )
