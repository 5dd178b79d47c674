"""inventory records (OMB 2025 AI use case inventory columns and ATRS text per initiative) and consolidated COTS
AI uses

Revision ID: 1005
Revises: 1004

On PostgreSQL, roles granted rights on the audit trail get the same on the new tables (as 0901 does).
"""

import sqlalchemy as sa
from alembic import op

import opsdesk.store.types

revision = '1005'
down_revision = '1004'
branch_labels = None
depends_on = None

NEW_TABLES = ('use_case_record', 'cots_use')
CHOICE = sa.String(length=40)


def upgrade() -> None:
    op.create_table('use_case_record',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('use_case_id', sa.String(length=80), nullable=True),
    sa.Column('full_name', sa.Text(), nullable=False),
    sa.Column('agency', sa.String(length=40), nullable=False),
    sa.Column('agency_name', sa.String(length=300), nullable=False),
    sa.Column('agency_bureau', sa.String(length=300), nullable=False),
    sa.Column('contact_email', sa.String(length=300), nullable=False),
    sa.Column('is_withheld', CHOICE, nullable=True),
    sa.Column('presumed_high_impact', sa.Boolean(), nullable=False),
    sa.Column('hi_justification', sa.Text(), nullable=False),
    sa.Column('topic_area', CHOICE, nullable=True),
    sa.Column('ai_classification', CHOICE, nullable=True),
    sa.Column('operational_date', sa.Date(), nullable=True),
    sa.Column('contracting_usage', CHOICE, nullable=True),
    sa.Column('vendor_name', sa.Text(), nullable=False),
    sa.Column('have_ato', CHOICE, nullable=True),
    sa.Column('system_name_ato', sa.Text(), nullable=False),
    sa.Column('data_description', sa.Text(), nullable=False),
    sa.Column('link_to_data', sa.Text(), nullable=False),
    sa.Column('has_pii', CHOICE, nullable=True),
    sa.Column('pia_url', sa.Text(), nullable=False),
    sa.Column('demographic_features', opsdesk.store.types.JSONText(), nullable=False),
    sa.Column('has_custom_code', CHOICE, nullable=True),
    sa.Column('code_url', sa.Text(), nullable=False),
    sa.Column('hi_testing_conducted', CHOICE, nullable=True),
    sa.Column('hi_assessment_completed', CHOICE, nullable=True),
    sa.Column('impact_assessment_date', sa.Date(), nullable=True),
    sa.Column('hi_potential_impacts', sa.Text(), nullable=False),
    sa.Column('hi_independent_review', CHOICE, nullable=True),
    sa.Column('hi_ongoing_monitoring', CHOICE, nullable=True),
    sa.Column('hi_training_established', CHOICE, nullable=True),
    sa.Column('hi_failsafe_presence', CHOICE, nullable=True),
    sa.Column('hi_appeal_process', CHOICE, nullable=True),
    sa.Column('hi_public_consultation', opsdesk.store.types.JSONText(), nullable=False),
    sa.Column('cots_task', sa.String(length=300), nullable=True),
    sa.Column('unrecognised', opsdesk.store.types.JSONText(), nullable=False),
    sa.Column('atrs', opsdesk.store.types.JSONText(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'],
                            name=op.f('fk_use_case_record_initiative_id_initiative'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_use_case_record')),
    sa.UniqueConstraint('initiative_id', name=op.f('uq_use_case_record_initiative_id'))
    )
    op.create_index(op.f('ix_use_case_record_use_case_id'), 'use_case_record', ['use_case_id'], unique=False)
    op.create_table('cots_use',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('agency_name', sa.String(length=300), nullable=False),
    sa.Column('task', sa.String(length=300), nullable=False),
    sa.Column('in_use', CHOICE, nullable=True),
    sa.Column('products', sa.Text(), nullable=False),
    sa.Column('licences', sa.String(length=80), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cots_use')),
    sa.UniqueConstraint('agency_name', 'task', name=op.f('uq_cots_use_agency_name'))
    )
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        grants = bind.execute(sa.text(
            "SELECT grantee, string_agg(privilege_type, ',') FROM information_schema.role_table_grants "
            "WHERE table_schema = current_schema() AND table_name = 'audit_event' "
            "AND grantee <> current_user GROUP BY grantee")).all()
        for grantee, privileges in grants:
            rights = 'SELECT, INSERT, UPDATE, DELETE' if 'INSERT' in privileges.split(',') else 'SELECT'
            role = 'PUBLIC' if grantee == 'PUBLIC' else '"' + grantee.replace('"', '""') + '"'
            for name in NEW_TABLES:
                op.execute(f'GRANT {rights} ON {name} TO {role}')


def downgrade() -> None:
    op.drop_table('cots_use')
    op.drop_index(op.f('ix_use_case_record_use_case_id'), table_name='use_case_record')
    op.drop_table('use_case_record')
