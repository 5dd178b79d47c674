"""Applying a bundle audits every record it creates without a round trip to the audit chain per record (issue 21)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import event, func, select

from opsdesk.services.exchange import bundles as exchange
from opsdesk.services.exchange import keys
from opsdesk.services.workspace import integrity, lifecycle
from opsdesk.store import audit
from opsdesk.store.models import AuditEvent


def test_applying_a_bundle_audits_each_record_without_a_chain_round_trip_each(sqlite_demo_ws, tmp_path: Path):
    site_b = lifecycle.create(tmp_path / "site-b.opsdesk", organisation="Regional Office", actor="bob")
    try:
        keys.trust(site_b, keys.export_public(sqlite_demo_ws, tmp_path / "hq.pub"), "Head office")
        bundle = exchange.export_bundle(sqlite_demo_ws, ["AI-0001", "AI-0002"], tmp_path / "two.opsbundle").path
        with site_b.read() as s:
            before = s.scalar(select(func.max(AuditEvent.seq)))
        statements: list[str] = []
        listen = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
        event.listen(site_b.engine, "before_cursor_execute", listen)
        try:
            done = exchange.import_bundle(site_b, bundle)
        finally:
            event.remove(site_b.engine, "before_cursor_execute", listen)
        records = [i for i in done.items if i.action == "create" and i.entity != "metric_point"]
        assert len(records) > 300
        chain = [st for st in statements if "audit_event" in st.split("\n")[0]]
        assert len(chain) < len(records) / 5, f"{len(chain)} audit chain statements for {len(records)} records"
        with site_b.read() as s:
            created = s.execute(select(AuditEvent.entity, AuditEvent.entity_id, AuditEvent.note)
                                .where(AuditEvent.action == "create", AuditEvent.seq > before)
                                .order_by(AuditEvent.seq)).all()
        assert len(created) == len(records)  # one event per record, each naming the bundle
        assert all(done.bundle_uuid in note and "two.opsbundle" in note for _e, _k, note in created)
        assert [e for e, _k, _n in created] == [i.entity for i in records]  # in the plan's order
        assert audit.verify(site_b).ok
        assert integrity.verify(site_b).ok
    finally:
        site_b.close()
