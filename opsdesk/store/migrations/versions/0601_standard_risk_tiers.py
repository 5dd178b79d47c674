"""standard applies to risk tiers

Revision ID: 0601
Revises: 0001
Create Date: 2026-12-01 20:40:00

A standard may apply only to some risk tiers (OMB M-25-21's minimum practices apply to high-impact AI only).
An empty list means every tier.
"""

import sqlalchemy as sa
from alembic import op

import opsdesk.store.types

revision = '0601'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('standard', schema=None) as batch_op:
        batch_op.add_column(sa.Column('risk_tiers', opsdesk.store.types.JSONText(), nullable=False,
                                      server_default='[]'))


def downgrade() -> None:
    with op.batch_alter_table('standard', schema=None) as batch_op:
        batch_op.drop_column('risk_tiers')
