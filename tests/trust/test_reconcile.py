"""Reconciliation: a record changed, deleted or inserted with SQL beside OpsDesk is named by verify (table, key,
field), while everything OpsDesk itself writes reconciles."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from opsdesk.services.registry import initiatives, objectives, people
from opsdesk.services.workspace import integrity, lifecycle


def _sql(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for s in statements:
            conn.execute(s)
    conn.close()


def _verify(path: Path) -> integrity.IntegrityReport:
    ws = lifecycle.open_workspace(path, read_only=True)
    try:
        return integrity.verify(ws)
    finally:
        ws.close()


@pytest.fixture
def register(tmp_path: Path) -> Path:
    path = tmp_path / "register.opsdesk"
    ws = lifecycle.create(path, organisation="Test Org", actor="tester")
    objectives.create(ws, {"code": "OBJ-01", "title": "Faster services"})
    people.create(ws, {"name": "Ann Analyst", "email": "ann@example.org", "discipline": "data"})
    initiatives.create(ws, {"code": "AI-0001", "name": "Triage", "budget": Decimal("250000.00")})
    initiatives.create(ws, {"code": "AI-0002", "name": "Forecast"})
    initiatives.update(ws, "AI-0001", {"owner": "Ann"}, objectives={"OBJ-01": Decimal("0.5")})
    initiatives.set_team(ws, "AI-0002", {1: "lead"})
    ws.close()
    return path


def test_what_opsdesk_wrote_reconciles(register):
    report = _verify(register)
    assert report.ok, report.findings
    assert report.records >= 6


def test_a_budget_changed_with_sql_is_named_by_table_key_and_field(register):
    _sql(register, "UPDATE initiative SET budget = '999999' WHERE code = 'AI-0001'")
    findings = _verify(register).findings
    assert len(findings) == 1, findings
    assert "initiative AI-0001" in findings[0] and "budget" in findings[0] and "999999" in findings[0]


def test_a_row_deleted_with_sql_is_named(register):
    _sql(register, "PRAGMA foreign_keys = OFF", "DELETE FROM person WHERE email = 'ann@example.org'")
    findings = _verify(register).findings
    assert any("deleted" in f and "person" in f for f in findings), findings


def test_a_row_inserted_with_sql_is_named(register):
    conn = sqlite3.connect(register)
    cols = [c[1] for c in conn.execute("PRAGMA table_info(objective)") if c[1] not in ("id", "code")]
    conn.close()
    _sql(register, f"INSERT INTO objective (code, {', '.join(cols)}) SELECT 'OBJ-99', {', '.join(cols)} "
                   "FROM objective LIMIT 1")
    findings = _verify(register).findings
    assert any("inserted" in f and "OBJ-99" in f for f in findings), findings


def test_a_link_row_changed_with_sql_is_named(register):
    _sql(register, "UPDATE initiative_objective SET weight = '1'")
    findings = _verify(register).findings
    assert any("initiative_objective" in f and "weight" in f for f in findings), findings


def test_an_edit_through_opsdesk_after_sql_tampering_still_shows_it(register):
    _sql(register, "UPDATE initiative SET name = 'Renamed quietly' WHERE code = 'AI-0002'")
    ws = lifecycle.open_workspace(register)
    initiatives.update(ws, "AI-0001", {"owner": "Bob"})
    ws.close()
    findings = _verify(register).findings
    assert any("AI-0002" in f and "name" in f for f in findings), findings


def test_every_engine_reconciles_the_demo(demo_ws):
    report = integrity.verify(demo_ws)
    assert report.ok, report.findings[:5]


def test_rows_a_transaction_leaves_pending_are_recorded_too(ws):
    """A service that adds or changes rows without flushing them, and without an event of its own, still leaves
    the audit knowing their state (the transaction records them on an event before it commits)."""
    from opsdesk.store.models import Objective

    objectives.create(ws, {"code": "OBJ-01", "title": "Faster services"})
    with ws.write() as tx:
        from sqlalchemy import select

        tx.session.scalar(select(Objective)).title = "Changed without an event"
    report = integrity.verify(ws)
    assert report.ok, report.findings
