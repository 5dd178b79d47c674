"""data version (a counter every committed write increments) and the dashboard summary derived from it

Revision ID: 0901
Revises: 0801

On PostgreSQL, roles granted rights on the existing tables (``GRANT ... ON ALL TABLES`` covers only the tables that
exist when it runs) get the same on the two new ones: whoever may append to the audit trail may count a write and
keep a summary; whoever may read it may read them.
"""

import sqlalchemy as sa
from alembic import op

import opsdesk.store.types

revision = '0901'
down_revision = '0801'
branch_labels = None
depends_on = None

NEW_TABLES = ('data_version', 'dashboard_summary')


def upgrade() -> None:
    table = op.create_table('data_version',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('counter', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'counter': 0}])
    op.create_table('dashboard_summary',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('data_version', sa.BigInteger(), nullable=False),
    sa.Column('written_at', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_dashboard_summary'))
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
    op.drop_table('dashboard_summary')
    op.drop_table('data_version')
