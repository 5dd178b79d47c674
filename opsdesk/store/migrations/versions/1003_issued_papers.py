"""issued papers (the bytes of a pack, brief or minutes as issued, with their SHA-256, and room for a signed form
beside them); approve-minutes agenda items name the meeting whose minutes they approve; a lesson may name the
decision it was recorded with

Revision ID: 1003
Revises: 1002

``recreate="never"`` on the existing tables: plain ALTER TABLE ADD/DROP COLUMN (see 0701 for why).
"""

import sqlalchemy as sa
from alembic import op

import opsdesk.store.types

revision = '1003'
down_revision = '1002'
branch_labels = None
depends_on = None

NEW_TABLES = ('issued_paper', 'issued_paper_file')


def upgrade() -> None:
    op.create_table('issued_paper',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('doc_id', sa.String(length=120), nullable=False),
    sa.Column('edition', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=True),
    sa.Column('agenda_item_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=40), nullable=False),
    sa.Column('as_of', opsdesk.store.types.UTCDateTime(), nullable=True),
    sa.Column('document_date', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.Column('issued_at', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.Column('issued_by', sa.String(length=200), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_issued_paper_meeting_id_meeting'),
                            ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'],
                            name=op.f('fk_issued_paper_agenda_item_id_agenda_item'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issued_paper')),
    sa.UniqueConstraint('doc_id', 'edition', name=op.f('uq_issued_paper_doc_id_edition'))
    )
    with op.batch_alter_table('issued_paper', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_issued_paper_meeting_id'), ['meeting_id'], unique=False)
    op.create_table('issued_paper_file',
    sa.Column('paper_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=40), nullable=False),
    sa.Column('file_name', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', opsdesk.store.types.UTCDateTime(), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['paper_id'], ['issued_paper.id'], name=op.f('fk_issued_paper_file_paper_id_issued_paper'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('paper_id', 'form', name=op.f('pk_issued_paper_file'))
    )
    with op.batch_alter_table('agenda_item', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('minutes_meeting_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('lesson', schema=None, recreate='never') as batch_op:
        batch_op.add_column(sa.Column('decision_id', sa.Integer(), nullable=True))
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.create_foreign_key(op.f('fk_agenda_item_minutes_meeting_id_meeting'), 'agenda_item', 'meeting',
                              ['minutes_meeting_id'], ['id'], ondelete='SET NULL')
        op.create_foreign_key(op.f('fk_lesson_decision_id_decision'), 'lesson', 'decision', ['decision_id'], ['id'],
                              ondelete='SET NULL')
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
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.drop_constraint(op.f('fk_lesson_decision_id_decision'), 'lesson', type_='foreignkey')
        op.drop_constraint(op.f('fk_agenda_item_minutes_meeting_id_meeting'), 'agenda_item', type_='foreignkey')
    with op.batch_alter_table('lesson', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('decision_id')
    with op.batch_alter_table('agenda_item', schema=None, recreate='never') as batch_op:
        batch_op.drop_column('minutes_meeting_id')
    op.drop_table('issued_paper_file')
    op.drop_table('issued_paper')
