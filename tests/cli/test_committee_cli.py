"""opsdesk brief and opsdesk meetings list, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import opsdesk


def test_cli_brief_gives_the_same_bytes_as_the_service_the_window_uses(demo_path: Path, tmp_path: Path):
    from opsdesk.services.committee import exports
    from opsdesk.services.workspace import lifecycle

    cli_pdf = tmp_path / "cli.pdf"
    r = opsdesk("brief", "--workspace", str(demo_path), "--initiative", "AI-0003", "--out", str(cli_pdf), check=True)
    assert "OPS-BRF-AI-0003" in r.stdout
    ws = lifecycle.open_workspace(demo_path, actor="gui")
    try:
        gui = exports.export(ws, tmp_path / "gui.pdf", initiative="AI-0003")
    finally:
        ws.close()
    assert cli_pdf.read_bytes() == (tmp_path / "gui.pdf").read_bytes()
    assert (tmp_path / "cli.pdf.sha256").read_text().split()[0] == gui.sha256


def test_cli_meeting_pack_minutes_and_meetings_list(demo_path: Path, tmp_path: Path):
    listed = json.loads(opsdesk("meetings", "list", "--json", "--workspace", str(demo_path), check=True).stdout)
    assert len(listed) == 9 and {m["status"] for m in listed} == {"closed", "held", "planned"}
    first = listed[0]
    assert set(first) >= {"id", "title", "starts_at", "status", "decisions"}
    assert first["decisions"] and {"outcome", "for", "against", "abstain", "recused"} <= set(first["decisions"][0])
    table = opsdesk("meetings", "list", "--workspace", str(demo_path), check=True).stdout
    assert "Q1 2027" in table and "planned" in table
    minutes = tmp_path / "m.pdf"
    opsdesk("brief", "--workspace", str(demo_path), "--meeting", str(first["id"]), "--minutes", "--out",
            str(minutes), check=True)
    assert minutes.read_bytes().startswith(b"%PDF") and (tmp_path / "m.pdf.sha256").exists()
    bad = opsdesk("brief", "--workspace", str(demo_path), "--initiative", "AI-0001", "--minutes", "--out",
                  str(tmp_path / "x.pdf"))
    assert bad.returncode == 2 and "--minutes goes with --meeting" in bad.stderr and "Traceback" not in bad.stderr
    missing = opsdesk("brief", "--workspace", str(demo_path), "--initiative", "AI-9999", "--out",
                      str(tmp_path / "y.pdf"))
    assert missing.returncode == 2 and "AI-9999" in missing.stderr


def test_cli_export_does_not_recompute_the_dashboard_as_it_closes(demo_path: Path, tmp_path: Path, monkeypatch):
    """An export records an audit event but changes no figure: closing the command computes no dashboard."""
    from opsdesk.analytics import dashboard
    from opsdesk.cli import main

    computed = []
    load = dashboard.load
    monkeypatch.setattr(dashboard, "load", lambda *a, **k: computed.append(1) or load(*a, **k))
    out = tmp_path / "pack.pdf"
    assert main(["brief", "--workspace", str(demo_path), "--initiative", "AI-0003", "--out", str(out)]) == 0
    assert out.exists() and computed == []
    # a command that changes the record still keeps the summary as it closes
    assert main(["rates", "set", "EUR", "GBP", "0.86", "--workspace", str(demo_path)]) == 0
    assert computed == [1]
