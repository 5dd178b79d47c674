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
