"""queue keyset and search indexes

Indexes for the staff queue at a million complaints: each order's key plus the
id (keyset pages are one index range scan however deep), and trigram (pg_trgm)
GIN indexes for the free-text search on PostgreSQL. On SQLite the trigram
indexes are declared with ``WHERE 0``, so they exist (the models match) but
hold nothing: SQLite has no trigram index and its search scans.

The pg_trgm extension is database-wide; it is created in ``public`` when
missing (under an advisory lock, as several schemas of one database may be
migrated at once) and its operator class is named with the schema it lives in,
so this works whatever the connection's ``search_path``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 09:03:53.689711

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# Any constant: it only keeps two migrations from creating the extension together.
_EXTENSION_LOCK = 5_0005


def _trigram_operator_class() -> str:
    """``<schema>.gin_trgm_ops``, creating the pg_trgm extension when missing."""
    connection = op.get_bind()
    connection.execute(sa.text(f"SELECT pg_advisory_xact_lock({_EXTENSION_LOCK})"))
    connection.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public"))
    schema = connection.execute(
        sa.text(
            "SELECT n.nspname FROM pg_extension e "
            "JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'"
        )
    ).scalar_one()
    return f'"{schema}".gin_trgm_ops'


def upgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    trigram_ops = _trigram_operator_class() if postgresql else None
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        for column in ('description', 'address'):
            batch_op.create_index(
                f'ix_complaints_{column}_trgm',
                [column],
                unique=False,
                postgresql_using='gin',
                postgresql_ops={column: trigram_ops},
                sqlite_where=sa.text('0'),
            )
        batch_op.create_index('ix_complaints_next_action_id', ['next_action_at', 'id'], unique=False)
        batch_op.create_index('ix_complaints_status_next_action_id', ['status', 'next_action_at', 'id'], unique=False)
        batch_op.create_index('ix_complaints_priority_created_id', ['priority', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_complaints_unit_created_id', ['unit_id', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_complaints_unit_next_action_id', ['unit_id', 'next_action_at', 'id'], unique=False)


def downgrade():
    # The pg_trgm extension stays: other schemas of the database may use it.
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_unit_next_action_id')
        batch_op.drop_index('ix_complaints_unit_created_id')
        batch_op.drop_index('ix_complaints_priority_created_id')
        batch_op.drop_index('ix_complaints_status_next_action_id')
        batch_op.drop_index('ix_complaints_next_action_id')
        batch_op.drop_index('ix_complaints_description_trgm')
        batch_op.drop_index('ix_complaints_address_trgm')
