"""imports keep every fact: metric points keyed by (series, second, millisecond, step); MLflow experiments as
records; cost amounts keep the scale they were written with; a fingerprint of every cost record

Revision ID: 1002
Revises: 1001

Existing metric points are kept, each with millisecond 0 and step 0. On SQLite the point table (WITHOUT ROWID)
is rebuilt with the new key and the rows copied over; on PostgreSQL the key is dropped and made again. Cost
amounts on PostgreSQL become unconstrained NUMERIC (their trailing zeros from the old NUMERIC(38,12) are trimmed
where the server has ``trim_scale``). Existing cost records get their fingerprint here.
"""

import json

import sqlalchemy as sa
from alembic import op

import opsdesk.store.types

revision = '1002'
down_revision = '1001'
branch_labels = None
depends_on = None

COST_AMOUNTS = ('billed_cost', 'effective_cost', 'list_cost', 'contracted_cost')


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == 'postgresql'
    if pg:
        op.add_column('metric_point', sa.Column('ms', sa.SmallInteger(), server_default='0', nullable=False))
        op.add_column('metric_point', sa.Column('step', sa.BigInteger(), server_default='0', nullable=False))
        op.drop_constraint('pk_metric_point', 'metric_point', type_='primary')
        op.create_primary_key('pk_metric_point', 'metric_point', ['series_id', 'ts', 'ms', 'step'])
    else:
        op.create_table('metric_point_1002',
        sa.Column('series_id', sa.Integer(), nullable=False),
        sa.Column('ts', sa.BigInteger(), nullable=False),
        sa.Column('ms', sa.SmallInteger(), server_default='0', nullable=False),
        sa.Column('step', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('value', sa.Float(), nullable=False),
        sa.Column('batch_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['series_id'], ['metric_series.id'], name='fk_metric_point_series_id_metric_series', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('series_id', 'ts', 'ms', 'step', name='pk_metric_point'),
        sqlite_with_rowid=False
        )
        op.execute('INSERT INTO metric_point_1002 (series_id, ts, ms, step, value, batch_id) '
                   'SELECT series_id, ts, 0, 0, value, batch_id FROM metric_point')
        op.drop_index('ix_metric_point_batch', table_name='metric_point')
        op.drop_table('metric_point')
        op.rename_table('metric_point_1002', 'metric_point')
        op.create_index('ix_metric_point_batch', 'metric_point', ['batch_id'], unique=False)

    op.create_table('experiment',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('source_id', sa.String(length=100), nullable=False),
    sa.Column('tags', opsdesk.store.types.JSONText(), nullable=False),
    sa.Column('lifecycle_stage', sa.String(length=40), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_experiment_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experiment')),
    sa.UniqueConstraint('name', name=op.f('uq_experiment_name'))
    )
    if pg:
        op.add_column('model', sa.Column('experiment_id', sa.Integer(), nullable=True))
        op.create_foreign_key('fk_model_experiment_id_experiment', 'model', 'experiment', ['experiment_id'], ['id'],
                              ondelete='SET NULL')
    else:  # SQLite adds a column with its reference in place (a batch rebuild would reorder the table's constraints)
        op.execute('ALTER TABLE model ADD COLUMN experiment_id INTEGER '
                   'CONSTRAINT fk_model_experiment_id_experiment REFERENCES experiment (id) ON DELETE SET NULL')
    op.create_index('ix_model_experiment_id', 'model', ['experiment_id'], unique=False)

    with op.batch_alter_table('cost_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fingerprint', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_cost_record_fingerprint'), ['fingerprint'], unique=False)
    if pg:
        has_trim = bind.execute(sa.text("SELECT count(*) FROM pg_proc WHERE proname = 'trim_scale'")).scalar()
        for col in COST_AMOUNTS:
            using = f'trim_scale({col})' if has_trim else col
            op.execute(f'ALTER TABLE cost_record ALTER COLUMN {col} TYPE NUMERIC USING {using}')
        if bind.execute(sa.text("SELECT count(*) FROM information_schema.role_table_grants "
                                "WHERE table_name = 'audit_event' AND grantee <> current_user")).scalar():
            grants = bind.execute(sa.text(
                "SELECT grantee, string_agg(privilege_type, ',') FROM information_schema.role_table_grants "
                "WHERE table_schema = current_schema() AND table_name = 'audit_event' "
                "AND grantee <> current_user GROUP BY grantee")).all()
            for grantee, privileges in grants:
                rights = 'SELECT, INSERT, UPDATE, DELETE' if 'INSERT' in privileges.split(',') else 'SELECT'
                role = 'PUBLIC' if grantee == 'PUBLIC' else '"' + grantee.replace('"', '""') + '"'
                op.execute(f'GRANT {rights} ON experiment TO {role}')
    _fingerprint_existing(bind)


def _fingerprint_existing(bind: sa.engine.Connection) -> None:
    from opsdesk.domain.cost_fingerprint import fingerprint

    cols = ('id', 'charge_period_start', 'charge_period_end', 'billed_cost', 'effective_cost', 'list_cost',
            'contracted_cost', 'billing_currency', 'service_category', 'service_name', 'provider_name',
            'billing_account_id', 'sub_account_id', 'charge_category', 'charge_description', 'resource_id', 'sku_id',
            'pricing_quantity', 'pricing_unit', 'tags', 'extra')
    table = sa.table('cost_record', *(sa.column(c) for c in cols), sa.column('fingerprint'))
    rows = bind.execute(sa.select(*(table.c[c] for c in cols))).all()
    for row in rows:
        values = dict(zip(cols, row, strict=True))
        for key in ('tags', 'extra'):
            values[key] = json.loads(values[key]) if isinstance(values[key], str) else (values[key] or {})
        bind.execute(table.update().where(table.c.id == values['id']).values(fingerprint=fingerprint(values)))


def downgrade() -> None:
    bind = op.get_bind()
    with op.batch_alter_table('cost_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cost_record_fingerprint'))
        batch_op.drop_column('fingerprint')
    with op.batch_alter_table('model', schema=None) as batch_op:
        if bind.dialect.name == 'postgresql':  # on SQLite the table is rebuilt without the column and its key
            batch_op.drop_constraint(batch_op.f('fk_model_experiment_id_experiment'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_model_experiment_id'))
        batch_op.drop_column('experiment_id')
    op.drop_table('experiment')
    op.execute('DELETE FROM metric_point WHERE ms <> 0 OR step <> 0')
    if bind.dialect.name == 'postgresql':
        op.drop_constraint('pk_metric_point', 'metric_point', type_='primary')
        op.create_primary_key('pk_metric_point', 'metric_point', ['series_id', 'ts'])
        op.drop_column('metric_point', 'step')
        op.drop_column('metric_point', 'ms')
    else:
        with op.batch_alter_table('metric_point', schema=None) as batch_op:
            batch_op.drop_column('step')
            batch_op.drop_column('ms')
