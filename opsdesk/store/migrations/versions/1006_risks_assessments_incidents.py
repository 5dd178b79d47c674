"""risk register with mitigations, impact assessments, incidents with corrective actions; a gate decision's
override of an open serious incident

Revision ID: 1006
Revises: 1005

New tables only, plus one column on ``decision`` added with a plain ALTER TABLE (``recreate="never"``: recreating
``decision`` the batch way would drop it with foreign keys on and take every vote with it). On PostgreSQL, roles
granted rights on ``audit_event`` get the same on the new tables (``GRANT ... ON ALL TABLES`` covers only the
tables that existed when it ran).
"""

import sqlalchemy as sa
from alembic import op

import opsdesk.store.types

revision = '1006'
down_revision = '1005'
branch_labels = None
depends_on = None

NEW_TABLES = ('risk', 'mitigation', 'impact_assessment', 'incident', 'incident_action')


def _enum(*values: str) -> sa.Enum:
    return sa.Enum(*values, native_enum=False, length=40)


def upgrade() -> None:
    op.create_table('risk',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.Column('data_asset_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('category', _enum('performance', 'bias_and_fairness', 'privacy', 'security', 'safety', 'legal',
                                'financial', 'operational', 'vendor'), nullable=False),
    sa.Column('likelihood', sa.Integer(), nullable=False),
    sa.Column('impact', sa.Integer(), nullable=False),
    sa.Column('residual_likelihood', sa.Integer(), nullable=True),
    sa.Column('residual_impact', sa.Integer(), nullable=True),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('treatment', _enum('mitigate', 'accept', 'transfer', 'avoid'), nullable=False),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('nist', opsdesk.store.types.JSONText(), nullable=False),
    sa.Column('trigger_series_id', sa.Integer(), nullable=True),
    sa.Column('trigger_level', sa.String(length=10), nullable=False),
    sa.Column('status', _enum('open', 'closed'), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_risk_initiative_id_initiative'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_id'], ['model.id'], name=op.f('fk_risk_model_id_model'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['data_asset_id'], ['data_asset.id'], name=op.f('fk_risk_data_asset_id_data_asset'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_risk_owner_id_person')),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['person.id'], name=op.f('fk_risk_accepted_by_id_person')),
    sa.ForeignKeyConstraint(['trigger_series_id'], ['metric_series.id'],
                            name=op.f('fk_risk_trigger_series_id_metric_series'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_risk_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_risk')),
    sa.UniqueConstraint('initiative_id', 'number', name=op.f('uq_risk_initiative_id_number'))
    )
    op.create_index(op.f('ix_risk_initiative_id'), 'risk', ['initiative_id'], unique=False)
    op.create_table('mitigation',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('risk_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('action', sa.Text(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('status', _enum('planned', 'in_progress', 'done', 'cancelled'), nullable=False),
    sa.ForeignKeyConstraint(['risk_id'], ['risk.id'], name=op.f('fk_mitigation_risk_id_risk'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['person.id'], name=op.f('fk_mitigation_owner_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mitigation')),
    sa.UniqueConstraint('risk_id', 'position', name=op.f('uq_mitigation_risk_id_position'))
    )
    op.create_index(op.f('ix_mitigation_risk_id'), 'mitigation', ['risk_id'], unique=False)
    text_columns = ('purpose', 'affected_groups', 'expected_benefits', 'potential_harms', 'data_used',
                    'demographic_features', 'testing', 'test_results', 'human_oversight', 'appeal',
                    'monitoring_plan', 'conclusion')
    op.create_table('impact_assessment',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('status', _enum('draft', 'approved'), nullable=False),
    *[sa.Column(name, sa.Text(), nullable=False) for name in text_columns],
    sa.Column('assessor_id', sa.Integer(), nullable=True),
    sa.Column('assessed_on', sa.Date(), nullable=True),
    sa.Column('approver_id', sa.Integer(), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('review_by', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'],
                            name=op.f('fk_impact_assessment_initiative_id_initiative'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['assessor_id'], ['person.id'], name=op.f('fk_impact_assessment_assessor_id_person')),
    sa.ForeignKeyConstraint(['approver_id'], ['person.id'], name=op.f('fk_impact_assessment_approver_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_impact_assessment')),
    sa.UniqueConstraint('initiative_id', 'version_number', name=op.f('uq_impact_assessment_initiative_id_version_number'))
    )
    op.create_index(op.f('ix_impact_assessment_initiative_id'), 'impact_assessment', ['initiative_id'], unique=False)
    op.create_table('incident',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('initiative_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('model_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('detected_on', sa.Date(), nullable=False),
    sa.Column('severity', sa.Integer(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('affected', sa.Text(), nullable=False),
    sa.Column('affected_count', sa.Integer(), nullable=True),
    sa.Column('status', _enum('open', 'contained', 'resolved', 'closed'), nullable=False),
    sa.Column('root_cause', sa.Text(), nullable=False),
    sa.Column('reportable', sa.Boolean(), nullable=False),
    sa.Column('report_to', sa.String(length=200), nullable=False),
    sa.Column('reported_on', sa.Date(), nullable=True),
    sa.Column('resolved_on', sa.Date(), nullable=True),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['initiative_id'], ['initiative.id'], name=op.f('fk_incident_initiative_id_initiative'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['model_id'], ['model.id'], name=op.f('fk_incident_model_id_model'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_incident_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_incident')),
    sa.UniqueConstraint('initiative_id', 'number', name=op.f('uq_incident_initiative_id_number'))
    )
    op.create_index(op.f('ix_incident_initiative_id'), 'incident', ['initiative_id'], unique=False)
    op.create_table('incident_action',
    sa.Column('incident_id', sa.Integer(), nullable=False),
    sa.Column('action_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['incident_id'], ['incident.id'], name=op.f('fk_incident_action_incident_id_incident'),
                            ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['action_item_id'], ['action_item.id'],
                            name=op.f('fk_incident_action_action_item_id_action_item'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('incident_id', 'action_item_id', name=op.f('pk_incident_action'))
    )
    with op.batch_alter_table('decision', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('incident_override', sa.Text(), nullable=False, server_default=''))
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
    with op.batch_alter_table('decision', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('incident_override')
    op.drop_table('incident_action')
    op.drop_index(op.f('ix_incident_initiative_id'), table_name='incident')
    op.drop_table('incident')
    op.drop_index(op.f('ix_impact_assessment_initiative_id'), table_name='impact_assessment')
    op.drop_table('impact_assessment')
    op.drop_index(op.f('ix_mitigation_risk_id'), table_name='mitigation')
    op.drop_table('mitigation')
    op.drop_index(op.f('ix_risk_initiative_id'), table_name='risk')
    op.drop_table('risk')
