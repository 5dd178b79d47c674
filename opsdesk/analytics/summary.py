"""The dashboard summary: what :func:`opsdesk.analytics.dashboard.load` computed, kept on disk so that opening the
dashboard reads one small file instead of recomputing every KPI from millions of points.

A summary belongs to one state of the data. Every committed write transaction increments the workspace's data
version (``Workspace.write``) and every change through a service appends to the audit chain, so the data version,
the chain's head (its sequence number and hash), the chain's first hash and the workspace's location name that
state; the filters and the date the figures are "as of" complete the key. A summary whose key no longer matches is never read: it is recomputed. Imports and
edits made in the application refresh the dashboard at once (which writes the new summary); the command-line
imports write it before they return (:func:`warm`).

Summaries are derived data, not records: they live in the user data folder (``summaries/``), hold JSON only (no
code is ever loaded from them), and can be deleted at any time; the next opening of the dashboard writes them
again. A file that cannot be read or does not decode is ignored and replaced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
import json
import logging
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select

from opsdesk import __version__, paths
from opsdesk.analytics import bottlenecks, kpis
from opsdesk.analytics import dashboard as analytics
from opsdesk.analytics.snapshot import resolve_as_of
from opsdesk.domain.enums import OpsDiscipline, RiskTier, Stage
from opsdesk.services.context import Workspace
from opsdesk.store import queries
from opsdesk.store.models import AuditEvent

log = logging.getLogger(__name__)

FORMAT = 1  # bump when what the dashboard computes changes shape or meaning
KEEP = 64  # summaries kept in the folder; the oldest go first

_CLASSES: dict[str, type] = {c.__name__: c for c in (
    analytics.DashboardData, analytics.Filters, analytics.Curve, analytics.PortfolioPoint, analytics.FunnelStage,
    kpis.KPI, bottlenecks.AttentionItem)}
_ENUMS: dict[str, type[enum.Enum]] = {e.__name__: e for e in (OpsDiscipline, RiskTier, Stage)}


def folder() -> Path:
    path = paths.user_data_dir() / "summaries"
    path.mkdir(parents=True, exist_ok=True)
    return path


def data_key(ws: Workspace, filters: analytics.Filters) -> tuple[str, dt.date]:
    """The key of the current state of the data under ``filters``, and the date the dashboard is as of."""
    with ws.read() as s:
        head = s.execute(select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)).first()
        first = s.scalar(select(AuditEvent.hash).order_by(AuditEvent.seq).limit(1))
        as_of = resolve_as_of(s, None, ws.clock().date())
        version = queries.data_version(s.connection())
    parts = [f"format={FORMAT}", f"version={__version__}", f"location={ws.location}", f"first={first}",
             f"data={version}",
             f"head={head[0] if head else 0}:{head[1] if head else ''}", f"as_of={as_of.isoformat()}",
             f"objective={filters.objective}", f"stage={filters.stage}", f"discipline={filters.discipline}"]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest(), as_of


def load(ws: Workspace, filters: analytics.Filters = analytics.Filters()) -> analytics.DashboardData:
    """The dashboard for the data as it is now: from its summary when one was written for exactly this state,
    computed (and the summary written) otherwise. ``seconds`` says which: ``summary`` or the computing steps."""
    started = time.perf_counter()
    key, as_of = data_key(ws, filters)
    path = folder() / f"{key}.json"
    data = read(path)
    if data is not None and data.filters == filters and data.as_of == as_of:
        data.seconds = {"summary": time.perf_counter() - started}
        return data
    data = analytics.load(ws, filters, as_of)
    write(path, data)
    return data


def warm(ws: Workspace) -> Path:
    """Write the summary of the unfiltered dashboard for the data as it is now (after an import)."""
    key, _as_of = data_key(ws, analytics.Filters())
    path = folder() / f"{key}.json"
    if read(path) is None:
        write(path, analytics.load(ws, analytics.Filters()))
    return path


def read(path: Path) -> analytics.DashboardData | None:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("cannot read the dashboard summary %s: %s", path, exc)
        return None
    try:
        data = loads(raw)
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("ignoring the dashboard summary %s, which does not decode: %s", path, exc)
        return None
    return data if isinstance(data, analytics.DashboardData) else None


def write(path: Path, data: analytics.DashboardData) -> None:
    """Write atomically (a reader never sees half a file); a summary that cannot be written is only logged."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".summary-", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(dumps(data))
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot write the dashboard summary %s: %s", path, exc)
        return
    _prune(path.parent)


def _prune(where: Path) -> None:
    files = sorted(where.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in files[KEEP:]:
        old.unlink(missing_ok=True)


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
