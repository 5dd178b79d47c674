"""What the KPIs and bottlenecks read from the store, loaded in a few queries: initiatives, series, the recent
window of points, allocated spend by month. Plain data, no Session, so the maths can be tested on hand-made
snapshots."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsdesk.domain.enums import Direction, OpsDiscipline, RiskTier, Stage
from opsdesk.store import queries
from opsdesk.store.models import (
    CostRecord,
    Initiative,
    InitiativeObjective,
    MetricSeries,
    Objective,
    StageChange,
    WorkspaceInfo,
)
from opsdesk.store.workspace import Workspace

DAY = 86400
WINDOW_DAYS = 60  # two 30-day windows
LONG_WINDOW_DAYS = 100  # three billed months, for the series named in ``long_names``


@dataclass(frozen=True)
class InitiativeInfo:
    id: int
    code: str
    name: str
    stage: Stage
    risk_tier: RiskTier
    budget: Decimal
    currency: str
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    objectives: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeriesInfo:
    id: int
    initiative_id: int | None
    discipline: OpsDiscipline
    name: str
    unit: str
    direction: Direction
    green: float | None
    amber: float | None


@dataclass(frozen=True)
class SpendRow:
    """Allocated spend of one initiative in one billed period."""

    initiative_id: int | None  # None: the unallocated rest of a cost record
    period_start: dt.date
    period_end: dt.date
    currency: str
    amount: Decimal


@dataclass
class Snapshot:
    as_of: dt.date
    initiatives: list[InitiativeInfo]
    series: list[SeriesInfo]
    points: dict[int, tuple[np.ndarray, np.ndarray]]  # series id -> (epoch seconds, values), recent window
    spend: list[SpendRow]
    baselines: dict[int, float] = field(default_factory=dict)  # series id -> mean of its first 30 values
    fiscal_year_start_month: int = 1
    default_currency: str = "USD"
    _series_by: dict[int | None, list[SeriesInfo]] | None = field(default=None, repr=False)
    _spend_by: dict[int | None, list[SpendRow]] | None = field(default=None, repr=False)

    @property
    def end_ts(self) -> int:
        """The last second of ``as_of`` (UTC)."""
        return day_start_ts(self.as_of) + DAY - 1

    def series_of(self, initiative_id: int) -> list[SeriesInfo]:
        if self._series_by is None:
            self._series_by = defaultdict(list)
            for s in self.series:
                self._series_by[s.initiative_id].append(s)
        return self._series_by.get(initiative_id, [])

    def spend_of(self, initiative_id: int | None) -> list[SpendRow]:
        """The spend rows of one initiative (None: the unallocated rests)."""
        if self._spend_by is None:
            self._spend_by = defaultdict(list)
            for r in self.spend:
                self._spend_by[r.initiative_id].append(r)
        return self._spend_by.get(initiative_id, [])


def day_start_ts(day: dt.date) -> int:
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def ts_date(ts: int) -> dt.date:
    return dt.datetime.fromtimestamp(int(ts), dt.UTC).date()


def latest_data_date(session: Session) -> dt.date | None:
    """The date of the latest metric point or billed period in the workspace."""
    ts = queries.latest_ts(session.connection())
    if ts is not None:
        return ts_date(ts)
    last = session.scalar(select(func.max(CostRecord.charge_period_end)))
    return (last - dt.timedelta(seconds=1)).date() if last else None


def resolve_as_of(session: Session, as_of: dt.date | None, clock_today: dt.date) -> dt.date:
    """The date asked for, else the latest data's date — never later than today (a charge period or a point
    dated in the future must not carry the dashboard into the future)."""
    if as_of is not None:
        return as_of
    latest = latest_data_date(session)
    return min(latest, clock_today) if latest is not None else clock_today


def load(ws: Workspace, as_of: dt.date | None = None, *, codes: Iterable[str] | None = None,
         series_names: Iterable[str] | None = None, baseline_names: Iterable[str] = (),
         long_names: Iterable[str] = (), registry_only: bool = False) -> Snapshot:
    """Read everything the KPIs need. ``series_names`` (lower-case prefixes) limits which series' points are
    read (series with thresholds are always read, for breaches) over the last 60 days, ``long_names`` over the
    last 100; ``registry_only`` reads initiatives and series alone; ``baseline_names`` the series whose first 30 values make their baseline."""
    wanted = None if codes is None else set(codes)
    with ws.read() as s:
        day = resolve_as_of(s, as_of, ws.clock().date())
        info = s.scalar(select(WorkspaceInfo))
        objectives: dict[int, list[str]] = defaultdict(list)
        for init_id, obj_code in s.execute(
                select(InitiativeObjective.initiative_id, Objective.code)
                .join(Objective, Objective.id == InitiativeObjective.objective_id).order_by(Objective.code)):
            objectives[init_id].append(obj_code)
        currency = info.default_currency if info else "USD"
        n = Initiative
        inits = [InitiativeInfo(i.id, i.code, i.name, i.stage, i.risk_tier, i.budget, i.currency or currency,
                                i.start_date, i.end_date, tuple(objectives.get(i.id, ())))
                 for i in s.execute(select(n.id, n.code, n.name, n.stage, n.risk_tier, n.budget, n.currency,
                                           n.start_date, n.end_date).order_by(n.code))
                 if wanted is None or i.code in wanted]
        if as_of is not None:  # a past day: each initiative in the stage it had then
            inits = _stages_then(s, inits, day)
        ids = {i.id for i in inits}
        m = MetricSeries
        series = [SeriesInfo(*row) for row in s.connection().execute(  # Core rows: no ORM bookkeeping per row
            select(m.id, m.initiative_id, m.discipline, m.name, m.unit, m.direction, m.green_threshold,
                   m.amber_threshold).order_by(m.id)) if row[1] in ids]
        if registry_only:
            return Snapshot(day, inits, series, {}, [], {}, info.fiscal_year_start_month if info else 1, currency)
        prefixes = None if series_names is None else tuple(series_names)
        read = [x.id for x in series
                if prefixes is None or x.name.lower().startswith(prefixes) or x.green is not None]
        end = day_start_ts(day) + DAY - 1
        longer = tuple(long_names)
        long_ids = {x.id for x in series if longer and x.name.lower().startswith(longer)}
        points = split_points(*queries.window_points(s.connection(), [i for i in read if i not in long_ids],
                                                     end - WINDOW_DAYS * DAY + 1, end))
        points |= split_points(*queries.window_points(s.connection(), long_ids, end - LONG_WINDOW_DAYS * DAY + 1,
                                                      end))
        base_prefixes = tuple(baseline_names)
        baselines: dict[int, float] = {}
        for x in series:
            if base_prefixes and x.name.lower().startswith(base_prefixes):
                first = queries.first_points(s.connection(), x.id, 30)
                if first.size:
                    baselines[x.id] = float(first.mean())
        spend = _spend(s, day, ids)
        return Snapshot(day, inits, series, points, spend, baselines,
                        info.fiscal_year_start_month if info else 1, info.default_currency if info else "USD")


def _stages_then(s: Session, inits: list[InitiativeInfo], day: dt.date) -> list[InitiativeInfo]:
    limit = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(days=1)
    then: dict[int, Stage] = {}
    for init_id, stage in s.execute(select(StageChange.initiative_id, StageChange.to_stage)
                                    .where(StageChange.changed_at < limit)
                                    .order_by(StageChange.changed_at, StageChange.id)):
        then[init_id] = stage
    return [dataclasses.replace(i, stage=then[i.id]) if i.id in then else i for i in inits]


def split_points(sids: np.ndarray, ts: np.ndarray, values: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    if sids.size == 0:
        return {}
    cuts = np.flatnonzero(np.diff(sids)) + 1
    out = {}
    for part_s, part_t, part_v in zip(np.split(sids, cuts), np.split(ts, cuts), np.split(values, cuts), strict=True):
        out[int(part_s[0])] = (part_t, part_v)
    return out


def _spend(s: Session, day: dt.date, ids: set[int]) -> list[SpendRow]:
    """Allocated spend per initiative and billed period up to ``day``, plus each record's unallocated rest."""
    limit = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(days=1)
    records_rows, allocation_rows = queries.spend_rows(s.connection(), limit)
    records: dict[int, Any] = {rid: [start, end, currency, cost]
                               for rid, start, end, cost, currency in records_rows}
    rows: list[SpendRow] = []
    for rid, init_id, amount, currency in allocation_rows:
        rec = records.get(rid)
        if rec is None:
            continue
        rec[3] -= amount
        if init_id in ids:
            rows.append(SpendRow(init_id, rec[0], rec[1], currency, amount))
    rows.extend(SpendRow(None, start, end, currency, rest) for start, end, currency, rest in records.values() if rest)
    return rows
