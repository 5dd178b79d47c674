"""Exchange between enclaves: the workspace's stable identity, trusted public keys, bundles seen, and the
digest of every record as it was at its last exchange (to tell an update from a conflict)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsdesk.store.base import Base, JSONValue, intpk


class WorkspaceIdentity(Base):
    """One row, written on first use: the workspace's UUID (its signing key is filed under it)."""

    __tablename__ = "workspace_identity"
    id: Mapped[intpk]
    workspace_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    created_at: Mapped[dt.datetime]


class TrustedKey(Base):
    """A public Ed25519 key whose bundles this workspace accepts."""

    __tablename__ = "trusted_key"
    id: Mapped[intpk]
    label: Mapped[str]
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    public_key: Mapped[str] = mapped_column(String(100))
    workspace_uuid: Mapped[str] = mapped_column(String(36), default="")
    organisation: Mapped[str] = mapped_column(default="")
    added_at: Mapped[dt.datetime]


class ExchangeBundle(Base):
    """A bundle written or applied here."""

    __tablename__ = "exchange_bundle"
    __table_args__ = (UniqueConstraint("bundle_uuid", "direction"),)
    id: Mapped[intpk]
    bundle_uuid: Mapped[str] = mapped_column(String(36))
    direction: Mapped[str] = mapped_column(String(10))  # "export" | "import"
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    organisation: Mapped[str] = mapped_column(default="")
    at: Mapped[dt.datetime]
    summary: Mapped[JSONValue] = mapped_column(default=dict)


class ExchangeState(Base):
    """The digest of a record as last sent or received; a record whose local and incoming digests both moved
    away from it has changed on both sides."""

    __tablename__ = "exchange_state"
    __table_args__ = (UniqueConstraint("entity", "record_key"),)
    id: Mapped[intpk]
    entity: Mapped[str] = mapped_column(String(60))
    record_key: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    bundle_uuid: Mapped[str] = mapped_column(String(36))


class ExchangeVersion(Base):
    """The newest version of a record received from one signer: the signer's audit sequence when it wrote the
    bundle, and the record's digest then. A bundle from that signer carrying an older version of a record that
    has changed since is stale: shown, never applied unless the user takes theirs."""

    __tablename__ = "exchange_version"
    __table_args__ = (UniqueConstraint("signer_fingerprint", "entity", "record_key"),)
    id: Mapped[intpk]
    signer_fingerprint: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(60))
    record_key: Mapped[str] = mapped_column(Text)
    version: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(64))
    bundle_uuid: Mapped[str] = mapped_column(String(36))
    file_name: Mapped[str] = mapped_column(String(500), default="")
