"""A workspace written before the risk registers existed upgrades on open, keeps its decisions, and takes risks,
assessments and incidents; the migration also runs down again."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from opsdesk.services.registry import initiatives
from opsdesk.services.risk import incidents, risks
from opsdesk.services.workspace import lifecycle
from opsdesk.store import migrate
from opsdesk.store.engine import make_engine, sqlite_url


def test_previous_schema_upgrades_to_the_risk_registers_and_back(tmp_path: Path):
    path = tmp_path / "old.opsdesk"
    engine = make_engine(sqlite_url(path))
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0901")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO workspace_info (organisation, default_currency, classification_scheme, "
                             "fiscal_year_start_month, created_at) VALUES ('Old', 'EUR', '[\"OFFICIAL\"]', 1, "
                             "'2025-01-01 00:00:00')")
    engine.dispose()
    assert "risk" not in {name for _t, name in lifecycle.schema_objects(path)}

    ws = lifecycle.open_workspace(path)
    try:
        names = {name for _t, name in lifecycle.schema_objects(path)}
        assert {"risk", "mitigation", "impact_assessment", "incident", "incident_action"} <= names
        initiatives.create(ws, {"code": "AI-0001", "name": "Old one", "budget": "10"})
        risks.create(ws, "AI-0001", {"title": "T", "category": "legal", "likelihood": 2, "impact": 2})
        incidents.create(ws, "AI-0001", {"title": "I", "occurred_on": "2026-01-01", "detected_on": "2026-01-01",
                                         "severity": 4})
    finally:
        ws.close()
    engine = make_engine(sqlite_url(path))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0901")
    engine.dispose()
    names = {name for _t, name in lifecycle.schema_objects(path)}
    assert "risk" not in names and "incident" not in names and "initiative" in names
