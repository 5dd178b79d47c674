"""A workspace whose metric points were keyed by whole seconds upgrades (after a backup) to the key with
milliseconds and step, keeping every point; cost records get their fingerprint."""

from __future__ import annotations

from pathlib import Path

from alembic import command

from opsdesk.services.registry import metrics
from opsdesk.services.workspace import lifecycle
from opsdesk.store import migrate
from opsdesk.store.engine import make_engine, sqlite_url


def test_points_written_before_steps_survive_the_upgrade(tmp_path: Path):
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
        conn.exec_driver_sql("INSERT INTO metric_series (id, discipline, name, unit, direction, subject_kind, "
                             "description) VALUES (1, 'mlops', 'loss', '', 'lower_is_better', 'portfolio', '')")
        conn.exec_driver_sql("INSERT INTO metric_point (series_id, ts, value) VALUES (1, 1767225600, 0.5), "
                             "(1, 1767225601, 0.4), (1, 1767225602, 0.3)")
        conn.exec_driver_sql("INSERT INTO cost_record (row_number, charge_period_start, charge_period_end, "
                             "billed_cost, effective_cost, billing_currency, service_category, service_name, "
                             "provider_name, billing_account_id, sub_account_id, charge_category, "
                             "charge_description, resource_id, sku_id, pricing_unit, tags, extra) VALUES (1, "
                             "'2026-01-01 00:00:00.000000', '2026-01-02 00:00:00.000000', '10.5', '9', 'EUR', '', "
                             "'Compute', 'AWS', '', '', 'Usage', '', '', '', '', '{}', '{}')")
    engine.dispose()

    ws = lifecycle.open_workspace(path)
    try:
        stamps, steps, values = metrics.history(ws, 1)
        assert stamps.tolist() == [1767225600000, 1767225601000, 1767225602000]
        assert steps.tolist() == [0, 0, 0] and values.tolist() == [0.5, 0.4, 0.3]
        assert list(tmp_path.glob("old.opsdesk.pre-0901*.bak")), "backed up before migrating"
        with ws.read() as s:
            fp = s.connection().exec_driver_sql("SELECT fingerprint FROM cost_record").scalar()
            ddl = s.connection().exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE name = 'metric_point'").scalar()
        assert fp and len(fp) == 64
        assert "WITHOUT ROWID" in ddl.upper()
    finally:
        ws.close()
