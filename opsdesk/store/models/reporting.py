"""What the mandated AI reports need beyond the register: one inventory record per initiative (the OMB 2025
individual use case inventory's columns that the initiative itself does not hold, and the ATRS fields OpsDesk keeps
in its own words), and the agency's answers on the consolidated commercial off-the-shelf (COTS) AI uses."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Date, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsdesk.domain import inventory as inv
from opsdesk.store.base import Base, JSONValue, intpk


def _choice(cls: type[inv.InventoryChoice]) -> Any:
    """A dictionary choice kept by member name (the spellings are long; the name is stable)."""
    return mapped_column(Enum(cls, native_enum=False, length=40, values_callable=lambda e: [m.name for m in e]),
                         nullable=True)


class UseCaseRecord(Base):
    """The inventory's columns for one initiative. Stage, risk tier (high-impact), name, problem, benefits,
    outputs and owner stay on the initiative; empty bureau, contact email, operational date, PII and data
    description fall back to what the register knows (owner's unit and e-mail, the pilot gate's date, the
    linked data assets)."""

    __tablename__ = "use_case_record"
    id: Mapped[intpk]
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id", ondelete="CASCADE"), unique=True)
    use_case_id: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    full_name: Mapped[str] = mapped_column(Text, default="")  # when longer than the register's 200 characters
    agency: Mapped[str] = mapped_column(String(40), default="")
    agency_name: Mapped[str] = mapped_column(String(300), default="")
    agency_bureau: Mapped[str] = mapped_column(String(300), default="")
    contact_email: Mapped[str] = mapped_column(String(300), default="")
    is_withheld: Mapped[inv.Withheld | None] = _choice(inv.Withheld)
    presumed_high_impact: Mapped[bool] = mapped_column(Boolean, default=False)
    hi_justification: Mapped[str] = mapped_column(Text, default="")
    topic_area: Mapped[inv.TopicArea | None] = _choice(inv.TopicArea)
    ai_classification: Mapped[inv.AIClassification | None] = _choice(inv.AIClassification)
    operational_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    contracting_usage: Mapped[inv.ContractingUsage | None] = _choice(inv.ContractingUsage)
    vendor_name: Mapped[str] = mapped_column(Text, default="")
    have_ato: Mapped[inv.YesNo | None] = _choice(inv.YesNo)
    system_name_ato: Mapped[str] = mapped_column(Text, default="")
    data_description: Mapped[str] = mapped_column(Text, default="")
    link_to_data: Mapped[str] = mapped_column(Text, default="")
    has_pii: Mapped[inv.YesNo | None] = _choice(inv.YesNo)
    pia_url: Mapped[str] = mapped_column(Text, default="")
    demographic_features: Mapped[JSONValue] = mapped_column(default=list)  # member names
    has_custom_code: Mapped[inv.YesNo | None] = _choice(inv.YesNo)
    code_url: Mapped[str] = mapped_column(Text, default="")
    hi_testing_conducted: Mapped[inv.PracticeStatus | None] = _choice(inv.PracticeStatus)
    hi_assessment_completed: Mapped[inv.PracticeStatus | None] = _choice(inv.PracticeStatus)
    impact_assessment_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    hi_potential_impacts: Mapped[str] = mapped_column(Text, default="")
    hi_independent_review: Mapped[inv.IndependentReview | None] = _choice(inv.IndependentReview)
    hi_ongoing_monitoring: Mapped[inv.OngoingMonitoring | None] = _choice(inv.OngoingMonitoring)
    hi_training_established: Mapped[inv.OperatorTraining | None] = _choice(inv.OperatorTraining)
    hi_failsafe_presence: Mapped[inv.Failsafe | None] = _choice(inv.Failsafe)
    hi_appeal_process: Mapped[inv.AppealProcess | None] = _choice(inv.AppealProcess)
    hi_public_consultation: Mapped[JSONValue] = mapped_column(default=list)  # member names
    cots_task: Mapped[str | None] = mapped_column(String(300), nullable=True)
    unrecognised: Mapped[JSONValue] = mapped_column(default=dict)  # column -> imported text not in the dictionary
    atrs: Mapped[JSONValue] = mapped_column(default=dict)  # ATRS attribute -> text
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}


class CotsUse(Base):
    """One row of the consolidated COTS AI file: whether the agency uses commercial AI for one common task."""

    __tablename__ = "cots_use"
    __table_args__ = (UniqueConstraint("agency_name", "task"),)
    id: Mapped[intpk]
    agency_name: Mapped[str] = mapped_column(String(300))
    task: Mapped[str] = mapped_column(String(300))
    in_use: Mapped[inv.YesNo | None] = _choice(inv.YesNo)
    products: Mapped[str] = mapped_column(Text, default="")
    licences: Mapped[str] = mapped_column(String(80), default="")
