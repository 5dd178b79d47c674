"""Apply Alembic migrations to a workspace inside one transaction.

Opening a workspace whose schema is current must not pay for Alembic (and the Mako and Pygments it brings):
:func:`current_revision` reads the stored revision with plain SQL and :func:`head_revision` reads the chain's
head from the migration files' ``revision``/``down_revision`` lines. Alembic is imported only to upgrade, or when
those lines are not the plain kind this scan understands (then Alembic answers)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine

from opsdesk import log

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "alembic_version"
_log = log.get("store.migrate")
_REVISION = re.compile(r"""^revision(?:\s*:[^=]+)?\s*=\s*['"]([^'"]+)['"]\s*$""", re.MULTILINE)
_DOWN = re.compile(r"""^down_revision(?:\s*:[^=]+)?\s*=\s*(?:None|['"]([^'"]+)['"])\s*$""", re.MULTILINE)


def alembic_config(script_location: Path | None = None) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(script_location or MIGRATIONS_DIR))
    return cfg


def head_revision(script_location: Path | None = None) -> str | None:
    head = _scanned_head(script_location or MIGRATIONS_DIR)
    if head is not None:
        return head
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()


def _scanned_head(location: Path) -> str | None:
    """The single head of a linear chain read from the files' plain ``revision = '…'`` and
    ``down_revision = '…' | None`` lines; None when any file says it another way or the chain is not one line
    (Alembic then decides)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    roots = 0
    try:
        files = sorted((location / "versions").glob("*.py"))
    except OSError:
        return None
    for file in files:
        try:
            source = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        revision, down = _REVISION.findall(source), _DOWN.findall(source)
        if len(revision) != 1 or len(down) != 1 or revision[0] in revisions:
            return None
        revisions.add(revision[0])
        if down[0]:
            parents.add(down[0])
        else:
            roots += 1
    heads = revisions - parents
    if roots != 1 or len(heads) != 1 or not parents <= revisions:
        return None
    return heads.pop()


def current_revision(conn: Connection) -> str | None:
    """The revision stored in the workspace (None: no OpsDesk schema), read with plain SQL."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    rows = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
    if len(rows) <= 1:
        return rows[0] if rows else None
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()  # several heads: Alembic says what is wrong


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
    if revision == head_revision(script_location):
        return True
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config(script_location))
    try:
        return script.get_revision(revision) is not None
    except Exception:
        return False
