"""How each kind of validated import is checked against the workspace and stored, pointing at its batch.

Metric points go through the raw driver (``queries.bulk_upsert_points``); register records (series, models,
assets, jobs, links) through the session so each creation is audited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from opsdesk.domain.enums import Direction, ImportKind, LineageKind, NodeKind, OpsDiscipline, SubjectKind
from opsdesk.ingest.metrics_table import MetricsData, MetricsSource, SeriesKey, Tally, repeated_rows
from opsdesk.ingest.report import ParsedFile
from opsdesk.store import queries
from opsdesk.store.models import (
    CostRecord,
    DataAsset,
    Experiment,
    Initiative,
    Job,
    LineageLink,
    MetricSeries,
    Model,
)
from opsdesk.store.workspace import Tx

if TYPE_CHECKING:  # the readers of the other kinds are imported by the writers that need them (a CSV needs none)
    from opsdesk.ingest.gx import QualityData
    from opsdesk.ingest.mlflow_store import MlflowData
    from opsdesk.ingest.openlineage import DatasetRef, LineageData

CHUNK = 100_000
Step = Callable[[int], None]
QUALITY_SERIES = "Data quality score"


def guess_discipline(name: str, unit: str) -> OpsDiscipline:
    text = f"{name} {unit}".lower()
    if any(w in text for w in ("cost", "spend", "usd", "eur", "gbp", "budget", "$")):
        return OpsDiscipline.FINOPS
    if any(w in text for w in ("model", "auc", "f1", "drift", "latency", "accuracy", "loss", "precision",
                               "recall", "inference", "prediction", "deploy")):
        return OpsDiscipline.MLOPS
    return OpsDiscipline.DATAOPS


# --- checks against the workspace (preview) -----------------------------------------------------------------

def resolve(session: Session, parsed: ParsedFile) -> None:
    """Reject rows that the workspace cannot take (unknown initiative, a unit that contradicts the series). A
    metrics file read in chunks is checked whole here (nothing is kept but its report)."""
    if parsed.kind is ImportKind.METRICS and isinstance(parsed.data, MetricsData):
        _resolve_metrics(session, parsed, parsed.data)
    elif parsed.kind is ImportKind.METRICS and isinstance(parsed.data, MetricsSource):
        scan_metrics(session, parsed, parsed.data)


class _Resolver:
    """Series keys met in a file, in order of their first row, each checked once against the workspace."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.codes: dict[str, int] = dict(session.execute(select(Initiative.code, Initiative.id)).all())
        self.keys: list[SeriesKey] = []
        self.index: dict[SeriesKey, int] = {}
        self.problem: list[tuple[str, str] | None] = []
        self.first_unit: dict[tuple[str, str], str] = {}

    def _check(self, key: SeriesKey) -> tuple[str, str] | None:
        if key.initiative and key.initiative not in self.codes:
            return "initiative", f"the initiative {key.initiative} does not exist in this workspace"
        if key.discipline:
            try:
                OpsDiscipline.parse(key.discipline)
            except ValueError:
                return "discipline", f"'{key.discipline}' is not dataops, mlops or finops"
        existing = _find_series(self.session, key, self.codes)
        if existing is not None and key.unit and existing.unit and existing.unit != key.unit:
            return "unit", f"the series '{key.name}' is measured in '{existing.unit}', not '{key.unit}'"
        if existing is None and key.unit:  # a new series: the first unit given in the file sets it
            unit = self.first_unit.setdefault((key.initiative, key.name), key.unit)
            if unit != key.unit:
                return "unit", f"the series '{key.name}' is given in '{unit}' earlier in this file, not '{key.unit}'"
        return None

    def take(self, parsed: ParsedFile, data: MetricsData) -> np.ndarray:
        """Reject (and drop from ``data``) the rows whose series the workspace cannot take; returns the file-wide
        key index of each row left."""
        if not len(data.key_idx):
            return np.zeros(0, dtype=np.int64)
        order = np.unique(data.key_idx, return_index=True)[1].tolist()
        first_row = {int(data.key_idx[j]): int(j) for j in order}
        to_global = np.zeros(len(data.keys), dtype=np.int64)
        for i in sorted(first_row, key=first_row.__getitem__):  # keys whose rows were all rejected: none here
            key = data.keys[i]
            g = self.index.get(key)
            if g is None:
                g = self.index[key] = len(self.keys)
                self.keys.append(key)
                self.problem.append(self._check(key))
            to_global[i] = g
        glob = to_global[data.key_idx]
        bad_keys = [int(to_global[i]) for i in first_row if self.problem[int(to_global[i])] is not None]
        if not bad_keys:
            return glob
        bad = np.isin(glob, np.asarray(bad_keys, dtype=np.int64))
        for j in np.flatnonzero(bad).tolist():
            column, reason = self.problem[int(glob[j])]  # type: ignore[misc]
            parsed.reject(int(data.lines[j]), column, reason)
        keep = ~bad
        data.lines, data.ts, data.values, data.key_idx = (data.lines[keep], data.ts[keep], data.values[keep],
                                                          data.key_idx[keep])
        return glob[keep]


