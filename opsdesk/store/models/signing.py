"""Signature validation material the workspace keeps: the certificates it trusts as anchors for people's
signatures on papers, and the revocation lists imported for them (the workstation never fetches either)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opsdesk.store.base import Base, intpk


class TrustAnchor(Base):
    """A CA (or a person's) certificate that signatures on papers may chain to."""

    __tablename__ = "trust_anchor"
    id: Mapped[intpk]
    label: Mapped[str] = mapped_column(String(200), unique=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the DER certificate
    subject: Mapped[str] = mapped_column(Text)
    not_before: Mapped[dt.datetime]
    not_after: Mapped[dt.datetime]
    pem: Mapped[str] = mapped_column(Text)
    added_at: Mapped[dt.datetime]


class RevocationList(Base):
    """A CRL of a trusted issuer, imported from a file (kept in PEM text)."""

    __tablename__ = "revocation_list"
    id: Mapped[intpk]
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    issuer: Mapped[str] = mapped_column(Text)
    this_update: Mapped[dt.datetime]
    next_update: Mapped[dt.datetime | None]
    revoked_count: Mapped[int]
    pem: Mapped[str] = mapped_column(Text)
    added_at: Mapped[dt.datetime]
