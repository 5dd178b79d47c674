"""anchored audit chain: the signed checkpoint of its head, and the row states each event's transaction left

Revision ID: 1001
Revises: 0901

``audit_event.record_states`` is nullable: events written before this revision have none, and hash as before.
On PostgreSQL, roles that may append to the audit trail may write the checkpoint; readers may read it (as 0901).
"""

import sqlalchemy as sa
from alembic import op

import opsdesk.store.types

revision = '1001'
down_revision = '0901'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('audit_event', sa.Column('record_states', opsdesk.store.types.JSONText(), nullable=True))
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('workspace_uuid', sa.String(length=36), nullable=False),
    sa.Column('seq', sa.BigInteger(), nullable=False),
    sa.Column('head_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.String(length=32), nullable=False),
    sa.Column('capture_from', sa.BigInteger(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('signature', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint'))
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
            op.execute(f'GRANT {rights} ON audit_checkpoint TO {role}')


def downgrade() -> None:
    op.drop_table('audit_checkpoint')
    with op.batch_alter_table('audit_event') as batch:
        batch.drop_column('record_states')