def _resolve_metrics(session: Session, parsed: ParsedFile, data: MetricsData) -> None:
    before = len(parsed.rejected)
    _Resolver(session).take(parsed, data)
    if len(parsed.rejected) != before:
        parsed.rejected.sort(key=lambda i: (i.line or 0))
        parsed.accepted = len(data.ts)


class _Monotonic:
    """Whether every series' timestamps only grow through the file so far (then no row can repeat another's
    series and time, and the file needs no sort to find repeats)."""

    def __init__(self) -> None:
        self.last = np.zeros(0, dtype=np.int64)
        self.holds = True

    def see(self, glob: np.ndarray, ts: np.ndarray, keys: int) -> None:
        if not self.holds or not len(glob):
            return
        if len(self.last) < keys:
            self.last = np.concatenate([self.last, np.full(keys - len(self.last), np.iinfo(np.int64).min)])
        order = np.argsort(glob, kind="stable")
        g, t = glob[order], ts[order]
        same = g[1:] == g[:-1]
        starts = np.flatnonzero(np.concatenate(([True], ~same)))
        ends = np.concatenate((starts[1:] - 1, [len(g) - 1]))
        if not (np.all(t[1:][same] > t[:-1][same]) and np.all(t[starts] > self.last[g[starts]])):
            self.holds = False
            return
        self.last[g[ends]] = t[ends]


def scan_metrics(session: Session, parsed: ParsedFile, source: MetricsSource,
                 write: Callable[[_Resolver, np.ndarray, MetricsData], None] | None = None) -> None:
    """Read and check a large metrics file chunk by chunk (constant memory), optionally writing each chunk's
    accepted points as it goes (``write(resolver, file-wide key index per row, points)``). The first pass fills the
    file's report (rejections, warnings — one per kind for the whole file —, repeated rows, accepted count); a
    later pass (the commit after a preview) only writes, leaving the report as it is."""
    first = not source.scanned
    report = parsed if first else ParsedFile(parsed.kind, parsed.path, parsed.name, parsed.sha256)
    resolver, tally, monotonic = _Resolver(session), Tally(), _Monotonic()
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    accepted = 0
    excluded = source.excluded_lines
    for data in source.chunks(report, tally):
        glob = resolver.take(report, data)
        if excluded is not None and len(excluded):
            keep = ~np.isin(data.lines, excluded)
            glob = glob[keep]
            data.lines, data.ts, data.values, data.key_idx = (data.lines[keep], data.ts[keep], data.values[keep],
                                                              data.key_idx[keep])
        if first:
            monotonic.see(glob, data.ts, len(resolver.keys))
            parts.append((glob.astype(np.int32), data.ts, data.lines.astype(np.int32)))
        if write is not None and len(data.ts):
            write(resolver, glob, data)
        accepted += len(data.ts)
    if not first:
        return
    tally.warn(parsed)
    if not monotonic.holds:  # some series goes back in time: look for rows that repeat a series and time
        lines = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, np.int32)
        whole = MetricsData(lines=lines, ts=np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64),
                            values=np.zeros(0), key_idx=np.concatenate([p[0] for p in parts]) if parts else lines,
                            keys=resolver.keys)
        parts.clear()
        dropped = repeated_rows(parsed, whole, source.strict)
        if dropped is not None:
            accepted -= len(dropped)
            if source.strict:
                source.excluded_lines = np.unique(lines[dropped]).astype(np.int64)
    parsed.rejected.sort(key=lambda i: (i.line or 0))
    parsed.accepted = accepted
    source.scanned = True


def _find_series(session: Session, key: SeriesKey, codes: dict[str, int]) -> MetricSeries | None:
    if key.initiative:
        kind, subject = SubjectKind.INITIATIVE, codes.get(key.initiative)
    else:
        kind, subject = SubjectKind.PORTFOLIO, None
    stmt = select(MetricSeries).where(MetricSeries.subject_kind == kind, MetricSeries.name == key.name)
    stmt = stmt.where(MetricSeries.subject_id.is_(None) if subject is None else MetricSeries.subject_id == subject)
    return session.scalar(stmt)


