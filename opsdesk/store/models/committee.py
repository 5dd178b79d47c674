"""Meetings, agendas, decisions, votes, conflicts, actions and lessons learned."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from opsdesk.domain.enums import ActionStatus, AgendaKind, MeetingStatus, Outcome, Stage, VoteChoice
from opsdesk.store.base import Base, JSONValue, intpk


class Meeting(Base):
    __tablename__ = "meeting"
    id: Mapped[intpk]
    title: Mapped[str]
    starts_at: Mapped[dt.datetime]
    location: Mapped[str] = mapped_column(default="")
    status: Mapped[MeetingStatus] = mapped_column(default=MeetingStatus.PLANNED)

    items: Mapped[list[AgendaItem]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan", order_by="AgendaItem.position"
    )


class Attendance(Base):
    __tablename__ = "attendance"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), primary_key=True)
    present: Mapped[bool] = mapped_column(default=True)


class AgendaItem(Base):
    __tablename__ = "agenda_item"
    id: Mapped[intpk]
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    kind: Mapped[AgendaKind]
    title: Mapped[str]
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiative.id"), nullable=True, index=True)
    requested_decision: Mapped[str] = mapped_column(Text, default="")
    target_stage: Mapped[Stage | None] = mapped_column(nullable=True)
    options: Mapped[str] = mapped_column(Text, default="", server_default="")
    recommendation: Mapped[str] = mapped_column(Text, default="", server_default="")
    # an "approve minutes" item: the meeting whose minutes it approves
    minutes_meeting_id: Mapped[int | None] = mapped_column(Integer, nullable=True)

    meeting: Mapped[Meeting] = relationship(back_populates="items")


class Decision(Base):
    __tablename__ = "decision"
    id: Mapped[intpk]
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    outcome: Mapped[Outcome]
    rationale: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime]
    override_reason: Mapped[str] = mapped_column(Text, default="")
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"), nullable=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    incident_override: Mapped[str] = mapped_column(Text, default="", server_default="")


class Vote(Base):
    __tablename__ = "vote"
    decision_id: Mapped[int] = mapped_column(ForeignKey("decision.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    choice: Mapped[VoteChoice]


class ConflictOfInterest(Base):
    __tablename__ = "conflict_of_interest"
    __table_args__ = (UniqueConstraint("agenda_item_id", "person_id"),)
    id: Mapped[intpk]
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    description: Mapped[str] = mapped_column(Text, default="")


class ActionItem(Base):
    __tablename__ = "action_item"
    id: Mapped[intpk]
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id", ondelete="SET NULL"), nullable=True)
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiative.id"), nullable=True, index=True)
    title: Mapped[str]
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"), nullable=True)
    due_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[ActionStatus] = mapped_column(default=ActionStatus.OPEN)


class Lesson(Base):
    __tablename__ = "lesson"
    id: Mapped[intpk]
    initiative_id: Mapped[int | None] = mapped_column(ForeignKey("initiative.id", ondelete="SET NULL"), nullable=True)
    stage: Mapped[Stage]
    category: Mapped[str] = mapped_column(String(60), default="")
    what_happened: Mapped[str] = mapped_column(Text)
    recommendation: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[JSONValue] = mapped_column(default=list)
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    decision_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the decision it was recorded with


class IssuedPaper(Base):
    """A meeting pack, item brief or minutes as issued: what was tabled (or adopted) stays as it was."""

    __tablename__ = "issued_paper"
    __table_args__ = (UniqueConstraint("doc_id", "edition"),)
    id: Mapped[intpk]
    doc_id: Mapped[str] = mapped_column(String(120))
    edition: Mapped[int]  # 1 for the first issue of a document
    kind: Mapped[str] = mapped_column(String(40))  # brief | meeting_pack | minutes
    title: Mapped[str] = mapped_column(String(300))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), nullable=True,
                                                   index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"),
                                                       nullable=True)
    state: Mapped[str] = mapped_column(String(40))  # issued | adopted
    as_of: Mapped[dt.datetime | None] = mapped_column(nullable=True)  # the moment the record was read as of
    document_date: Mapped[dt.datetime]
    issued_at: Mapped[dt.datetime]
    issued_by: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")


class IssuedPaperFile(Base):
    """One form of an issued paper's file: ``issued`` (the PDF as issued); a signed form sits beside it."""

    __tablename__ = "issued_paper_file"
    paper_id: Mapped[int] = mapped_column(ForeignKey("issued_paper.id", ondelete="CASCADE"), primary_key=True)
    form: Mapped[str] = mapped_column(String(40), primary_key=True)
    file_name: Mapped[str] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime]
    created_by: Mapped[str] = mapped_column(String(200))
