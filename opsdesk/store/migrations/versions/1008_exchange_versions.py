"""per-signer record versions of exchange bundles (an older bundle imported after a newer one is stale)

Revision ID: 1008
Revises: 1006

On PostgreSQL, roles granted rights on ``exchange_state`` get the same on the new table.
"""

import sqlalchemy as sa
from alembic import op

revision = '1008'
down_revision = '1006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('exchange_version',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('signer_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('entity', sa.String(length=60), nullable=False),
    sa.Column('record_key', sa.Text(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('bundle_uuid', sa.String(length=36), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_version')),
    sa.UniqueConstraint('signer_fingerprint', 'entity', 'record_key',
                        name=op.f('uq_exchange_version_signer_fingerprint_entity_record_key'))
    )
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        grants = bind.execute(sa.text(
            "SELECT grantee, string_agg(privilege_type, ',') FROM information_schema.role_table_grants "
            "WHERE table_schema = current_schema() AND table_name = 'exchange_state' "
            "AND grantee <> current_user GROUP BY grantee")).all()
        for grantee, privileges in grants:
            rights = 'SELECT, INSERT, UPDATE, DELETE' if 'INSERT' in privileges.split(',') else 'SELECT'
            role = 'PUBLIC' if grantee == 'PUBLIC' else '"' + grantee.replace('"', '""') + '"'
            op.execute(f'GRANT {rights} ON exchange_version TO {role}')


def downgrade() -> None:
    op.drop_table('exchange_version')