# --- writing (commit) -----------------------------------------------------------------------------------------

def write(tx: Tx, parsed: ParsedFile, batch_id: int, step: Step) -> dict[str, int]:
    if isinstance(parsed.data, MetricsSource):
        return _write_metrics_stream(tx, parsed, parsed.data, batch_id, step)
    writer = {ImportKind.METRICS: _write_metrics, ImportKind.FOCUS: _write_focus, ImportKind.MLFLOW: _write_mlflow,
              ImportKind.OPENLINEAGE: _write_lineage, ImportKind.GX: _write_quality}[parsed.kind]
    return writer(tx, parsed.data, batch_id, step)


def _points(tx: Tx, sids: np.ndarray, ts: np.ndarray, values: np.ndarray, batch_id: int, step: Step) -> int:
    conn = tx.session.connection()
    n = 0
    for start in range(0, len(ts), CHUNK):
        sl = slice(start, start + CHUNK)
        n += queries.bulk_upsert_point_columns(conn, sids[sl].tolist(), ts[sl].tolist(), values[sl].tolist(),
                                               batch_id)
        step(n)
    return n


def _series(tx: Tx, *, name: str, unit: str, discipline: OpsDiscipline, kind: SubjectKind, subject: int | None,
            initiative_id: int | None, description: str = "") -> tuple[int, bool]:
    stmt = select(MetricSeries).where(MetricSeries.subject_kind == kind, MetricSeries.name == name)
    stmt = stmt.where(MetricSeries.subject_id.is_(None) if subject is None else MetricSeries.subject_id == subject)
    found = tx.session.scalar(stmt)
    if found is not None:
        return found.id, False
    series = MetricSeries(discipline=discipline, name=name, unit=unit, direction=Direction.HIGHER_IS_BETTER,
                          subject_kind=kind, subject_id=subject, initiative_id=initiative_id,
                          description=description)
    tx.add(series, "metric_series", key=f"{kind.value}:{subject}:{name}", note="created by an import")
    return series.id, True


def _key_series(tx: Tx, codes: dict[str, int], key: SeriesKey) -> tuple[int, bool]:
    """The series a metrics key names, created when new: (its id, whether it was created)."""
    init_id = codes.get(key.initiative) if key.initiative else None
    discipline = OpsDiscipline.parse(key.discipline) if key.discipline else guess_discipline(key.name, key.unit)
    return _series(tx, name=key.name, unit=key.unit, discipline=discipline,
                   kind=SubjectKind.INITIATIVE if init_id else SubjectKind.PORTFOLIO, subject=init_id,
                   initiative_id=init_id)


def _write_metrics(tx: Tx, data: MetricsData, batch_id: int, step: Step) -> dict[str, int]:
    codes = dict(tx.session.execute(select(Initiative.code, Initiative.id)).all())
    ids = np.zeros(len(data.keys), dtype=np.int64)
    created = 0
    used = set(np.unique(data.key_idx).tolist())  # keys whose rows were all rejected are not written
    for i, key in enumerate(data.keys):
        if i not in used:
            continue
        ids[i], new = _key_series(tx, codes, key)
        created += new
    points = _points(tx, ids[data.key_idx], data.ts, data.values, batch_id, step)
    return {"points": points, "series_created": created}


def _write_metrics_stream(tx: Tx, parsed: ParsedFile, source: MetricsSource, batch_id: int,
                          step: Step) -> dict[str, int]:
    """Write a large metrics file chunk by chunk inside the caller's transaction (checking it on the way when no
    preview did): a rejection anywhere is known only at the end, and the caller then rolls everything back."""
    codes = dict(tx.session.execute(select(Initiative.code, Initiative.id)).all())
    ids: list[int] = []
    created = written = 0

    def write(resolver: _Resolver, glob: np.ndarray, data: MetricsData) -> None:
        nonlocal created, written
        for g in range(len(ids), len(resolver.keys)):
            if resolver.problem[g] is not None:  # its rows were rejected: no series for it
                ids.append(0)
                continue
            sid, new = _key_series(tx, codes, resolver.keys[g])
            ids.append(sid)
            created += new
        base = written
        written += _points(tx, np.asarray(ids, dtype=np.int64)[glob], data.ts, data.values, batch_id,
                           lambda n: step(base + n))

    with queries.bulk_load(tx.session.connection()):
        scan_metrics(tx.session, parsed, source, write)
    return {"points": parsed.accepted, "series_created": created}


