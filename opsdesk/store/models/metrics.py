"""Metric series and their points: a compact table keyed by (series, timestamp), built for millions of rows."""

from __future__ import annotations

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from opsdesk.domain.enums import Direction, OpsDiscipline, SubjectKind
from opsdesk.store.base import Base, intpk


class MetricSeries(Base):
    __tablename__ = "metric_series"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", "name"),)
    id: Mapped[intpk]
    discipline: Mapped[OpsDiscipline]
    name: Mapped[str]
    unit: Mapped[str] = mapped_column(String(40), default="")
    direction: Mapped[Direction] = mapped_column(default=Direction.HIGHER_IS_BETTER)
    green_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    amber_threshold: Mapped[float | None] = mapped_column(Float, nullable=True)
    subject_kind: Mapped[SubjectKind]
    subject_id: Mapped[int | None] = mapped_column(nullable=True)
    initiative_id: Mapped[int | None] = mapped_column(
        ForeignKey("initiative.id", ondelete="CASCADE"), nullable=True, index=True
    )
    description: Mapped[str] = mapped_column(default="")


class MetricPoint(Base):
    """``ts`` is seconds since the Unix epoch, UTC; ``ms`` the milliseconds within that second; ``step`` the training
    step MLflow logged the value at (0 for everything else). The key is (series, ts, ms, step), so a training loop
    that logs many steps within one second keeps every one."""

    __tablename__ = "metric_point"
    __table_args__ = (Index("ix_metric_point_batch", "batch_id"), {"sqlite_with_rowid": False})
    series_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("metric_series.id", ondelete="CASCADE"), primary_key=True
    )
    ts: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    ms: Mapped[int] = mapped_column(SmallInteger, primary_key=True, default=0, server_default="0")
    step: Mapped[int] = mapped_column(BigInteger, primary_key=True, default=0, server_default="0")
    value: Mapped[float] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
