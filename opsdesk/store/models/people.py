"""People, skills and training."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsdesk.domain.enums import CommitteeRole, Discipline
from opsdesk.store.base import Base, intpk


class Person(Base):
    __tablename__ = "person"
    id: Mapped[intpk]
    name: Mapped[str]
    email: Mapped[str] = mapped_column(String(200), unique=True)
    unit: Mapped[str] = mapped_column(default="")
    discipline: Mapped[Discipline]
    committee_role: Mapped[CommitteeRole] = mapped_column(default=CommitteeRole.NONE)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class Skill(Base):
    __tablename__ = "skill"
    id: Mapped[intpk]
    name: Mapped[str] = mapped_column(String(200), unique=True)
    discipline: Mapped[Discipline]
    description: Mapped[str] = mapped_column(default="")


class PersonSkill(Base):
    __tablename__ = "person_skill"
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skill.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column(default=0)
    assessed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)


class TrainingRecord(Base):
    __tablename__ = "training_record"
    __table_args__ = (UniqueConstraint("person_id", "course", "completed_on"),)
    id: Mapped[intpk]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    course: Mapped[str]
    provider: Mapped[str] = mapped_column(default="")
    hours: Mapped[Decimal] = mapped_column(default=Decimal("0"))
    completed_on: Mapped[dt.date] = mapped_column(Date)
    discipline: Mapped[Discipline]
    certificate_ref: Mapped[str] = mapped_column(default="")
    expires_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"), nullable=True)
