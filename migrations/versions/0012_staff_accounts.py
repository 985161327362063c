"""staff accounts: forced password change, one-time reset links, two-step sign-in

- ``users.must_change_password``: set when an admin chose the password (a new
  account, a password set by an admin); the console sends the person to the
  password page until they chose their own.
- ``users.password_reset_hash`` / ``password_reset_expires_at``: the SHA-256 of
  a one-time password-reset link's token and when it stops working.
- ``users.totp_secret`` / ``totp_confirmed_at`` / ``totp_last_counter``: the
  authenticator-app secret (active once confirmed with a code) and the last
  time step used, so one code cannot be used twice.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 12:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from complaints.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'must_change_password', sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
        batch_op.add_column(sa.Column('password_reset_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('password_reset_expires_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('totp_confirmed_at', UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('totp_last_counter', sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_users_password_reset_hash'), ['password_reset_hash']
        )


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_password_reset_hash'), type_='unique')
        batch_op.drop_column('totp_last_counter')
        batch_op.drop_column('totp_confirmed_at')
        batch_op.drop_column('totp_secret')
        batch_op.drop_column('password_reset_expires_at')
        batch_op.drop_column('password_reset_hash')
        batch_op.drop_column('must_change_password')
