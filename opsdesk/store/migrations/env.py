"""Alembic environment: always run with a connection handed in by ``opsdesk.store.migrate``."""

from alembic import context

from opsdesk.store import models  # noqa: F401  (registers every table)
from opsdesk.store.base import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,
    transaction_per_migration=False,
    compare_type=True,
)
context.run_migrations()
