"""The audit chain detects tampering; a failing migration leaves the workspace exactly as it was."""

from __future__ import annotations

import shutil
import sqlite3
import textwrap
from pathlib import Path

import pytest

from opsdesk.errors import WorkspaceError
from opsdesk.services.registry import initiatives
from opsdesk.services.workspace import lifecycle
from opsdesk.store import audit, migrate
from opsdesk.store.migrate import MIGRATIONS_DIR


def test_every_mutation_extends_a_valid_chain(ws):
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
    initiatives.update(ws, "AI-0001", {"name": "Claims triage"})
    report = audit.verify(ws)
    assert report.ok and report.events == 3
    hist = audit.history(ws, "initiative", "AI-0001")
    assert hist[0].before["name"] == "Triage" and hist[0].after["name"] == "Claims triage"


def test_tampered_row_is_named_by_sequence(sqlite_ws, tmp_path):
    ws = sqlite_ws
    for i in range(1, 4):
        initiatives.create(ws, {"code": f"AI-000{i}", "name": f"Initiative {i}"})
    ws.close()
    with sqlite3.connect(tmp_path / "test.opsdesk") as conn:
        conn.execute("UPDATE audit_event SET actor = 'mallory' WHERE seq = 3")
    conn.close()
    w = lifecycle.open_workspace(tmp_path / "test.opsdesk")
    report = audit.verify(w)
    w.close()
    assert not report.ok and report.broken_seq == 3


def test_deleted_audit_row_is_detected(sqlite_ws, tmp_path):
    ws = sqlite_ws
    for i in range(1, 4):
        initiatives.create(ws, {"code": f"AI-000{i}", "name": f"Initiative {i}"})
    ws.close()
    with sqlite3.connect(tmp_path / "test.opsdesk") as conn:
        conn.execute("DELETE FROM audit_event WHERE seq = 2")
    conn.close()
    w = lifecycle.open_workspace(tmp_path / "test.opsdesk")
    report = audit.verify(w)
    w.close()
    assert report.broken_seq == 2


def _snapshot(path: Path):
    with sqlite3.connect(path) as conn:
        schema = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        version = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        rows = {t: conn.execute(f'SELECT * FROM "{t}"').fetchall()
                for (kind, t, _sql) in schema if kind == "table"}
    conn.close()
    return schema, version, rows


def test_failing_migration_leaves_workspace_exactly_as_it_was(sqlite_ws, tmp_path):
    ws = sqlite_ws
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
    ws.close()
    path = tmp_path / "test.opsdesk"
    before = _snapshot(path)

    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, scripts)
    head = migrate.head_revision()  # the broken revision goes on top of whatever the current head is
    (scripts / "versions" / "9999_broken.py").write_text(textwrap.dedent(f'''
        from alembic import op
        import sqlalchemy as sa

        revision = "9999"
        down_revision = "{head}"
        branch_labels = None
        depends_on = None


        def upgrade():
            op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
            with op.batch_alter_table("initiative") as batch:
                batch.add_column(sa.Column("extra", sa.Integer, nullable=True))
            op.execute("INSERT INTO half_done (id) VALUES (1)")
            raise RuntimeError("simulated failure half-way through the migration")


        def downgrade():
            pass
    '''))
    with pytest.raises(WorkspaceError, match="rolled back"):
        lifecycle.open_workspace(path, migrations=scripts)
    after = _snapshot(path)
    assert after == before
    assert not [name for (_k, name, _s) in after[0] if name.startswith("_alembic_tmp")]
    backups = list(tmp_path.glob(f"test.opsdesk.pre-{head}*.bak"))
    assert backups, "a backup copy is made before migrating"


def test_opening_a_file_that_is_not_a_workspace_says_so(tmp_path):
    junk = tmp_path / "notes.opsdesk"
    junk.write_text("meeting notes")
    with pytest.raises(WorkspaceError, match="not an OpsDesk workspace"):
        lifecycle.open_workspace(junk)


def test_backup_is_a_sound_copy(sqlite_ws, tmp_path):
    ws = sqlite_ws
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
    dest = lifecycle.backup(ws, tmp_path / "copy.opsdesk")
    copy = lifecycle.open_workspace(dest)
    assert [r.code for r in initiatives.list_rows(copy)] == ["AI-0001"]
    assert audit.verify(copy).ok
    copy.close()
