"""agenda item options and recommendation; decision correction reason

Revision ID: 0701
Revises: 0601

``recreate="never"``: plain ALTER TABLE ADD/DROP COLUMN (SQLite >= 3.35). Recreating ``agenda_item`` the batch way
would drop the old table with foreign keys on, and ON DELETE CASCADE would take every decision and vote with it.
"""

import sqlalchemy as sa
from alembic import op

revision = '0701'
down_revision = '0601'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agenda_item', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('options', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('recommendation', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('decision', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('correction_reason', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('decision', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('correction_reason')
    with op.batch_alter_table('agenda_item', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('recommendation')
        batch_op.drop_column('options')
