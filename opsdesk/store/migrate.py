"""Apply Alembic migrations to a workspace inside one transaction."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from opsdesk import log

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_log = log.get("store.migrate")


def alembic_config(script_location: Path | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or MIGRATIONS_DIR))
    return cfg


def head_revision(script_location: Path | None = None) -> str | None:
    return ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def needs_upgrade(engine: Engine, script_location: Path | None = None) -> bool:
    with engine.connect() as conn:
        return current_revision(conn) != head_revision(script_location)


def upgrade(engine: Engine, script_location: Path | None = None) -> None:
    """Upgrade to head in a single transaction: all revisions apply, or none does."""
    from alembic import command

    cfg = alembic_config(script_location)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    _log.info("workspace schema at %s", head_revision(script_location))


def knows_revision(revision: object, script_location: Path | None = None) -> bool:
    """Whether this OpsDesk's migrations include ``revision`` (a bundle or file from a newer schema does not)."""
    if not isinstance(revision, str) or not revision:
        return False
    script = ScriptDirectory.from_config(alembic_config(script_location))
    try:
        return script.get_revision(revision) is not None
    except Exception:
        return False
