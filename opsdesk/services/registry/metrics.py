"""Metric series and their points. Bulk points go through the raw driver (executemany with tuples), which is
several times faster than ORM or dict-list Core inserts (DESIGN.md §8)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from opsdesk.domain import schemas
from opsdesk.domain.enums import Direction, OpsDiscipline, SubjectKind
from opsdesk.domain.validation import clean
from opsdesk.errors import ValidationError
from opsdesk.store import queries, records
from opsdesk.store.models import Initiative, MetricPoint, MetricSeries
from opsdesk.store.workspace import Tx, Workspace

ENTITY = "metric_series"
SCHEMA = schemas.METRIC_SERIES


@dataclass(frozen=True)
class SeriesDTO:
    id: int
    discipline: OpsDiscipline
    name: str
    unit: str
    direction: Direction
    green_threshold: float | None
    amber_threshold: float | None
    subject_kind: SubjectKind
    subject_id: int | None
    initiative_id: int | None
    description: str


def create_series_tx(tx: Tx, values: Mapping[str, Any], initiative_code: str | None = None) -> MetricSeries:
    cleaned = clean(SCHEMA, values)
    for k in ("green_threshold", "amber_threshold"):
        if cleaned[k] is not None:
            cleaned[k] = float(cleaned[k])
    init_id = None
    if initiative_code:
        init_id = records.get_by(tx.session, Initiative, "initiative", code=initiative_code).id
        if cleaned["subject_kind"] is SubjectKind.INITIATIVE and cleaned["subject_id"] is None:
            cleaned["subject_id"] = init_id
    exists = tx.session.scalar(select(MetricSeries).where(
        MetricSeries.subject_kind == cleaned["subject_kind"], MetricSeries.subject_id == cleaned["subject_id"],
        MetricSeries.name == cleaned["name"]))
    if exists is not None:
        raise ValidationError("name", f"series '{cleaned['name']}' already exists for this subject", entity=ENTITY)
    series = MetricSeries(initiative_id=init_id, **cleaned)
    tx.add(series, ENTITY, key=f"{cleaned['subject_kind'].value}:{cleaned['subject_id']}:{cleaned['name']}")
    return series


def create_series(ws: Workspace, values: Mapping[str, Any], initiative_code: str | None = None) -> SeriesDTO:
    with ws.write() as tx:
        return records.to_dto(SeriesDTO, create_series_tx(tx, values, initiative_code))


def insert_points_tx(tx: Tx, rows: Iterable[tuple[int, int, float]], batch_id: int | None = None) -> int:
    """Insert (series id, epoch seconds, value) rows in the caller's transaction; an existing point is replaced."""
    return queries.bulk_upsert_points(tx.session.connection(), rows, batch_id)


def record_points(ws: Workspace, series_id: int, rows: list[tuple[int, float]], note: str = "") -> int:
    """Record (epoch seconds, value) points of one series by hand or from a tool, in one audited transaction."""
    with ws.write("metrics") as tx:
        records.get_by(tx.session, MetricSeries, ENTITY, id=series_id)
        n = insert_points_tx(tx, [(series_id, int(ts), float(v)) for ts, v in rows])
        tx.audit("record_points", ENTITY, series_id, None,
                 {"points": n, "first": min((r[0] for r in rows), default=None),
                  "last": max((r[0] for r in rows), default=None)}, note)
        return n


def list_series(ws: Workspace, initiative_code: str | None = None) -> list[SeriesDTO]:
    with ws.read() as s:
        stmt = select(MetricSeries).order_by(MetricSeries.discipline, MetricSeries.name)
        if initiative_code:
            stmt = stmt.join(Initiative, Initiative.id == MetricSeries.initiative_id).where(
                Initiative.code == initiative_code)
        return [records.to_dto(SeriesDTO, x) for x in s.scalars(stmt)]


def points(ws: Workspace, series_id: int, start: int | None = None, end: int | None = None):
    """(timestamps, values) as numpy arrays for one series between two epoch seconds (inclusive)."""
    with ws.read() as s:
        return queries.series_points(s.connection(), series_id, start, end)


def history(ws: Workspace, series_id: int):
    """Every point of one series as (epoch milliseconds, step, value) numpy arrays: an MLflow metric exactly as it
    was logged, several steps within one second included."""
    with ws.read() as s:
        return queries.series_history(s.connection(), series_id)


def point_count(ws: Workspace) -> int:
    with ws.read() as s:
        return s.scalar(select(func.count()).select_from(MetricPoint)) or 0
