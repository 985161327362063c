"""reporter handle indexes

The e-mail address and NIK of reporters are indexed like their phone number
and Telegram chat already were: erasing a person's data finds their other
complaints by any of the four (an OR of four index lookups, not a scan of
every reporter).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 13:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reporters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporters_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_reporters_nik'), ['nik'], unique=False)


def downgrade():
    with op.batch_alter_table('reporters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporters_nik'))
        batch_op.drop_index(batch_op.f('ix_reporters_email'))
