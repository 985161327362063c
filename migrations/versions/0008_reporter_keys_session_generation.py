"""reporter keys and session generations

- ``reporter_keys``: the hash of each complaint's reporter key (DESIGN.md,
  "The reporter's key"), apart from the complaint row so that no listing,
  export or report query can ever select it.
- ``users.session_generation``: bumped on logout, password change, role
  change and deactivation; a session cookie carrying an older generation is
  refused by the user loader.
- ``complaints.duplicate_of_id`` indexed: each status change of an original
  tells the reporters of the complaints merged into it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 16:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reporter_keys',
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ['complaint_id'], ['complaints.id'],
            name=op.f('fk_reporter_keys_complaint_id_complaints'),
        ),
        sa.PrimaryKeyConstraint('complaint_id', name=op.f('pk_reporter_keys')),
    )
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_generation', sa.Integer(), nullable=False, server_default='0')
        )
    # Not in batch mode: on SQLite that would rebuild complaints and drop its triggers.
    op.create_index(
        op.f('ix_complaints_duplicate_of_id'), 'complaints', ['duplicate_of_id'], unique=False
    )


def downgrade():
    op.drop_index(op.f('ix_complaints_duplicate_of_id'), table_name='complaints')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
    op.drop_table('reporter_keys')
