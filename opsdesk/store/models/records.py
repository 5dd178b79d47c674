"""Import batches and the hash-chained audit log."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsdesk.domain.enums import ImportKind
from opsdesk.store.base import Base, JSONValue, intpk


class ImportBatch(Base):
    __tablename__ = "import_batch"
    __table_args__ = (UniqueConstraint("kind", "sha256"),)
    id: Mapped[intpk]
    kind: Mapped[ImportKind]
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    accepted: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    imported_at: Mapped[dt.datetime]
    actor: Mapped[str]
    report: Mapped[JSONValue] = mapped_column(default=dict)


class AuditEvent(Base):
    __tablename__ = "audit_event"
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    at: Mapped[dt.datetime]
    actor: Mapped[str]
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(60), index=True)
    entity_id: Mapped[str] = mapped_column(String(120), index=True)
    before: Mapped[JSONValue | None] = mapped_column(nullable=True)
    after: Mapped[JSONValue | None] = mapped_column(nullable=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # The final state of the rows the event's transaction touched that no create/update/delete snapshot
    # recorded ([{"t": table, "k": primary key, "s": state or null}]); part of the hash (``store.reconcile``).
    record_states: Mapped[JSONValue | None] = mapped_column(nullable=True)


class AuditCheckpoint(Base):
    """The newest signed head of the audit chain (one row): written by every transaction that appends events,
    signed with the workspace's Ed25519 key, which is kept outside the workspace (``services.workspace``)."""

    __tablename__ = "audit_checkpoint"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    workspace_uuid: Mapped[str] = mapped_column(String(36))
    seq: Mapped[int] = mapped_column(BigInteger)
    head_hash: Mapped[str] = mapped_column(String(64))
    signed_at: Mapped[str] = mapped_column(String(32))  # ISO text, exactly as signed
    capture_from: Mapped[int] = mapped_column(BigInteger)  # first event whose transaction recorded row states
    fingerprint: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(200))


class DataVersion(Base):
    """One row: a counter every committed write transaction increments (see ``Workspace.write``). Derived data,
    such as the dashboard summary, is keyed on it, so no write through the services can leave it stale."""

    __tablename__ = "data_version"
    id: Mapped[intpk]
    counter: Mapped[int] = mapped_column(BigInteger, default=0)


class DashboardSummary(Base):
    """What the dashboard computed for one state of the data and one set of filters (``opsdesk.analytics.summary``).
    Derived data, not a record: written without an audit event or a new data version, never exchanged or copied,
    and kept inside the workspace so that it has the same protection and marking as the data it comes from."""

    __tablename__ = "dashboard_summary"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    data_version: Mapped[int] = mapped_column(BigInteger)
    written_at: Mapped[dt.datetime]
    payload: Mapped[str] = mapped_column(Text)
