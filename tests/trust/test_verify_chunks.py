"""``opsdesk verify`` reads the chain in ranges (in worker processes for a long chain): a cut or an edit exactly
where two ranges meet — the first or the last event of a range — is caught as surely as one inside a range."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

CHUNK = 7  # events per range in these tests (the chain below holds about 30)


@pytest.fixture
def chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle
    from opsdesk.store import chain_scan

    monkeypatch.setattr(chain_scan, "CHUNK_EVENTS", CHUNK)
    monkeypatch.setattr(chain_scan, "PARALLEL_FROM", 1)
    monkeypatch.setenv("OPSDESK_VERIFY_WORKERS", "2")
    path = tmp_path / "chain.opsdesk"
    ws = lifecycle.create(path, organisation="Org", actor="tester")
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
    for i in range(25):
        initiatives.update(ws, "AI-0001", {"owner": f"owner {i}"})
    ws.close()
    assert _verify(path).ok
    return path


def _verify(path: Path):
    from opsdesk.services.workspace import integrity, lifecycle

    ws = lifecycle.open_workspace(path, read_only=True)
    try:
        return integrity.verify(ws)
    finally:
        ws.close()


def _sql(path: Path, statement: str, *args: object) -> None:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(statement, args)
    conn.close()


# ranges are 1–7, 8–14, 15–21, …: 8 and 15 open a range, 14 and 21 close one
@pytest.mark.parametrize("seq", [8, 14, 15, 21])
def test_an_event_altered_at_a_range_boundary_is_caught(chain: Path, seq: int):
    _sql(chain, "UPDATE audit_event SET note = 'rewritten' WHERE seq = ?", seq)
    report = _verify(chain)
    assert not report.ok
    assert f"audit chain broken at event {seq}: event {seq} was altered" in "\n".join(report.findings)


@pytest.mark.parametrize("seq", [8, 14, 15])
def test_an_event_cut_at_a_range_boundary_is_caught(chain: Path, seq: int):
    _sql(chain, "DELETE FROM audit_event WHERE seq = ?", seq)
    report = _verify(chain)
    assert f"audit chain broken at event {seq}: event {seq} is missing" in "\n".join(report.findings)


@pytest.mark.parametrize("seq", [8, 15])
def test_a_relinked_event_opening_a_range_is_caught(chain: Path, seq: int):
    """The first event of a range rewritten to link elsewhere (and rehashed): only the join of two ranges sees it."""
    from opsdesk.store import audit

    conn = sqlite3.connect(chain)
    row = conn.execute("SELECT seq, at, actor, action, entity, entity_id, before, after, note, record_states "
                       "FROM audit_event WHERE seq = ?", (seq,)).fetchone()
    import json

    fake_prev = "f" * 64
    digest = audit.event_hash(seq=row[0], at=row[1].replace(" ", "T")[:19] + "Z", actor=row[2], action=row[3],
                              entity=row[4], entity_id=row[5], before=json.loads(row[6]) if row[6] else None,
                              after=json.loads(row[7]) if row[7] else None, note=row[8], prev_hash=fake_prev,
                              record_states=json.loads(row[9]) if row[9] else None)
    with conn:
        conn.execute("UPDATE audit_event SET prev_hash = ?, hash = ? WHERE seq = ?", (fake_prev, digest, seq))
    conn.close()
    report = _verify(chain)
    assert f"audit chain broken at event {seq}: event {seq} does not link" in "\n".join(report.findings)


def test_a_record_edited_behind_the_audit_is_named_when_the_chain_is_read_in_ranges(chain: Path):
    _sql(chain, "UPDATE initiative SET owner = 'Mallory' WHERE code = 'AI-0001'")
    report = _verify(chain)
    assert any("AI-0001" in f and "owner" in f and "owner 24" in f for f in report.findings), report.findings
