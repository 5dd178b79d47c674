"""A workspace written before the inventory tables existed upgrades on open and keeps inventory records; the
migration also runs down and up again."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from opsdesk.services.registry import initiatives
from opsdesk.services.reporting import inventory
from opsdesk.services.workspace import lifecycle
from opsdesk.store import migrate
from opsdesk.store.engine import make_engine, sqlite_url


def test_0901_workspace_upgrades_to_inventory_records(tmp_path: Path):
    path = tmp_path / "old.opsdesk"
    engine = make_engine(sqlite_url(path))
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0901")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO workspace_info (organisation, default_currency, classification_scheme, "
                             "fiscal_year_start_month, created_at) VALUES ('Old', 'USD', '[\"OFFICIAL\"]', 1, "
                             "'2025-01-01 00:00:00')")
    engine.dispose()
    assert "use_case_record" not in {name for _t, name in lifecycle.schema_objects(path)}
    ws = lifecycle.open_workspace(path)
    try:
        assert {"use_case_record", "cots_use"} <= {name for _t, name in lifecycle.schema_objects(path)}
        initiatives.create(ws, {"code": "AI-0001", "name": "Old initiative"})
        inventory.update_record(ws, "AI-0001", {"topic_area": "Science", "demographic_features": "Age"})
        assert inventory.get_record(ws, "AI-0001").values["topic_area"].short == "Science"
    finally:
        ws.close()
    engine = make_engine(sqlite_url(path))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0901")
        assert "use_case_record" not in {r[0] for r in conn.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type='table'")}
        command.upgrade(cfg, "head")
    engine.dispose()
