"""Restore checks what it restores (reconciliation and a read of every text cell, before anything is replaced)
and can restore what OpsDesk itself wrote: the ``.pre-REV.bak`` copy kept before a schema upgrade."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command

from opsdesk.errors import WorkspaceError
from opsdesk.services.registry import initiatives
from opsdesk.services.workspace import backups, integrity, lifecycle
from opsdesk.store import audit, migrate
from opsdesk.store.engine import make_engine, sqlite_url


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for s in statements:
            conn.execute(s)
    conn.close()


@pytest.fixture
def pair(sqlite_ws, tmp_path) -> tuple[Path, Path]:
    """(the workspace, a good backup of it taken before a later change)."""
    initiatives.create(sqlite_ws, {"code": "AI-0001", "name": "Before the backup"})
    saved = lifecycle.backup(sqlite_ws, tmp_path / "saved.opsdesk")
    initiatives.create(sqlite_ws, {"code": "AI-0002", "name": "After the backup"})
    location = Path(sqlite_ws.location)
    sqlite_ws.close()
    return location, saved


def _unchanged(location: Path, tmp_path: Path, before: bytes) -> None:
    assert location.read_bytes() == before
    assert not list(tmp_path.glob("*.replaced-*")), "nothing replaced, nothing kept"
    assert not list(tmp_path.glob(".*restore-*")), "no staging folder left behind"


def test_a_backup_whose_records_were_edited_with_sql_is_refused(pair, tmp_path):
    location, saved = pair
    _sql(saved, "UPDATE initiative SET name = 'Quietly renamed' WHERE code = 'AI-0001'")
    before = location.read_bytes()
    with pytest.raises(WorkspaceError, match=r"cannot be restored: record changed outside OpsDesk: initiative "
                                             r"AI-0001 .*field name"):
        backups.restore(saved, location)
    _unchanged(location, tmp_path, before)


def test_a_backup_with_a_row_deleted_with_sql_is_refused(pair, tmp_path):
    location, saved = pair
    _sql(saved, "DELETE FROM initiative WHERE code = 'AI-0001'")
    before = location.read_bytes()
    with pytest.raises(WorkspaceError, match="record deleted outside OpsDesk: initiative AI-0001"):
        backups.restore(saved, location)
    _unchanged(location, tmp_path, before)


def test_a_backup_with_corrupt_text_is_refused(pair, tmp_path):
    location, saved = pair
    _sql(saved, "UPDATE audit_event SET note = CAST(X'6F6BC328' AS TEXT) WHERE seq = 1")
    before = location.read_bytes()
    with pytest.raises(WorkspaceError, match=r"audit_event \(seq 1\), field note is not valid UTF-8"):
        backups.restore(saved, location)
    _unchanged(location, tmp_path, before)


def test_a_truncated_backup_is_refused(pair, tmp_path):
    location, saved = pair
    _sql(saved, "DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)")
    before = location.read_bytes()
    with pytest.raises(WorkspaceError, match="truncated"):
        backups.restore(saved, location)
    _unchanged(location, tmp_path, before)


def test_restoring_an_older_backup_leaves_a_workspace_that_verifies(pair):
    location, saved = pair
    backups.restore(saved, location)
    ws = lifecycle.open_workspace(location)
    try:
        report = integrity.verify(ws)
        assert report.ok and not report.warnings, report.lines()
        assert [r.code for r in initiatives.list_rows(ws)] == ["AI-0001"]
    finally:
        ws.close()


def _old_schema_workspace(path: Path, revision: str = "0901") -> None:
    """A workspace as an OpsDesk of schema ``revision`` wrote it: its tables, its record, one audit event."""
    engine = make_engine(sqlite_url(path))
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
    after = {"organisation": "Old", "default_currency": "EUR"}
    digest = audit.event_hash(seq=1, at="2025-01-01T00:00:00Z", actor="old", action="create", entity="workspace",
                              entity_id="workspace", before=None, after=after, note="", prev_hash=audit.GENESIS)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO workspace_info (organisation, default_currency, classification_scheme, "
                             "fiscal_year_start_month, created_at) VALUES ('Old', 'EUR', '[\"OFFICIAL\"]', 1, "
                             "'2025-01-01 00:00:00')")
        conn.exec_driver_sql(
            "INSERT INTO audit_event (seq, at, actor, action, entity, entity_id, before, after, prev_hash, hash, "
            "note) VALUES (1, '2025-01-01 00:00:00.000000', 'old', 'create', 'workspace', 'workspace', NULL, ?, "
            "?, ?, '')", (json.dumps(after, sort_keys=True), audit.GENESIS, digest))
    engine.dispose()


def test_the_backup_written_before_a_migration_can_be_restored(tmp_path):
    path = tmp_path / "old.opsdesk"
    _old_schema_workspace(path)
    ws = lifecycle.open_workspace(path)  # upgrades, after writing old.opsdesk.pre-0901.bak
    initiatives.create(ws, {"code": "AI-0001", "name": "Written after the upgrade"})
    ws.close()
    (bak,) = tmp_path.glob("old.opsdesk.pre-0901*.bak")

    result = backups.restore(bak, path)
    assert result.upgraded_from == "0901" and result.kept is not None
    ws = lifecycle.open_workspace(path)
    try:
        assert initiatives.list_rows(ws) == []
        report = integrity.verify(ws)
        assert report.ok and not report.warnings, report.lines()
    finally:
        ws.close()
    assert backups.verify_file(result.kept) >= 2


def test_a_tampered_pre_migration_backup_is_refused(tmp_path):
    path = tmp_path / "old.opsdesk"
    _old_schema_workspace(path)
    lifecycle.open_workspace(path).close()
    (bak,) = tmp_path.glob("old.opsdesk.pre-0901*.bak")
    shutil.copyfile(bak, tmp_path / "copy.bak")
    _sql(bak, "UPDATE audit_event SET actor = 'mallory'")
    before = path.read_bytes()
    with pytest.raises(WorkspaceError, match="audit chain broken at event 1"):
        backups.restore(bak, path)
    assert path.read_bytes() == before
