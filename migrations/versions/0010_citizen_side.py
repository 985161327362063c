"""the citizen's side: kecamatan/desa, supporters, photos held across a form error

- ``complaints.kecamatan`` / ``complaints.desa``: the district and village the
  citizen chose from the regency's list (routing input).
- ``complaint_supporters``: citizens who added their support to an open
  public complaint instead of filing a duplicate ("Sudah ada yang
  melaporkan?"), with their contact as a ``reporters`` row.
- ``pending_photos``: photos of a web form that came back with an error,
  held against its submission token until it is filed or abandoned.
- ``ix_complaints_category_created``: the nearby check reads one category's
  recent complaints.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 19:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

from complaints.types import UTCDateTime

# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kecamatan', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('desa', sa.String(length=64), nullable=True))
        batch_op.create_index(
            'ix_complaints_category_created', ['category_id', 'created_at'], unique=False
        )
    op.create_table(
        'complaint_supporters',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('complaint_id', sa.Integer(), nullable=False),
        sa.Column('reporter_id', sa.Integer(), nullable=True),
        sa.Column('external_id', sa.String(length=128), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ['complaint_id'], ['complaints.id'],
            name=op.f('fk_complaint_supporters_complaint_id_complaints'),
        ),
        sa.ForeignKeyConstraint(
            ['reporter_id'], ['reporters.id'],
            name=op.f('fk_complaint_supporters_reporter_id_reporters'),
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_supporters')),
        sa.UniqueConstraint(
            'complaint_id', 'external_id',
            name=op.f('uq_complaint_supporters_complaint_id_external_id'),
        ),
    )
    with op.batch_alter_table('complaint_supporters', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_complaint_supporters_complaint_id'), ['complaint_id'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_complaint_supporters_reporter_id'), ['reporter_id'], unique=False
        )
    op.create_table(
        'pending_photos',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('submission_token', sa.String(length=64), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_photos')),
    )
    with op.batch_alter_table('pending_photos', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_pending_photos_submission_token'), ['submission_token'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_pending_photos_created_at'), ['created_at'], unique=False
        )


def downgrade():
    op.drop_table('pending_photos')
    op.drop_table('complaint_supporters')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index('ix_complaints_category_created')
        batch_op.drop_column('desa')
        batch_op.drop_column('kecamatan')
