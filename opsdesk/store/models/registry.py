"""The committee's register: workspace settings, objectives, initiatives, data assets, models, lineage."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsdesk.domain.enums import LineageKind, NodeKind, RiskTier, Stage, TeamRole
from opsdesk.store.base import Base, JSONValue, intpk

if TYPE_CHECKING:
    from opsdesk.store.models.people import Person


class WorkspaceInfo(Base):
    """One row: the organisation and its conventions."""

    __tablename__ = "workspace_info"
    id: Mapped[intpk]
    organisation: Mapped[str]
    default_currency: Mapped[str] = mapped_column(String(3), default="USD")
    classification_scheme: Mapped[JSONValue]
    fiscal_year_start_month: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime]
    charter: Mapped[JSONValue | None] = mapped_column(nullable=True)


class Objective(Base):
    __tablename__ = "objective"
    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str]
    description: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(default="")
    kpi_name: Mapped[str] = mapped_column(default="")
    kpi_target: Mapped[str] = mapped_column(default="")
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    links: Mapped[list[InitiativeObjective]] = relationship(back_populates="objective", cascade="all, delete-orphan")


class Initiative(Base):
    __tablename__ = "initiative"
    id: Mapped[intpk]
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str]
    problem: Mapped[str] = mapped_column(Text, default="")
    expected_benefits: Mapped[str] = mapped_column(Text, default="")
    outputs: Mapped[str] = mapped_column(Text, default="")
    owner: Mapped[str] = mapped_column(default="")
    sponsor: Mapped[str] = mapped_column(default="")
    stage: Mapped[Stage] = mapped_column(default=Stage.PROPOSED)
    risk_tier: Mapped[RiskTier] = mapped_column(default=RiskTier.LOW)
    classification: Mapped[str] = mapped_column(String(40), default="OFFICIAL")
    budget: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    cost_centre: Mapped[str] = mapped_column(String(40), default="")
    tags: Mapped[JSONValue] = mapped_column(default=list)
    disciplines: Mapped[JSONValue] = mapped_column(default=list)
    start_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    end_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime]
    version: Mapped[int] = mapped_column(default=1)

    objective_links: Mapped[list[InitiativeObjective]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan"
    )
    team: Mapped[list[TeamMember]] = relationship(back_populates="initiative", cascade="all, delete-orphan")
    stage_history: Mapped[list[StageChange]] = relationship(
        back_populates="initiative", cascade="all, delete-orphan", order_by="StageChange.changed_at"
    )

    __mapper_args__ = {"version_id_col": version}


class InitiativeObjective(Base):
    __tablename__ = "initiative_objective"
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objective.id", ondelete="CASCADE"), primary_key=True)
    weight: Mapped[Decimal] = mapped_column(default=Decimal("1"))

    initiative: Mapped[Initiative] = relationship(back_populates="objective_links")
    objective: Mapped[Objective] = relationship(back_populates="links")


class TeamMember(Base):
    __tablename__ = "team_member"
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[TeamRole] = mapped_column(default=TeamRole.MEMBER)

    initiative: Mapped[Initiative] = relationship(back_populates="team")
    person: Mapped[Person] = relationship()


class StageChange(Base):
    """One move of an initiative between stages, tied to the decision that allowed it."""

    __tablename__ = "stage_change"
    id: Mapped[intpk]
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[Stage | None] = mapped_column(nullable=True)
    to_stage: Mapped[Stage]
    changed_at: Mapped[dt.datetime]
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")

    initiative: Mapped[Initiative] = relationship(back_populates="stage_history")


class DataAsset(Base):
    __tablename__ = "data_asset"
    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(300), unique=True)
    namespace: Mapped[str] = mapped_column(String(300), default="")
    owner: Mapped[str] = mapped_column(default="")
    source_system: Mapped[str] = mapped_column(default="")
    format_standard: Mapped[str] = mapped_column(default="")
    classification: Mapped[str] = mapped_column(String(40), default="OFFICIAL")
    contains_pii: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Experiment(Base):
    """An MLflow experiment as a record: its MLflow id and name, its tags, where it was read from."""

    __tablename__ = "experiment"
    __table_args__ = (UniqueConstraint("name"),)
    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(300))
    source_id: Mapped[str] = mapped_column(String(100), default="")
    tags: Mapped[JSONValue] = mapped_column(default=dict)
    lifecycle_stage: Mapped[str] = mapped_column(String(40), default="active")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)


class Model(Base):
    __tablename__ = "model"
    __table_args__ = (UniqueConstraint("name", "version_label"),)
    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(300))
    version_label: Mapped[str] = mapped_column(String(80), default="1")
    framework: Mapped[str] = mapped_column(default="")
    owner: Mapped[str] = mapped_column(default="")
    registry_source: Mapped[str] = mapped_column(String(500), default="")
    initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("initiative.id", ondelete="SET NULL"), nullable=True, index=True
    )
    classification: Mapped[str] = mapped_column(String(40), default="OFFICIAL")
    aliases: Mapped[JSONValue] = mapped_column(default=list)
    params: Mapped[JSONValue] = mapped_column(default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)
    experiment_id: Mapped[int | None] = mapped_column(ForeignKey("experiment.id", ondelete="SET NULL"), nullable=True,
                                                      index=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class InitiativeDataAsset(Base):
    __tablename__ = "initiative_data_asset"
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), primary_key=True)
    data_asset_id: Mapped[int] = mapped_column(ForeignKey("data_asset.id", ondelete="CASCADE"), primary_key=True)


class LineageLink(Base):
    """A directed edge of the lineage graph between any two nodes (data asset, model, initiative, job)."""

    __tablename__ = "lineage_link"
    __table_args__ = (UniqueConstraint("source_kind", "source_id", "target_kind", "target_id", "kind"),)
    id: Mapped[intpk]
    source_kind: Mapped[NodeKind]
    source_id: Mapped[int]
    target_kind: Mapped[NodeKind]
    target_id: Mapped[int]
    kind: Mapped[LineageKind]
    job_name: Mapped[str] = mapped_column(String(300), default="")
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)


class Job(Base):
    """A pipeline job seen in lineage events."""

    __tablename__ = "job"
    __table_args__ = (UniqueConstraint("namespace", "name"),)
    id: Mapped[intpk]
    namespace: Mapped[str] = mapped_column(String(300))
    name: Mapped[str] = mapped_column(String(300))
    last_run_state: Mapped[str] = mapped_column(String(40), default="")
    last_run_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    facets: Mapped[JSONValue] = mapped_column(default=dict)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)
