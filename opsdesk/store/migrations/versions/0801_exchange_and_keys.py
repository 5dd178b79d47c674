"""exchange bundles: workspace identity, trusted keys, bundles seen, per-record exchange state

Revision ID: 0801
Revises: 0701
Create Date: 2026-12-01 20:45:00
"""

import sqlalchemy as sa
from alembic import op

import opsdesk.store.types

revision = '0801'
down_revision = '0701'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('workspace_identity',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('workspace_uuid', sa.String(length=36), nullable=False),
    sa.Column('created_at', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_workspace_identity')),
    sa.UniqueConstraint('workspace_uuid', name=op.f('uq_workspace_identity_workspace_uuid'))
    )
    op.create_table('trusted_key',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('public_key', sa.String(length=100), nullable=False),
    sa.Column('workspace_uuid', sa.String(length=36), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('added_at', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trusted_key')),
    sa.UniqueConstraint('fingerprint', name=op.f('uq_trusted_key_fingerprint'))
    )
    op.create_table('exchange_bundle',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('bundle_uuid', sa.String(length=36), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('file_name', sa.String(length=500), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('signer_fingerprint', sa.String(length=64), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('at', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.Column('summary', opsdesk.store.types.JSONText(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_bundle')),
    sa.UniqueConstraint('bundle_uuid', 'direction', name=op.f('uq_exchange_bundle_bundle_uuid'))
    )
    op.create_table('exchange_state',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entity', sa.String(length=60), nullable=False),
    sa.Column('record_key', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('bundle_uuid', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exchange_state')),
    sa.UniqueConstraint('entity', 'record_key', name=op.f('uq_exchange_state_entity'))
    )


def downgrade() -> None:
    op.drop_table('exchange_state')
    op.drop_table('exchange_bundle')
    op.drop_table('trusted_key')
    op.drop_table('workspace_identity')