def _write_focus(tx: Tx, data: Any, batch_id: int, step: Step) -> dict[str, int]:
    from opsdesk.services.finance import costs

    rows = [{**r, "batch_id": batch_id} for r in data.rows]
    for start in range(0, len(rows), 5000):
        tx.session.execute(insert(CostRecord), rows[start:start + 5000])
        step(min(start + 5000, len(rows)))
    summary = costs.apply_rules_tx(tx, note="after importing a FOCUS export")
    return {"cost_records": len(rows), "allocated_records": summary["allocated_records"]}


def _experiments(tx: Tx, data: MlflowData, batch_id: int) -> tuple[dict[str, int], int]:
    """MLflow experiments as records, by name (created, or their id, tags and lifecycle brought up to date)."""
    ids: dict[str, int] = {}
    created = 0
    for e in data.experiments:
        name = e.name[:300]
        values = {"source_id": e.experiment_id[:100], "tags": dict(e.tags), "lifecycle_stage": e.lifecycle_stage[:40]}
        found = tx.session.scalar(select(Experiment).where(Experiment.name == name))
        if found is None:
            found = Experiment(name=name, batch_id=batch_id, **values)
            tx.add(found, "experiment", key=name, note="from MLflow")
            created += 1
        elif any(getattr(found, k) != v for k, v in values.items()):
            tx.update(found, "experiment", values, key=name, note="from MLflow")
        ids[e.experiment_id] = found.id
    return ids, created


