"""data version: a counter every committed write increments, for derived summaries

Revision ID: 0901
Revises: 0801
"""

import sqlalchemy as sa
from alembic import op

revision = '0901'
down_revision = '0801'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('data_version',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('counter', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_version'))
    )
    op.bulk_insert(table, [{'id': 1, 'counter': 0}])


def downgrade() -> None:
    op.drop_table('data_version')
