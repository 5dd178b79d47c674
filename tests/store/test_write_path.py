"""The lean write path (issue 21): what an edit returns, what it keeps of the dashboard summary, and the
durability setting every workspace opened on this machine commits with."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text


def test_an_export_keeps_the_dashboard_summary_and_an_edit_replaces_it(tmp_path: Path):
    from opsdesk.analytics import summary
    from opsdesk.services.finance import focus_export
    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle

    ws = lifecycle.create(tmp_path / "w.opsdesk", organisation="Org", actor="tester")
    try:
        initiatives.create(ws, {"code": "AI-0001", "name": "Triage"})
        assert summary.warm(ws) and summary.count(ws) == 1
        focus_export.export_focus(ws, tmp_path / "costs.csv")  # writes an audit event, changes no record
        assert set(summary.load(ws).seconds) == {"summary"}, "an export made the dashboard compute again"
        assert summary.count(ws) == 1
        initiatives.update(ws, "AI-0001", {"owner": "Ada"})
        assert set(summary.load(ws).seconds) != {"summary"}, "an edit left the old dashboard standing"
    finally:
        ws.close()


def test_an_edit_returns_the_whole_record_with_its_links(demo_ws):
    from opsdesk.services.registry import initiatives

    code = initiatives.codes(demo_ws)[0]
    shown = initiatives.get(demo_ws, code)
    assert shown.objectives or shown.team or shown.stage_history, "the demo initiative has no links to compare"
    edited = initiatives.update(demo_ws, code, {"owner": "Someone Else"})
    assert edited.owner == "Someone Else"
    assert sorted(edited.objectives) == sorted(shown.objectives)
    assert sorted(edited.team, key=lambda m: m.person_id) == sorted(shown.team, key=lambda m: m.person_id)
    assert edited.stage_history == shown.stage_history
    assert edited == initiatives.get(demo_ws, code)


def _synchronous(path: Path) -> int:
    from opsdesk.services.workspace import lifecycle

    ws = lifecycle.open_workspace(path, actor="tester")
    try:
        with ws.engine.connect() as conn:
            return int(conn.execute(text("PRAGMA synchronous")).scalar() or -1)
    finally:
        ws.close()


def test_durability_full_makes_every_workspace_commit_with_synchronous_full(tmp_path: Path, capsys):
    from opsdesk.cli import main
    from opsdesk.services.workspace import lifecycle

    path = tmp_path / "w.opsdesk"
    lifecycle.create(path, organisation="Org", actor="tester").close()
    assert _synchronous(path) == 1  # NORMAL by default
    assert main(["settings", "durability"]) == 0
    assert "durability: normal" in capsys.readouterr().out
    assert main(["settings", "durability", "full"]) == 0
    assert "durability: full" in capsys.readouterr().out
    assert _synchronous(path) == 2  # FULL
    assert main(["settings", "durability", "normal"]) == 0
    assert _synchronous(path) == 1


def _edited_workspace(ws):
    from opsdesk.services.registry import initiatives

    initiatives.create(ws, {"code": "AI-0001", "name": "Triage", "owner": "Ada"})
    return ws


def _statements(ws):
    """The SQL statements the engine runs while the ``with`` block runs (a list filled as they run)."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        seen: list[str] = []

        def count(_conn, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(ws.engine, "before_cursor_execute", count)
        try:
            yield seen
        finally:
            event.remove(ws.engine, "before_cursor_execute", count)

    return counting()


def test_an_edit_writes_one_event_with_the_fields_before_and_after(ws):
    from opsdesk.services.registry import initiatives
    from opsdesk.store import audit

    _edited_workspace(ws)
    before = initiatives.get(ws, "AI-0001")
    head = audit.recent(ws, 1)[0].seq
    edited = initiatives.update(ws, "AI-0001", {"owner": "Grace", "budget": "1200.50"})
    events = [e for e in audit.recent(ws, 10) if e.seq > head]
    assert [(e.action, e.entity, e.entity_id) for e in events] == [("update", "initiative", "AI-0001")]
    changes = {name: (old, new) for name, old, new in events[0].changes()}
    assert changes == {"owner": ("Ada", "Grace"), "budget": ("0", "1200.50"),
                       "version": (before.version, before.version + 1)}
    assert events[0].before["code"] == events[0].after["code"] == "AI-0001"  # the whole row, both sides
    assert edited.owner == "Grace" and str(edited.budget) == "1200.50" and edited.version == before.version + 1
    assert edited == initiatives.get(ws, "AI-0001")
    assert audit.verify(ws).ok


def test_an_edit_that_changes_nothing_writes_no_event(ws):
    from opsdesk.services.registry import initiatives
    from opsdesk.store import audit

    _edited_workspace(ws)
    n = audit.count(ws)
    same = initiatives.update(ws, "AI-0001", {"owner": "Ada"})
    assert audit.count(ws) == n and same.owner == "Ada" and same.version == 1


def test_a_refused_edit_leaves_the_record_and_the_chain_as_they_were(ws):
    import pytest

    from opsdesk.errors import ConflictError, ValidationError
    from opsdesk.services.registry import initiatives
    from opsdesk.store import audit

    _edited_workspace(ws)
    initiatives.create(ws, {"code": "AI-0002", "name": "Other"})
    shown, n = initiatives.get(ws, "AI-0001"), audit.count(ws)
    with pytest.raises(ValidationError):
        initiatives.update(ws, "AI-0001", {"owner": "Grace", "budget": "not money"})
    with pytest.raises(ValidationError):
        initiatives.update(ws, "AI-0001", {"owner": "Grace", "code": "AI-0002"})  # taken
    with pytest.raises(ConflictError, match="Triage|version"):
        initiatives.update(ws, "AI-0001", {"owner": "Grace"}, expected_version=shown.version + 5)
    assert initiatives.get(ws, "AI-0001") == shown
    assert audit.count(ws) == n and audit.verify(ws).ok


def test_a_stale_version_names_what_the_other_person_changed(ws):
    import pytest

    from opsdesk.errors import ConflictError
    from opsdesk.services.registry import initiatives

    _edited_workspace(ws)
    initiatives.update(ws, "AI-0001", {"owner": "Grace"}, expected_version=1)
    with pytest.raises(ConflictError, match="owner: 'Ada' → 'Grace'"):
        initiatives.update(ws, "AI-0001", {"sponsor": "Linus"}, expected_version=1)
    assert initiatives.get(ws, "AI-0001").sponsor == ""


def test_an_edit_runs_its_few_statements_without_the_orm(ws):
    """One read of the row, one UPDATE, the chain's head and one INSERT, the record's three link lists, the
    signed checkpoint and the write counter (PostgreSQL: and the chain's lock) — and no ORM query, lazy load or
    flush among them."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from opsdesk.services.registry import initiatives

    _edited_workspace(ws)
    orm: list[str] = []

    def on_orm(state):
        orm.append(str(state.statement))

    def on_flush(_session, _context):
        orm.append("flush")

    event.listen(Session, "do_orm_execute", on_orm)
    event.listen(Session, "before_flush", on_flush)
    try:
        initiatives.update(ws, "AI-0001", {"owner": "warm-up"})
        with _statements(ws) as seen:
            initiatives.update(ws, "AI-0001", {"owner": "Grace"})
        assert len(seen) <= 9 + (ws.engine.dialect.name == "postgresql"), seen
        assert orm == []
    finally:
        event.remove(Session, "do_orm_execute", on_orm)
        event.remove(Session, "before_flush", on_flush)


def test_the_driver_path_stores_what_sqlalchemy_would(tmp_path: Path, monkeypatch):
    """SQLite's edit statements run straight on the cursor: the rows, the events and the checkpoint they leave are
    the ones ``conn.execute`` leaves (dates, Decimals, JSON, accents), and the chain verifies."""
    import datetime as dt
    import sqlite3

    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle
    from opsdesk.store import audit, queries
    from opsdesk.store.workspace import FixedStepClock

    def written(name: str) -> list:
        ws = lifecycle.create(tmp_path / name, organisation="Org", actor="tester")
        ws.clock = FixedStepClock(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
        try:
            initiatives.create(ws, {"code": "AI-0001", "name": "Triage", "budget": "12.5", "tags": ["a", "é"]})
            initiatives.update(ws, "AI-0001", {"owner": "Zoë", "budget": "99.10", "start_date": "2026-02-03"})
            assert audit.verify(ws).ok
        finally:
            ws.close()
        db = sqlite3.connect(tmp_path / name)
        try:
            return [db.execute("SELECT seq, typeof(at), at, before, after, record_states FROM audit_event "
                               "WHERE seq > 1 ORDER BY seq").fetchall(),
                    db.execute("SELECT * FROM initiative").fetchall(),
                    db.execute("SELECT typeof(seq), typeof(signed_at) FROM audit_checkpoint").fetchall(),
                    db.execute("SELECT * FROM data_version ORDER BY id").fetchall()]
        finally:
            db.close()

    plain = written("plain.opsdesk")
    monkeypatch.setattr(queries, "run_plain", lambda conn, stmt, params: conn.execute(stmt, params))
    assert written("core.opsdesk") == plain
