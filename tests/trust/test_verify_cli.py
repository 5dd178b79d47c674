"""``opsdesk verify`` and ``opsdesk restore`` as a user runs them, after tampering with raw sqlite3 SQL: every
cut, rewrite or edit behind the audit's back is reported in one line and exits 1; restore refuses such backups."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def opsdesk(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = os.environ | {"QT_QPA_PLATFORM": "offscreen"} | (env or {})
    return subprocess.run([sys.executable, "-m", "opsdesk", *args], capture_output=True, text=True,
                          env=full_env, timeout=300)


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for s in statements:
            conn.execute(s)
    conn.close()


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A workspace with a few initiatives, written by OpsDesk itself (so this machine holds its key)."""
    from decimal import Decimal

    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle

    path = tmp_path / "small.opsdesk"
    ws = lifecycle.create(path, organisation="Test Org", actor="tester")
    for i in range(1, 9):
        initiatives.create(ws, {"code": f"AI-{i:04d}", "name": f"Initiative {i}", "budget": Decimal(1000 * i)})
    ws.close()
    assert opsdesk("verify", "-w", str(path)).returncode == 0
    return path


@pytest.mark.parametrize("removed", [1, 5])
def test_verify_reports_the_last_events_deleted(small, removed):
    _sql(small, f"DELETE FROM audit_event WHERE seq > (SELECT max(seq) FROM audit_event) - {removed}")
    r = opsdesk("verify", "-w", str(small))
    assert r.returncode == 1, r.stdout
    assert "truncated" in r.stderr and "Traceback" not in r.stderr


def test_verify_reports_an_emptied_chain(small):
    _sql(small, "DELETE FROM audit_event")
    r = opsdesk("verify", "-w", str(small))
    assert r.returncode == 1, r.stdout
    assert "emptied" in r.stderr


def test_verify_names_a_budget_changed_with_sql(small):
    _sql(small, "UPDATE initiative SET budget = '999999' WHERE code = 'AI-0003'")
    r = opsdesk("verify", "-w", str(small))
    assert r.returncode == 1, r.stdout
    line = next(x for x in r.stderr.splitlines() if "AI-0003" in x)
    assert "initiative" in line and "budget" in line


def test_verify_says_when_the_key_is_not_on_this_machine(small, tmp_path):
    r = opsdesk("verify", "-w", str(small), env={"OPSDESK_DATA_DIR": str(tmp_path / "elsewhere")})
    assert "cannot be checked" in r.stdout + r.stderr


def test_audit_head_and_verify_head(small, tmp_path):
    head = tmp_path / "head.json"
    r = opsdesk("audit", "head", "--out", str(head), "-w", str(small))
    assert r.returncode == 0 and head.exists(), r.stderr
    assert opsdesk("verify", "--head", str(head), "-w", str(small)).returncode == 0
    _sql(small, "DELETE FROM audit_event WHERE seq > 3", "DELETE FROM audit_checkpoint")
    r = opsdesk("verify", "--head", str(head), "-w", str(small), env={"OPSDESK_DATA_DIR": str(tmp_path / "x")})
    assert r.returncode == 1 and "truncated" in r.stderr and "head.json" in r.stderr


def test_restore_refuses_a_backup_edited_with_sql(small, tmp_path):
    backup = tmp_path / "edited.opsdesk"
    shutil.copyfile(small, backup)
    _sql(backup, "UPDATE initiative SET budget = '1' WHERE code = 'AI-0001'")
    before = small.read_bytes()
    r = opsdesk("restore", str(backup), "-w", str(small))
    assert r.returncode == 2 and "budget" in r.stderr and r.stderr.count("\n") == 1, r.stderr
    assert small.read_bytes() == before


def test_restore_refuses_a_backup_with_corrupt_text(small, tmp_path):
    backup = tmp_path / "corrupt.opsdesk"
    shutil.copyfile(small, backup)
    _sql(backup, "UPDATE initiative SET problem = CAST(X'4E6FFF' AS TEXT) WHERE code = 'AI-0002'")
    before = small.read_bytes()
    r = opsdesk("restore", str(backup), "-w", str(small))
    assert r.returncode == 2 and "UTF-8" in r.stderr and "initiative" in r.stderr, r.stderr
    assert small.read_bytes() == before


def test_verify_reports_a_damaged_file_as_findings(small, tmp_path):
    """A page of the chain overwritten on disk: verify says the file cannot be read whole and what SQLite's
    integrity check finds, and exits 1 (a finding), never with a traceback."""
    damaged = tmp_path / "damaged.opsdesk"
    shutil.copyfile(small, damaged)
    conn = sqlite3.connect(damaged)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'audit_event'").fetchone()[0]
    conn.close()
    with damaged.open("r+b") as f:
        f.seek((root - 1) * page_size + 8)  # its cell pointers
        f.write(b"\xff" * 200)
    r = opsdesk("verify", "-w", str(damaged))
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "the workspace cannot be read whole" in r.stderr
    assert "database integrity check failed" in r.stderr
