"""Restore verifies a backup before it replaces anything and keeps the replaced file; automatic backups keep
the last N copies."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from opsdesk.errors import WorkspaceError
from opsdesk.services.registry import initiatives
from opsdesk.services.workspace import backups, instance_lock, lifecycle
from opsdesk.store import audit


def _names(path: Path) -> list[str]:
    w = lifecycle.open_workspace(path, read_only=True)
    try:
        return [r.name for r in initiatives.list_rows(w)]
    finally:
        w.close()


def test_restore_brings_back_the_backup_and_keeps_the_replaced_file(sqlite_ws, tmp_path):
    initiatives.create(sqlite_ws, {"code": "AI-0001", "name": "Before the backup"})
    saved = lifecycle.backup(sqlite_ws, tmp_path / "saved.opsdesk")
    initiatives.create(sqlite_ws, {"code": "AI-0002", "name": "After the backup"})
    location = Path(sqlite_ws.location)
    sqlite_ws.close()

    result = backups.restore(saved, location)
    assert _names(location) == ["Before the backup"]
    assert result.kept is not None and result.kept.exists()
    assert _names(result.kept) == ["Before the backup", "After the backup"], "the replaced file is kept whole"
    w = lifecycle.open_workspace(location)
    assert audit.verify(w).ok
    w.close()


def _tamper(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE audit_event SET actor = 'mallory' WHERE seq = 2")
    conn.close()


def test_restore_refuses_a_backup_whose_audit_chain_is_broken(sqlite_ws, tmp_path):
    initiatives.create(sqlite_ws, {"code": "AI-0001", "name": "Kept"})
    bad = lifecycle.backup(sqlite_ws, tmp_path / "bad.opsdesk")
    location = Path(sqlite_ws.location)
    sqlite_ws.close()
    _tamper(bad)
    before = location.read_bytes()
    with pytest.raises(WorkspaceError, match="audit chain broken at event 2"):
        backups.restore(bad, location)
    assert location.read_bytes() == before
    assert not list(tmp_path.glob("*.replaced-*")), "nothing replaced, nothing kept"


def test_restore_refuses_a_damaged_file(sqlite_ws, tmp_path):
    location = Path(sqlite_ws.location)
    sqlite_ws.close()
    junk = tmp_path / "junk.opsdesk"
    junk.write_bytes(b"SQLite format 3\x00" + b"\x00" * 4000)
    with pytest.raises(WorkspaceError, match="cannot be restored"):
        backups.restore(junk, location)
    text = tmp_path / "notes.opsdesk"
    text.write_text("minutes of the meeting")
    with pytest.raises(WorkspaceError, match="not an OpsDesk workspace"):
        backups.restore(text, location)


def test_restore_refuses_while_another_process_has_the_workspace(sqlite_ws, tmp_path):
    saved = lifecycle.backup(sqlite_ws, tmp_path / "saved.opsdesk")
    held = instance_lock.acquire(sqlite_ws.location)  # a second open file description: flock sees another owner
    assert held is not None
    try:
        with pytest.raises(WorkspaceError, match="open in another OpsDesk process"):
            backups.restore(saved, sqlite_ws.location)
    finally:
        held.release()


def test_automatic_backups_keep_the_last_n(sqlite_ws):
    made = [backups.auto_backup(sqlite_ws, keep=3) for _ in range(5)]
    kept = backups.list_auto_backups(sqlite_ws.location)
    assert len(kept) == 3 and kept == sorted(made[-3:], reverse=True)
    assert all(p.parent == Path(sqlite_ws.location).with_name("test.opsdesk.backups") for p in kept)
    assert backups.verify_file(kept[0]) >= 1
    assert backups.auto_backup(sqlite_ws, keep=0) is None
