"""The audit chain's head is anchored: a signed checkpoint in the workspace and a copy beside the key. Cutting,
emptying or rewriting the chain with raw SQL is reported as such; a missing key is said, never passed silently."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from opsdesk.services.registry import initiatives
from opsdesk.services.workspace import checkpoints, integrity, lifecycle
from opsdesk.store import audit


def _workspace(tmp_path: Path, n: int = 8) -> Path:
    path = tmp_path / "anchored.opsdesk"
    ws = lifecycle.create(path, organisation="Test Org", actor="tester")
    for i in range(1, n + 1):
        initiatives.create(ws, {"code": f"AI-{i:04d}", "name": f"Initiative {i}"})
    ws.close()
    return path


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for s in statements:
            conn.execute(s)
    conn.close()


def _verify(path: Path, **kw) -> integrity.IntegrityReport:
    ws = lifecycle.open_workspace(path, read_only=True)
    try:
        return integrity.verify(ws, **kw)
    finally:
        ws.close()


def _rehash(path: Path) -> None:
    """What an attacker with SQL and this source does: change an event, recompute every hash after it."""
    conn = sqlite3.connect(path)
    rows = conn.execute("SELECT seq, at, actor, action, entity, entity_id, before, after, note, record_states "
                        "FROM audit_event ORDER BY seq").fetchall()
    prev = audit.GENESIS
    with conn:
        for seq, at, actor, action, entity, entity_id, before, after, note, states in rows:
            if seq == 3:
                actor = "mallory"
            at_text = at.replace(" ", "T")[:19] + "Z"
            digest = audit.event_hash(seq=seq, at=at_text, actor=actor, action=action, entity=entity,
                                      entity_id=entity_id, before=json.loads(before) if before else None,
                                      after=json.loads(after) if after else None, note=note, prev_hash=prev,
                                      record_states=json.loads(states) if states else None)
            conn.execute("UPDATE audit_event SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?",
                         (actor, prev, digest, seq))
            prev = digest
    conn.close()


def test_an_untouched_workspace_verifies_with_its_checkpoint(tmp_path):
    path = _workspace(tmp_path)
    report = _verify(path)
    assert report.ok, report.findings
    assert not report.warnings
    assert any(line.startswith("checkpoint: event") for line in report.checked)


@pytest.mark.parametrize("removed", [1, 5])
def test_the_last_events_deleted_are_reported_as_truncation(tmp_path, removed):
    path = _workspace(tmp_path)
    _sql(path, f"DELETE FROM audit_event WHERE seq > (SELECT max(seq) FROM audit_event) - {removed}")
    report = _verify(path)
    assert not report.ok
    assert any("truncated" in f and f"{removed} event" in f for f in report.findings), report.findings


def test_truncation_is_seen_even_when_the_checkpoint_row_goes_too(tmp_path):
    path = _workspace(tmp_path)
    _sql(path, "DELETE FROM audit_event WHERE seq > (SELECT max(seq) FROM audit_event) - 2",
         "DELETE FROM audit_checkpoint")
    findings = _verify(path).findings
    assert any("no signed checkpoint" in f for f in findings)
    assert any("truncated" in f and "kept on this machine" in f for f in findings), findings


def test_an_emptied_chain_is_reported_as_emptied(tmp_path):
    path = _workspace(tmp_path)
    _sql(path, "DELETE FROM audit_event")
    findings = _verify(path).findings
    assert any("emptied" in f for f in findings), findings


def test_a_rewritten_chain_with_recomputed_hashes_is_reported(tmp_path):
    path = _workspace(tmp_path)
    _rehash(path)
    ws = lifecycle.open_workspace(path, read_only=True)
    assert audit.verify(ws).ok, "the chain alone cannot see it: that is what the checkpoint is for"
    ws.close()
    findings = _verify(path).findings
    assert any("re-hashed" in f for f in findings), findings


def test_a_forged_checkpoint_is_reported(tmp_path):
    path = _workspace(tmp_path)
    _sql(path, "DELETE FROM audit_event WHERE seq = (SELECT max(seq) FROM audit_event)",
         "UPDATE audit_checkpoint SET seq = seq - 1, head_hash = (SELECT hash FROM audit_event "
         "ORDER BY seq DESC LIMIT 1)")
    findings = _verify(path).findings
    assert any("does not match its signature" in f for f in findings), findings


def test_a_moved_workspace_says_its_checkpoint_cannot_be_checked(tmp_path, monkeypatch):
    path = _workspace(tmp_path)
    pub = tmp_path / "public.json"
    ws = lifecycle.open_workspace(path)
    from opsdesk.services.exchange import keys

    keys.export_public(ws, pub)
    ws.close()
    monkeypatch.setenv("OPSDESK_DATA_DIR", str(tmp_path / "another-machine"))
    report = _verify(path)
    assert report.ok and report.warnings, "nothing is wrong, but it must be said that it was not checked"
    assert any("cannot be checked" in w and "not on this machine" in w for w in report.warnings)
    checked = _verify(path, public_key_file=pub)
    assert checked.ok and not checked.warnings
    _rehash(path)
    assert any("re-hashed" in f for f in _verify(path, public_key_file=pub).findings)


def test_a_head_file_kept_elsewhere_checks_that_the_history_is_still_there(tmp_path):
    path = _workspace(tmp_path)
    ws = lifecycle.open_workspace(path)
    head_file, head = checkpoints.export_head(ws, tmp_path / "head.json")
    initiatives.create(ws, {"code": "AI-0100", "name": "Later"})
    ws.close()
    assert _verify(path, head_file=head_file).ok
    _sql(path, f"DELETE FROM audit_event WHERE seq >= {head.seq}", "DELETE FROM audit_checkpoint")
    findings = _verify(path, head_file=head_file).findings
    assert any("truncated" in f and "head.json" in f for f in findings), findings


def test_an_altered_head_file_is_refused(tmp_path):
    from opsdesk.errors import ValidationError

    path = _workspace(tmp_path)
    ws = lifecycle.open_workspace(path)
    head_file, _head = checkpoints.export_head(ws, tmp_path / "head.json")
    ws.close()
    doc = json.loads(head_file.read_text())
    doc["seq"] = 2
    head_file.write_text(json.dumps(doc))
    with pytest.raises(ValidationError, match="signature"):
        _verify(path, head_file=head_file)


def test_every_audited_commit_writes_a_signed_checkpoint(ws):
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
    with ws.read() as s:
        signed = checkpoints.stored_checkpoint(s)
        last = s.execute(audit.select(audit.AuditEvent.seq, audit.AuditEvent.hash)
                         .order_by(audit.AuditEvent.seq.desc()).limit(1)).one()
    assert signed is not None and (signed.seq, signed.head) == (last[0], last[1])
    report = integrity.verify(ws)
    assert report.ok and not report.warnings, report.lines()


def test_copying_the_workspace_keeps_it_verifiable(tmp_path):
    path = _workspace(tmp_path)
    copy = tmp_path / "copy.opsdesk"
    shutil.copyfile(path, copy)
    assert _verify(copy).ok
    assert hashlib.sha256(path.read_bytes()).digest()


def test_an_unusable_key_does_not_lose_the_edit_and_verify_says_the_head_is_unsigned(tmp_path):
    from opsdesk.services.workspace import keyfile

    path = _workspace(tmp_path, n=1)
    ws = lifecycle.open_workspace(path)
    with ws.read() as s:
        signed = checkpoints.stored_checkpoint(s)
    assert signed is not None
    keyfile.key_path(signed.workspace_uuid).write_text("not a key")
    ws.checkpointer = checkpoints.Checkpointer()  # no key cached in this process
    initiatives.create(ws, {"code": "AI-0100", "name": "Saved all the same"})
    ws.close()
    findings = _verify(path).findings
    assert any("appended without a signed checkpoint" in f for f in findings), findings
