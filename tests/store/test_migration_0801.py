"""A workspace written before the exchange tables existed upgrades on open (after a backup) and can then sign
and exchange bundles."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from opsdesk.services.exchange import keys
from opsdesk.services.workspace import lifecycle
from opsdesk.store import migrate
from opsdesk.store.engine import make_engine, sqlite_url


def test_previous_schema_upgrades_to_the_exchange_tables(tmp_path: Path):
    path = tmp_path / "old.opsdesk"
    engine = make_engine(sqlite_url(path))
    cfg = migrate.alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO workspace_info (organisation, default_currency, classification_scheme, "
                             "fiscal_year_start_month, created_at) VALUES ('Old', 'EUR', '[\"OFFICIAL\"]', 1, "
                             "'2025-01-01 00:00:00')")
    engine.dispose()
    assert "trusted_key" not in {name for _t, name in lifecycle.schema_objects(path)}

    ws = lifecycle.open_workspace(path)
    try:
        names = {name for _t, name in lifecycle.schema_objects(path)}
        assert {"workspace_identity", "trusted_key", "exchange_bundle", "exchange_state"} <= names
        assert list(tmp_path.glob("old.opsdesk.pre-0001*.bak")), "backed up before migrating"
        assert len(keys.own_fingerprint(ws)) == 64
    finally:
        ws.close()
