"""The dashboard summary: what :func:`opsdesk.analytics.dashboard.load` computed, kept inside the workspace so
that opening the dashboard reads one row instead of recomputing every KPI from millions of points.

A summary belongs to one state of the data. Every committed write transaction increments the workspace's data
version (``Workspace.write``) and every change through a service appends to the audit chain; the data version, the
chain's head (its sequence number and hash), the date the figures are "as of", the filters, the OpsDesk version and
the shape of what is kept make the key. A summary whose key no longer matches is never read: it is recomputed, and
a summary computed while another write landed is not kept. Imports and edits made in the application refresh the
dashboard at once (which keeps the new summary); the command-line imports keep it before they return (:func:`warm`).

Summaries are derived data, not records (``DashboardSummary``): no audit event, no new data version, never
exchanged or copied between workspaces; they hold JSON of the dashboard's own types only (no code is ever loaded
from them) and live in the workspace, with its protection and marking. A summary that does not decode is ignored
and replaced; a workspace open read-only computes the dashboard without keeping it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import logging
import time
from typing import Any

import numpy as np
from sqlalchemy import delete, func, select

from opsdesk import __version__
from opsdesk.analytics import bottlenecks, kpis
from opsdesk.analytics import dashboard as analytics
from opsdesk.analytics.snapshot import resolve_as_of
from opsdesk.domain.enums import OpsDiscipline, RiskTier, Stage
from opsdesk.store import queries
from opsdesk.store.models import DashboardSummary
from opsdesk.store.workspace import Workspace

log = logging.getLogger(__name__)

KEEP = 16  # summaries kept per workspace (one per set of filters in use); the oldest go first
ARRAY_TYPES = frozenset({"<f8", "<i8"})

_CLASSES: dict[str, type] = {c.__name__: c for c in (
    analytics.DashboardData, analytics.Filters, analytics.Curve, analytics.PortfolioPoint, analytics.FunnelStage,
    kpis.KPI, bottlenecks.AttentionItem, analytics.RiskOverview)}
_ENUMS: dict[str, type[enum.Enum]] = {e.__name__: e for e in (OpsDiscipline, RiskTier, Stage)}
#: Bumped when what a kept figure means changes without its shape changing, so no older summary is shown:
#: 2 — the FinOps chart draws the cost ledger's records (it summed "daily cloud spend" series before).
FIGURES = 2
# dataclasses are kept by position: any change to their fields makes every older summary unreadable by key
SHAPE = hashlib.sha256(repr(sorted((name, [f.name for f in dataclasses.fields(cls)])  # type: ignore[arg-type]
                                   for name, cls in _CLASSES.items())).encode()).hexdigest()[:16]


@dataclasses.dataclass(frozen=True)
class Key:
    digest: str
    data_version: int
    as_of: dt.date


def _key(s: Any, ws: Workspace, filters: analytics.Filters) -> Key:
    as_of = resolve_as_of(s, None, ws.clock().date())
    version = queries.records_version(s.connection())  # audit-only writes (exports) leave the summary standing
    parts = [f"shape={SHAPE}", f"figures={FIGURES}", f"version={__version__}", f"data={version}",
             f"as_of={as_of.isoformat()}",
             f"objective={filters.objective}", f"stage={filters.stage}", f"discipline={filters.discipline}"]
    return Key(hashlib.sha256("\n".join(parts).encode()).hexdigest(), version, as_of)


def load(ws: Workspace, filters: analytics.Filters = analytics.Filters()) -> analytics.DashboardData:
    """The dashboard for the data as it is now: from its summary when one was kept for exactly this state,
    computed (and kept) otherwise. ``seconds`` says which: ``summary`` or the computing steps."""
    data, unkept = read_or_compute(ws, filters)
    if unkept is not None:
        keep(ws, unkept, data)
    return data


def read_or_compute(ws: Workspace, filters: analytics.Filters = analytics.Filters()
                    ) -> tuple[analytics.DashboardData, Key | None]:
    """As :func:`load`, without keeping what was computed: the dashboard and, when it was computed, the key to
    :func:`keep` it under (the page shows it first and keeps it after its first paint)."""
    started = time.perf_counter()
    key, data = _kept(ws, filters)
    if data is not None:
        data.seconds = {"summary": time.perf_counter() - started}
        return data, None
    return analytics.load(ws, filters, key.as_of), key


def warm(ws: Workspace) -> bool:
    """Keep the summary of the unfiltered dashboard for the data as it is now (after a change); whether one is
    there now."""
    key, data = _kept(ws, analytics.Filters())
    return data is not None or keep(ws, key, analytics.load(ws, analytics.Filters(), key.as_of))


def _kept(ws: Workspace, filters: analytics.Filters) -> tuple[Key, analytics.DashboardData | None]:
    """The key of the data as it is now under ``filters``, and the summary kept for it, if a sound one is."""
    with ws.read() as s:
        key = _key(s, ws, filters)
        raw = queries.read_summary(s.connection(), key.digest)
    data = _decoded(raw, key) if raw is not None else None
    return key, (data if data is not None and data.filters == filters else None)


def keep(ws: Workspace, key: Key, data: analytics.DashboardData) -> bool:
    """Keep a computed dashboard under its key, unless the workspace is read-only or the data moved on meanwhile.
    A summary that cannot be kept is only logged: it is derived data."""
    if ws.read_only:
        return False
    try:
        payload = dumps(data)
        with ws.derived_write() as conn:
            return queries.write_summary(conn, key.digest, key.data_version, ws.clock(), payload, KEEP)
    except Exception:  # noqa: BLE001 - never fail the dashboard (or an import) over its cache
        log.warning("could not keep the dashboard summary", exc_info=True)
        return False


def forget(ws: Workspace) -> int:
    """Drop every kept summary (they are derived data); how many there were."""
    with ws.derived_write() as conn:
        return conn.execute(delete(DashboardSummary)).rowcount


def count(ws: Workspace) -> int:
    with ws.read() as s:
        return s.scalar(select(func.count()).select_from(DashboardSummary)) or 0


def _decoded(raw: str, key: Key) -> analytics.DashboardData | None:
    try:
        data = loads(raw)
    except Exception as exc:  # noqa: BLE001 - anything wrong with a summary only means computing it again
        log.warning("ignoring a dashboard summary that does not decode: %s", exc)
        return None
    if not isinstance(data, analytics.DashboardData) or data.as_of != key.as_of:
        return None
    return data


# --- JSON codec: dataclasses, enums, dates, tuples and numpy arrays of the dashboard's own types only -------------
# Every value that is not plain JSON becomes an object with one tag; decoding turns each such object back as the
# parser meets it (``object_hook``), innermost first, so no Python code walks the plain values.

def encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__name__ not in _CLASSES:
            raise TypeError(f"not a dashboard type: {type(value).__name__}")
        return {"$dc": type(value).__name__, "v": [encode(getattr(value, f.name)) for f in dataclasses.fields(value)]}
    if isinstance(value, enum.Enum):
        return {"$enum": type(value).__name__, "v": value.value}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if isinstance(value, np.ndarray):
        if value.dtype.str not in ARRAY_TYPES:
            raise TypeError(f"cannot keep an array of {value.dtype} in a dashboard summary")
        return {"$array": value.dtype.str, "v": value.tolist()}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {"$dict": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot keep {type(value).__name__} in a dashboard summary")


def _hook(obj: dict[str, Any]) -> Any:
    if "$dc" in obj:
        return _CLASSES[obj["$dc"]](*obj["v"])
    if "$enum" in obj:
        return _ENUMS[obj["$enum"]](obj["v"])
    if "$date" in obj:
        return dt.date.fromisoformat(obj["$date"])
    if "$array" in obj:
        if obj["$array"] not in ARRAY_TYPES:
            raise ValueError(f"unexpected array type {obj['$array']!r} in a dashboard summary")
        return np.asarray(obj["v"], dtype=np.dtype(obj["$array"]))
    if "$tuple" in obj:
        return tuple(obj["$tuple"])
    if "$dict" in obj:
        return {k: v for k, v in obj["$dict"]}
    raise ValueError(f"unknown entry in a dashboard summary: {sorted(obj)[:3]}")


def dumps(data: analytics.DashboardData) -> str:
    return json.dumps(encode(data), separators=(",", ":"))


def loads(raw: str) -> Any:
    return json.loads(raw, object_hook=_hook)
