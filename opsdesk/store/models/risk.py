"""Risks with their mitigations, impact assessments (versioned) and incidents with their corrective actions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsdesk.domain.risk import (
    AssessmentStatus,
    IncidentStatus,
    MitigationStatus,
    RiskCategory,
    RiskStatus,
    Treatment,
)
from opsdesk.store.base import Base, JSONValue, intpk


class Risk(Base):
    """One risk of an initiative (optionally about one of its models or data assets). ``number`` is its place
    in the initiative's register (reference ``AI-0003-R2``), kept for good."""

    __tablename__ = "risk"
    __table_args__ = (UniqueConstraint("initiative_id", "number"),)
    id: Mapped[intpk]
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("model.id", ondelete="SET NULL"), nullable=True)
    data_asset_id: Mapped[int | None] = mapped_column(ForeignKey("data_asset.id", ondelete="SET NULL"),
                                                      nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[RiskCategory]
    likelihood: Mapped[int] = mapped_column(Integer)
    impact: Mapped[int] = mapped_column(Integer)
    residual_likelihood: Mapped[int | None] = mapped_column(Integer, nullable=True)
    residual_impact: Mapped[int | None] = mapped_column(Integer, nullable=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    treatment: Mapped[Treatment] = mapped_column(default=Treatment.MITIGATE)
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    review_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    nist: Mapped[JSONValue] = mapped_column(default=list)
    trigger_series_id: Mapped[int | None] = mapped_column(ForeignKey("metric_series.id", ondelete="SET NULL"),
                                                          nullable=True)
    trigger_level: Mapped[str] = mapped_column(String(10), default="red")
    status: Mapped[RiskStatus] = mapped_column(default=RiskStatus.OPEN)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)
    version: Mapped[int] = mapped_column(default=1)

    mitigations: Mapped[list[Mitigation]] = relationship(
        back_populates="risk", cascade="all, delete-orphan", order_by="Mitigation.position")

    __mapper_args__ = {"version_id_col": version}


class Mitigation(Base):
    __tablename__ = "mitigation"
    __table_args__ = (UniqueConstraint("risk_id", "position"),)
    id: Mapped[intpk]
    risk_id: Mapped[int] = mapped_column(ForeignKey("risk.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(Text)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[MitigationStatus] = mapped_column(default=MitigationStatus.PLANNED)

    risk: Mapped[Risk] = relationship(back_populates="mitigations")


class ImpactAssessment(Base):
    """One version of an initiative's AI impact assessment. An approved version is never edited: a change is a
    new version (a draft copied from the latest), approved in its turn."""

    __tablename__ = "impact_assessment"
    __table_args__ = (UniqueConstraint("initiative_id", "version_number"),)
    id: Mapped[intpk]
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    version_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[AssessmentStatus] = mapped_column(default=AssessmentStatus.DRAFT)
    purpose: Mapped[str] = mapped_column(Text, default="")
    affected_groups: Mapped[str] = mapped_column(Text, default="")
    expected_benefits: Mapped[str] = mapped_column(Text, default="")
    potential_harms: Mapped[str] = mapped_column(Text, default="")
    data_used: Mapped[str] = mapped_column(Text, default="")
    demographic_features: Mapped[str] = mapped_column(Text, default="")
    testing: Mapped[str] = mapped_column(Text, default="")
    test_results: Mapped[str] = mapped_column(Text, default="")
    human_oversight: Mapped[str] = mapped_column(Text, default="")
    appeal: Mapped[str] = mapped_column(Text, default="")
    monitoring_plan: Mapped[str] = mapped_column(Text, default="")
    conclusion: Mapped[str] = mapped_column(Text, default="")
    assessor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    assessed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    approved_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    review_by: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (UniqueConstraint("initiative_id", "number"),)
    id: Mapped[intpk]
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    model_id: Mapped[int | None] = mapped_column(ForeignKey("model.id", ondelete="SET NULL"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    occurred_on: Mapped[dt.date] = mapped_column(Date)
    detected_on: Mapped[dt.date] = mapped_column(Date)
    severity: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    affected: Mapped[str] = mapped_column(Text, default="")
    affected_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status: Mapped[IncidentStatus] = mapped_column(default=IncidentStatus.OPEN)
    root_cause: Mapped[str] = mapped_column(Text, default="")
    reportable: Mapped[bool] = mapped_column(Boolean, default=False)
    report_to: Mapped[str] = mapped_column(String(200), default="")
    reported_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    resolved_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class IncidentAction(Base):
    """A corrective action of an incident: an action item the committee already tracks."""

    __tablename__ = "incident_action"
    incident_id: Mapped[int] = mapped_column(ForeignKey("incident.id", ondelete="CASCADE"), primary_key=True)
    action_item_id: Mapped[int] = mapped_column(ForeignKey("action_item.id", ondelete="CASCADE"), primary_key=True)