def _write_mlflow(tx: Tx, data: MlflowData, batch_id: int, step: Step) -> dict[str, int]:
    from opsdesk.ingest.mlflow_store import framework_of, params_of

    experiments, experiments_created = _experiments(tx, data, batch_id)
    runs = {r.run_id: r for r in data.runs}
    registered = {v.run_id for v in data.versions}
    targets: list[tuple[str, str, Any, Any]] = [(v.model, v.version, runs.get(v.run_id), v) for v in data.versions]
    targets += [(r.experiment, f"run {r.run_id[:8]}" + (" (deleted)" if r.deleted else ""), r, None)
                for r in data.runs if r.run_id not in registered]
    models = series_created = points = 0
    for name, label, run, version in targets:
        model = tx.session.scalar(select(Model).where(Model.name == name[:300], Model.version_label == label[:80]))
        flavors = (version.flavors if version is not None and version.flavors else run.flavors if run else [])
        values = {"registry_source": (f"mlflow:models:/{name}/{label}" if version else
                                      f"mlflow:runs:/{run.run_id}")[:500],
                  "aliases": list(version.aliases) if version else [], "params": params_of(run, version),
                  "owner": run.owner[:200] if run else "",
                  "framework": (run.tags.get("framework") if run else "") or framework_of(flavors),
                  "experiment_id": experiments.get(run.experiment_id) if run else None,
                  "batch_id": batch_id}
        if model is None:
            model = Model(name=name[:300], version_label=label[:80], **values)
            tx.add(model, "model", key=f"{name}:{label}", note="from MLflow")
            models += 1
        else:
            tx.update(model, "model", values, key=f"{name}:{label}", note="from MLflow")
        if run is None:
            continue
        for key, history in sorted(run.metrics.items()):
            if not history:
                continue
            sid, new = _series(tx, name=key, unit="", discipline=OpsDiscipline.MLOPS, kind=SubjectKind.MODEL,
                               subject=model.id, initiative_id=model.initiative_id,
                               description=f"MLflow metric of run {run.name or run.run_id}")
            series_created += new
            stamp = np.fromiter((p[0] for p in history), dtype=np.int64, count=len(history))
            steps = np.fromiter((p[1] for p in history), dtype=np.int64, count=len(history))
            vals = np.fromiter((p[2] for p in history), dtype=np.float64, count=len(history))
            conn = tx.session.connection()
            points += queries.bulk_upsert_point_columns(
                conn, [sid] * len(stamp), (stamp // 1000).tolist(), vals.tolist(), batch_id,
                ms=(stamp % 1000).tolist(), steps=steps.tolist())
        step(points)
    return {"experiments_created": experiments_created, "models_created": models, "series_created": series_created,
            "points": points}


def _asset(tx: Tx, ref: DatasetRef, batch_id: int, created: list[int]) -> DataAsset:
    asset = tx.session.scalar(select(DataAsset).where(DataAsset.namespace == ref.namespace[:300],
                                                      DataAsset.name == ref.name[:300]))
    if asset is None:
        asset = tx.session.scalar(select(DataAsset).where(DataAsset.name == ref.name[:300]))
        if asset is not None and asset.namespace and ref.namespace and asset.namespace != ref.namespace:
            full = f"{ref.namespace}/{ref.name}"[:300]
            asset = tx.session.scalar(select(DataAsset).where(DataAsset.name == full))
            name = full
        else:
            name = ref.name[:300]
        if asset is None:
            asset = DataAsset(name=name, namespace=ref.namespace[:300], owner=ref.owner[:200],
                              source_system=ref.namespace[:200], description=ref.description, batch_id=batch_id)
            tx.add(asset, "data_asset", key=name, note="seen in OpenLineage events")
            created.append(asset.id)
    return asset


def _link(tx: Tx, source: tuple[NodeKind, int], target: tuple[NodeKind, int], kind: LineageKind, job: str,
          batch_id: int) -> bool:
    exists = tx.session.scalar(select(LineageLink.id).where(
        LineageLink.source_kind == source[0], LineageLink.source_id == source[1],
        LineageLink.target_kind == target[0], LineageLink.target_id == target[1], LineageLink.kind == kind))
    if exists is not None:
        return False
    tx.add(LineageLink(source_kind=source[0], source_id=source[1], target_kind=target[0], target_id=target[1],
                       kind=kind, job_name=job[:300], batch_id=batch_id), "lineage_link",
           key=f"{source[0].value}:{source[1]}->{target[0].value}:{target[1]}")
    return True


def _write_lineage(tx: Tx, data: LineageData, batch_id: int, step: Step) -> dict[str, int]:
    assets: list[int] = []
    jobs = links = 0
    models = {name: ident for ident, name in tx.session.execute(select(Model.id, Model.name))}
    for n, ev in enumerate(sorted(data.events, key=lambda e: e.event_time), start=1):
        job = tx.session.scalar(select(Job).where(Job.namespace == ev.job_namespace[:300],
                                                  Job.name == ev.job_name[:300]))
        state: dict[str, Any] = ({"batch_id": batch_id} if ev.static else
                                 {"last_run_state": ev.event_type, "last_run_at": ev.event_time, "batch_id": batch_id})
        if ev.job_description:
            state["facets"] = {"description": ev.job_description}
        if job is None:
            job = Job(namespace=ev.job_namespace[:300], name=ev.job_name[:300], **state)
            tx.add(job, "job", key=f"{ev.job_namespace}/{ev.job_name}", note="seen in OpenLineage events")
            jobs += 1
        else:
            tx.session.flush()
            for k, v in state.items():
                setattr(job, k, v)
        for ref in ev.inputs:
            asset = _asset(tx, ref, batch_id, assets)
            links += _link(tx, (NodeKind.DATA_ASSET, asset.id), (NodeKind.JOB, job.id), LineageKind.USED_BY,
                           ev.job_name, batch_id)
        for ref in ev.outputs:
            if ref.name in models:
                links += _link(tx, (NodeKind.JOB, job.id), (NodeKind.MODEL, models[ref.name]), LineageKind.PRODUCES,
                               ev.job_name, batch_id)
                continue
            asset = _asset(tx, ref, batch_id, assets)
            links += _link(tx, (NodeKind.JOB, job.id), (NodeKind.DATA_ASSET, asset.id), LineageKind.PRODUCES,
                           ev.job_name, batch_id)
        step(n)
    for ref in data.datasets:
        asset = _asset(tx, ref, batch_id, assets)
        changes = {k: v for k, v in (("description", ref.description), ("owner", ref.owner[:200])) if v
                   and not getattr(asset, k)}
        if changes:
            tx.update(asset, "data_asset", changes, key=asset.name, note="from an OpenLineage DatasetEvent")
    tx.session.flush()
    return {"jobs_created": jobs, "assets_created": len(assets), "links_created": links}


def _write_quality(tx: Tx, data: QualityData, batch_id: int, step: Step) -> dict[str, int]:
    from opsdesk.ingest.openlineage import DatasetRef

    created_assets: list[int] = []
    series_created = 0
    rows: list[tuple[int, int, float]] = []
    for p in data.points:
        asset = _asset(tx, DatasetRef("", p.asset), batch_id, created_assets)
        sid, new = _series(tx, name=QUALITY_SERIES, unit="%", discipline=OpsDiscipline.DATAOPS,
                           kind=SubjectKind.DATA_ASSET, subject=asset.id, initiative_id=None,
                           description="Share of Great Expectations expectations met")
        series_created += new
        rows.append((sid, int(p.at.timestamp()), p.score))
    arr = np.asarray(rows, dtype=np.float64).reshape(-1, 3)
    n = _points(tx, arr[:, 0].astype(np.int64), arr[:, 1].astype(np.int64), arr[:, 2], batch_id, step)
    return {"points": n, "assets_created": len(created_assets), "series_created": series_created}
