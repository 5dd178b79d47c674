"""signing: the trust anchors and revocation lists that signatures on papers are checked against

Revision ID: 1004
Revises: 1003

On PostgreSQL, roles granted rights on the audit trail get the same on the two new tables (as in 0901): whoever
may change the workspace may trust a certificate; whoever may read it may check signatures.
"""

import sqlalchemy as sa
from alembic import op

import opsdesk.store.types

revision = '1004'
down_revision = '1003'
branch_labels = None
depends_on = None

NEW_TABLES = ('trust_anchor', 'revocation_list')


def upgrade() -> None:
    op.create_table('trust_anchor',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('not_before', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.Column('not_after', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.Column('pem', sa.Text(), nullable=False),
    sa.Column('added_at', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trust_anchor')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_trust_anchor_fingerprint')),
    sa.UniqueConstraint('label', name=op.f('uq_trust_anchor_label'))
    )
    op.create_table('revocation_list',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('issuer', sa.Text(), nullable=False),
    sa.Column('this_update', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.Column('next_update', opsdesk.store.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_count', sa.Integer(), nullable=False),
    sa.Column('pem', sa.Text(), nullable=False),
    sa.Column('added_at', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_revocation_list')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_revocation_list_fingerprint'))
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
    op.drop_table('revocation_list')
    op.drop_table('trust_anchor')
