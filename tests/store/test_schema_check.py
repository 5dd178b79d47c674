"""Opening a workspace checks its schema revision without Alembic, and gets the answer Alembic would give."""

from __future__ import annotations

from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from opsdesk.store import migrate


def _alembic_head(location: Path | None = None) -> str | None:
    return ScriptDirectory.from_config(migrate.alembic_config(location)).get_current_head()


def test_the_head_read_from_the_migration_files_is_alembics_head():
    assert migrate.head_revision() == _alembic_head() is not None


def test_the_stored_revision_read_with_plain_sql_is_alembics(ws):
    with ws.engine.connect() as conn:
        assert migrate.current_revision(conn) == MigrationContext.configure(conn).get_current_revision()
        assert migrate.current_revision(conn) == migrate.head_revision()


def test_an_empty_database_has_no_revision(tmp_path: Path):
    from opsdesk.store.engine import make_engine, sqlite_url

    engine = make_engine(sqlite_url(tmp_path / "empty.sqlite"))
    with engine.connect() as conn:
        assert migrate.current_revision(conn) is None
    engine.dispose()


def test_a_chain_the_file_scan_does_not_understand_is_left_to_alembic(tmp_path: Path):
    """A merge revision (a tuple of parents): the scan declines and Alembic names the head."""
    versions = tmp_path / "migrations" / "versions"
    versions.mkdir(parents=True)
    (tmp_path / "migrations" / "env.py").write_text("", encoding="utf-8")
    (tmp_path / "migrations" / "script.py.mako").write_text("", encoding="utf-8")
    stub = "revision = {rev!r}\ndown_revision = {down}\nbranch_labels = None\ndepends_on = None\n" \
           "def upgrade():\n    pass\ndef downgrade():\n    pass\n"
    (versions / "a.py").write_text(stub.format(rev="a", down="None"), encoding="utf-8")
    (versions / "b.py").write_text(stub.format(rev="b", down="'a'"), encoding="utf-8")
    (versions / "c.py").write_text(stub.format(rev="c", down="'a'"), encoding="utf-8")
    (versions / "m.py").write_text(stub.format(rev="m", down="('b', 'c')"), encoding="utf-8")
    location = tmp_path / "migrations"
    assert migrate._scanned_head(location) is None
    assert migrate.head_revision(location) == _alembic_head(location) == "m"
