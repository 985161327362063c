"""assessment outputs, skippable SKM questions, who has a complaint open

- ``survey_responses``: the nine elements may be NULL (a question the citizen
  skipped as "tidak berlaku"); the optional respondent profile (sex, age
  group, education, occupation) the SKM guideline asks for.
- ``report_runs.kind`` / ``document_number``: dossiers and SKM reports are
  recorded beside figure exports, a dossier with its unique number.
- ``letterhead``: the regency's letterhead and usual signer (one row).
- ``assessment_documents``: the register of documents for indicator 27.
- ``skm_follow_ups``: the follow-up plan for an SKM element in a period.
- ``complaint_views``: who has a complaint open in the console, and since when.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 21:25:57.827744

"""
import sqlalchemy as sa
from alembic import op

from complaints.types import UTCDateTime

ELEMENTS = (
    'requirements',
    'procedure',
    'timeliness',
    'cost',
    'product',
    'competence',
    'conduct',
    'facilities',
    'complaint_handling',
)
# The values as of this revision (complaints.models.Respondent*), written out.
PROFILE = (
    ('respondent_sex', 8, ('male', 'female')),
    ('respondent_age', 16, ('under_20', '20_29', '30_39', '40_49', '50_59', '60_plus')),
    (
        'respondent_education',
        16,
        ('primary', 'junior_high', 'senior_high', 'diploma', 'bachelor', 'postgraduate'),
    ),
    (
        'respondent_occupation',
        24,
        (
            'civil_servant',
            'private_employee',
            'entrepreneur',
            'farmer_fisher',
            'student',
            'other',
        ),
    ),
)


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('assessment_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('number', sa.String(length=120), nullable=True),
    sa.Column('document_date', sa.Date(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=True),
    sa.Column('period_to', sa.Date(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('uploaded_by_user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('team_decree', 'sop', 'periodic_report', 'evaluation_minutes', 'publication', 'other')", name=op.f('ck_assessment_documents_kind')),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_assessment_documents_unit_id_units')),
    sa.ForeignKeyConstraint(['uploaded_by_user_id'], ['users.id'], name=op.f('fk_assessment_documents_uploaded_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_documents'))
    )
    with op.batch_alter_table('assessment_documents', schema=None) as batch_op:
        batch_op.create_index('ix_assessment_documents_kind_date', ['kind', 'document_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessment_documents_unit_id'), ['unit_id'], unique=False)

    op.create_table('letterhead',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('government_name', sa.String(length=200), nullable=False),
    sa.Column('office_name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=64), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('website', sa.String(length=200), nullable=False),
    sa.Column('logo', sa.LargeBinary(), nullable=True),
    sa.Column('logo_content_type', sa.String(length=100), nullable=True),
    sa.Column('signer_name', sa.String(length=200), nullable=False),
    sa.Column('signer_nip', sa.String(length=32), nullable=False),
    sa.Column('signer_position', sa.String(length=200), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('number_code', sa.String(length=32), nullable=False),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], name=op.f('fk_letterhead_updated_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_letterhead'))
    )
    op.create_table('skm_follow_ups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('element', sa.String(length=32), nullable=False),
    sa.Column('plan', sa.Text(), nullable=False),
    sa.Column('updated_by_user_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_skm_follow_ups_unit_id_units')),
    sa.ForeignKeyConstraint(['updated_by_user_id'], ['users.id'], name=op.f('fk_skm_follow_ups_updated_by_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_skm_follow_ups'))
    )
    with op.batch_alter_table('skm_follow_ups', schema=None) as batch_op:
        batch_op.create_index('ix_skm_follow_ups_period', ['period_from', 'period_to', 'unit_id'], unique=False)

    op.create_table('complaint_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('complaint_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['complaint_id'], ['complaints.id'], name=op.f('fk_complaint_views_complaint_id_complaints')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_complaint_views_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_complaint_views')),
    sa.UniqueConstraint('complaint_id', 'user_id', name=op.f('uq_complaint_views_complaint_id_user_id'))
    )
    with op.batch_alter_table('complaint_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaint_views_complaint_id'), ['complaint_id'], unique=False)

    with op.batch_alter_table('report_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='report', nullable=False))
        batch_op.add_column(sa.Column('document_number', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_report_runs_document_number'), ['document_number'])

    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        for name, length, values in PROFILE:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=True))
            allowed = ', '.join(f"'{value}'" for value in values)
            batch_op.create_check_constraint(
                batch_op.f(f'ck_survey_responses_{name}'), f'{name} IN ({allowed})'
            )
        for name in ELEMENTS:
            batch_op.alter_column(name, existing_type=sa.INTEGER(), nullable=True)



def downgrade():
    # A skipped answer has no value to go back to: such responses cannot stay.
    op.execute(
        'DELETE FROM survey_responses WHERE '
        + ' OR '.join(f'{name} IS NULL' for name in ELEMENTS)
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        for name in ELEMENTS:
            batch_op.alter_column(name, existing_type=sa.INTEGER(), nullable=False)
        for name, _length, _values in reversed(PROFILE):
            batch_op.drop_constraint(batch_op.f(f'ck_survey_responses_{name}'), type_='check')
            batch_op.drop_column(name)

    with op.batch_alter_table('report_runs', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_report_runs_document_number'), type_='unique')
        batch_op.drop_column('document_number')
        batch_op.drop_column('kind')

    with op.batch_alter_table('complaint_views', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaint_views_complaint_id'))

    op.drop_table('complaint_views')
    with op.batch_alter_table('skm_follow_ups', schema=None) as batch_op:
        batch_op.drop_index('ix_skm_follow_ups_period')

    op.drop_table('skm_follow_ups')
    op.drop_table('letterhead')
    with op.batch_alter_table('assessment_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessment_documents_unit_id'))
        batch_op.drop_index('ix_assessment_documents_kind_date')

    op.drop_table('assessment_documents')
