"""Standards catalogue, requirements and conformance per initiative."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsdesk.domain.enums import ConformanceStatus, StandardCategory, StandardStatus
from opsdesk.store.base import Base, JSONValue, intpk


class Standard(Base):
    __tablename__ = "standard"
    __table_args__ = (UniqueConstraint("code", "version_label"),)
    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(40))
    title: Mapped[str]
    category: Mapped[StandardCategory]
    version_label: Mapped[str] = mapped_column(String(20), default="1.0")
    status: Mapped[StandardStatus] = mapped_column(default=StandardStatus.DRAFT)
    owner: Mapped[str] = mapped_column(default="")
    source: Mapped[str] = mapped_column(String(500), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("standard.id"), nullable=True)
    # risk tiers the standard applies to (RiskTier values); empty = every tier
    risk_tiers: Mapped[JSONValue] = mapped_column(default=list, server_default="[]")

    requirements: Mapped[list[Requirement]] = relationship(
        back_populates="standard", cascade="all, delete-orphan", order_by="Requirement.code"
    )


class Requirement(Base):
    __tablename__ = "requirement"
    __table_args__ = (UniqueConstraint("standard_id", "code"),)
    id: Mapped[intpk]
    standard_id: Mapped[int] = mapped_column(ForeignKey("standard.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    stages: Mapped[JSONValue] = mapped_column(default=list)

    standard: Mapped[Standard] = relationship(back_populates="requirements")


class Conformance(Base):
    __tablename__ = "conformance"
    __table_args__ = (UniqueConstraint("initiative_id", "requirement_id"),)
    id: Mapped[intpk]
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    requirement_id: Mapped[int] = mapped_column(ForeignKey("requirement.id", ondelete="CASCADE"), index=True)
    status: Mapped[ConformanceStatus]
    evidence: Mapped[str] = mapped_column(Text, default="")
    waiver_reason: Mapped[str] = mapped_column(Text, default="")
    waiver_approver: Mapped[str] = mapped_column(default="")
    waiver_expires: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    reviewer: Mapped[str] = mapped_column(default="")
    reviewed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class EvidenceFile(Base):
    """A file attached as evidence, stored inside the workspace with its SHA-256."""

    __tablename__ = "evidence_file"
    id: Mapped[intpk]
    conformance_id: Mapped[int] = mapped_column(ForeignKey("conformance.id", ondelete="CASCADE"), index=True)
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes]
    meta: Mapped[JSONValue] = mapped_column(default=dict)
