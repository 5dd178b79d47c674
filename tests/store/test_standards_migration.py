"""Revision 0601 adds the risk tiers a standard applies to; a workspace made before it upgrades in place."""

from __future__ import annotations

import shutil
from pathlib import Path

from opsdesk.services.standards import catalog
from opsdesk.services.workspace import lifecycle
from opsdesk.store import migrate
from opsdesk.store.engine import make_engine, sqlite_url
from opsdesk.store.migrate import MIGRATIONS_DIR


def test_workspace_from_before_0601_upgrades_and_keeps_its_standards(tmp_path: Path):
    old_scripts = tmp_path / "migrations-0001"
    shutil.copytree(MIGRATIONS_DIR, old_scripts)
    for f in (old_scripts / "versions").glob("*.py"):
        if not f.name.startswith("0001_"):
            f.unlink()
    path = tmp_path / "old.opsdesk"
    engine = make_engine(sqlite_url(path))
    migrate.upgrade(engine, old_scripts)
    with engine.begin() as conn:
        assert migrate.current_revision(conn) == "0001"
        conn.exec_driver_sql("INSERT INTO standard (code, title, category, version_label, status, owner, source, text) "
                             "VALUES ('OLD', 'Old standard', 'other', '1.0', 'adopted', '', '', '')")
    engine.dispose()
    ws = lifecycle.open_workspace(path, actor="tester")
    try:
        [std] = catalog.list_standards(ws)
        assert (std.code, std.risk_tiers) == ("OLD", [])
        catalog.update_standard(ws, std.id, {"risk_tiers": ["High impact"]})
        assert catalog.get_standard(ws, std.id).risk_tiers == ["high_impact"]
    finally:
        ws.close()
