"""Revision 0701 (agenda-item options and recommendation, a decision's correction reason) upgrades a workspace
that has meetings and decisions, and downgrades cleanly."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from opsdesk.domain.enums import AgendaKind
from opsdesk.services.committee import meetings as committee
from opsdesk.services.registry import people
from opsdesk.services.workspace import lifecycle
from opsdesk.store import migrate


def _columns(path: Path, table: str) -> set[str]:
    with sqlite3.connect(path) as conn:
        cols = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
    conn.close()
    return cols


def test_workspace_with_decisions_survives_down_and_up(sqlite_ws, tmp_path: Path):
    from alembic import command

    ws = sqlite_ws
    voters = [people.create(ws, {"name": f"M{i}", "email": f"m{i}@x.gov", "discipline": d,
                                 "committee_role": "member"}).id
              for i, d in enumerate(("data", "ml", "finance", "executive"))]
    mid = committee.create_meeting(ws, {"title": "Q1"}, dt.datetime(2026, 1, 10, 10, tzinfo=dt.UTC))
    committee.set_attendance(ws, mid, voters)
    item = committee.add_item(ws, mid, AgendaKind.REVIEW, "Review", options="A\nB", recommendation="A")
    committee.record_decision(ws, item, "noted", votes={v: "for" for v in voters})
    engine = ws.engine
    path = tmp_path / "test.opsdesk"
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0701-1")  # one step down: the revision before 0701
    ws.close()
    assert "options" not in _columns(path, "agenda_item") and "correction_reason" not in _columns(path, "decision")

    reopened = lifecycle.open_workspace(path, actor="tester")
    try:
        assert {"options", "recommendation"} <= _columns(path, "agenda_item")
        it = committee.get_meeting(reopened, mid).items[0]
        assert it.options == "" and it.recommendation == "" and it.decision is not None
        assert it.decision.correction_reason == "" and it.decision.tally.for_ == 4
    finally:
        reopened.close()
