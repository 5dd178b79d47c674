"""Copy a whole workspace between engines (SQLite file ↔ PostgreSQL), audit chain and all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from opsdesk import log
from opsdesk.errors import WorkspaceError
from opsdesk.services.workspace import checkpoints, lifecycle
from opsdesk.store import audit, migrate, queries
from opsdesk.store.base import Base
from opsdesk.store.engine import is_server_url, make_engine, redact
from opsdesk.store.models import AuditEvent, DashboardSummary, DataVersion, MetricPoint
from opsdesk.store.workspace import Workspace

_log = log.get("services.transfer")
CHUNK = 20_000


@dataclass(frozen=True)
class TransferReport:
    source: str
    target: str
    rows: dict[str, int]
    audit_events: int
    chain_ok: bool


def _prepare_target(location: str) -> Workspace:
    """An empty database at the current schema: a new file, or a server database without OpsDesk tables."""
    lifecycle._url_and_path(location)  # refuses a password in the location, in any form, before anything
    if not is_server_url(location):
        path = Path(location)
        if path.exists():
            raise WorkspaceError(f"{path} already exists; the target of a migration must be new")
        path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{path.resolve().as_posix()}"
    else:
        url = location
    engine = make_engine(url)
    with engine.connect() as conn:
        existing = migrate.current_revision(conn)
    if existing is not None:
        engine.dispose()
        raise WorkspaceError(f"{redact(location)} already holds an OpsDesk workspace; migrate into an empty one")
    migrate.upgrade(engine)
    return checkpoints.install(Workspace(engine, location=redact(location)))


def copy_workspace(source: str, target: str, *, actor: str | None = None) -> TransferReport:
    src = lifecycle.open_workspace(source, read_only=not is_server_url(source))
    try:
        report = audit.verify(src)
        if not report.ok:
            raise WorkspaceError(f"{redact(source)} does not verify ({report.reason}); repair it before moving it")
        dst = _prepare_target(target)
        if actor:
            dst.actor = actor
        counts: dict[str, int] = {}
        try:
            with src.read() as s_session, dst.write("workspace") as tx:
                s_conn = s_session.connection()
                t_conn = tx.session.connection()
                for table in Base.metadata.sorted_tables:
                    if table in (DataVersion.__table__, DashboardSummary.__table__):
                        continue  # the target counts its own writes and derives its own summaries
                    order = list(table.primary_key.columns)
                    result = s_conn.execution_options(yield_per=CHUNK).execute(select(table).order_by(*order))
                    n = 0
                    if table is MetricPoint.__table__:
                        for part in result.partitions(CHUNK):
                            by_batch: dict[int | None, list[Any]] = {}
                            for r in part:  # milliseconds and step travel too: they are part of the key
                                by_batch.setdefault(r.batch_id, []).append(r)
                            for batch_id, chunk in by_batch.items():
                                queries.bulk_upsert_point_columns(
                                    t_conn, [r.series_id for r in chunk], [r.ts for r in chunk],
                                    [r.value for r in chunk], batch_id, ms=[r.ms for r in chunk],
                                    steps=[r.step for r in chunk])
                            n += len(part)
                    else:
                        for part in result.partitions(CHUNK):
                            t_conn.execute(insert(table), [dict(r._mapping) for r in part])
                            n += len(part)
                    counts[table.name] = n
                queries.reset_sequences(t_conn, Base.metadata.sorted_tables)
                tx.audit("migrate", "workspace", "workspace", None,
                         {"from": redact(source), "to": redact(target), "rows": counts},
                         note="workspace copied between engines")
            result_report = audit.verify(dst)
            with dst.read() as s:
                events = s.scalar(select(func.count()).select_from(AuditEvent)) or 0
        finally:
            dst.close()
    finally:
        src.close()
    _log.info("migrated %s to %s", redact(source), redact(target))
    return TransferReport(redact(source), redact(target), counts, events, result_report.ok)
