"""MLflow tracking data from an ``mlruns/`` folder (file store, MLflow 1.x–3.x) or an ``mlflow.db`` SQLite store.

Both become the same plain description: experiments, runs (status, params, tags, metric histories with steps),
registered models with their versions, tags and aliases. The database is opened read-only with the sqlite3
module; MLflow itself is never needed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from opsdesk import files
from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.report import Issue, ParsedFile
from opsdesk.ingest.textfile import short

FILE_STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class MlflowRun:
    run_id: str
    experiment: str
    name: str
    status: str
    user: str
    started: dt.datetime | None
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    #: metric key → [(timestamp ms, step, value)], NaN already removed
    metrics: dict[str, list[tuple[int, int, float]]] = field(default_factory=dict)


@dataclass
class MlflowVersion:
    model: str
    version: str
    run_id: str
    status: str
    source: str
    description: str
    aliases: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)
    model_tags: dict[str, str] = field(default_factory=dict)


@dataclass
class MlflowData:
    store: str
    runs: list[MlflowRun] = field(default_factory=list)
    versions: list[MlflowVersion] = field(default_factory=list)

    @property
    def points(self) -> int:
        return sum(len(p) for r in self.runs for p in r.metrics.values())


def is_mlruns(path: Path) -> bool:
    if not path.is_dir():
        return False
    if path.name == "mlruns" or (path / "models").is_dir():
        return True
    return any((d / "meta.yaml").is_file() for d in path.iterdir() if d.is_dir())


def folder_digest(path: Path) -> str:
    """SHA-256 over the relative names and bytes of every tracking file (artifacts are left out)."""
    h = hashlib.sha256()
    for f in sorted(p for p in path.rglob("*") if p.is_file() and "artifacts" not in p.relative_to(path).parts):
        h.update(str(f.relative_to(path)).encode("utf-8") + b"\x00")
        h.update(files.read_bounded(f) + b"\x00")
    return h.hexdigest()


def _ms(value: Any) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC).replace(microsecond=0)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _one_point_per_second(data: MlflowData) -> int:
    """OpsDesk keys points by (series, second); MLflow may log several steps within one second (or the same
    step twice). Keep the last logged (by timestamp, then step) and count the others."""
    dropped = 0
    for run in data.runs:
        for key, history in run.metrics.items():
            by_second: dict[int, tuple[int, int, float]] = {}
            for point in sorted(history, key=lambda p: (p[0], p[1])):
                by_second[point[0] // 1000] = point
            dropped += len(history) - len(by_second)
            run.metrics[key] = sorted(by_second.values())
    return dropped


def _finish(parsed: ParsedFile, data: MlflowData, nan: int) -> ParsedFile:
    collapsed = _one_point_per_second(data)
    if collapsed:
        parsed.warn(None, "step", f"{collapsed} metric values were logged within the same second as a later "
                                  "one (or repeat a step); the later value is kept", "duplicate")
    parsed.data = data
    parsed.accepted = len(data.runs) + len(data.versions) + data.points
    if nan:
        parsed.warn(None, "value", f"{nan} metric values were NaN and are left out", "number")
    failed = [r.name or r.run_id for r in data.runs if r.status not in ("FINISHED", "RUNNING")]
    if failed:
        parsed.warn(None, "status", f"runs that did not finish: {', '.join(sorted(failed))}", "status")
    for r in data.runs[:15]:
        parsed.preview.append((None, f"run {r.name or r.run_id[:8]} ({r.experiment}) · {r.status} · "
                                     f"{len(r.params)} params · {sum(len(v) for v in r.metrics.values())} points"))
    for v in data.versions:
        alias = f" · aliases {', '.join(v.aliases)}" if v.aliases else ""
        parsed.preview.append((None, f"model {v.model} v{v.version} ← run {v.run_id[:8]}{alias}"))
    return parsed


# --- mlruns/ folder ----------------------------------------------------------------------------------------

def read_mlruns(path: Path) -> ParsedFile:
    import yaml

    parsed = ParsedFile(ImportKind.MLFLOW, str(path), path.name, folder_digest(path))
    data = MlflowData("mlruns")
    nan = 0

    def load(meta: Path) -> dict[str, Any] | None:
        try:
            value = yaml.safe_load(files.read_text_bounded(meta))
        except (OSError, UnicodeDecodeError, yaml.YAMLError, files.FileRefused) as exc:
            parsed.reject(None, str(meta.relative_to(path)), f"cannot be read ({short(str(exc))})")
            return None
        return value if isinstance(value, dict) else None

    def small_files(folder: Path) -> dict[str, str]:
        out: dict[str, str] = {}
        if folder.is_dir():
            for f in sorted(p for p in folder.rglob("*") if p.is_file()):
                out[str(f.relative_to(folder))] = files.read_text_bounded(f, errors="replace").strip()
        return out

    for exp_dir in sorted(d for d in path.iterdir() if d.is_dir() and d.name not in ("models", ".trash")):
        exp = load(exp_dir / "meta.yaml") if (exp_dir / "meta.yaml").is_file() else None
        if exp is None:
            continue
        exp_name = str(exp.get("name") or exp_dir.name)
        for run_dir in sorted(d for d in exp_dir.iterdir() if d.is_dir() and (d / "meta.yaml").is_file()):
            meta = load(run_dir / "meta.yaml")
            if meta is None:
                continue
            status = meta.get("status")
            run = MlflowRun(
                run_id=str(meta.get("run_id") or meta.get("run_uuid") or run_dir.name), experiment=exp_name,
                name=str(meta.get("run_name") or meta.get("name") or ""),
                status=FILE_STATUS.get(status, str(status)) if isinstance(status, int) else str(status or ""),
                user=str(meta.get("user_id") or ""), started=_ms(meta.get("start_time")),
                params=small_files(run_dir / "params"), tags=small_files(run_dir / "tags"))
            run.name = run.name or run.tags.get("mlflow.runName", "")
            metrics_dir = run_dir / "metrics"
            if metrics_dir.is_dir():
                for f in sorted(p for p in metrics_dir.rglob("*") if p.is_file()):
                    key = str(f.relative_to(metrics_dir)).replace("\\", "/")
                    rel = str(f.relative_to(path))
                    points: list[tuple[int, int, float]] = []
                    lines = files.read_bounded(f).decode("utf-8", errors="replace").splitlines()
                    for n, text in enumerate(lines, 1):
                        parts = text.split()
                        if not parts:
                            continue
                        try:
                            ts, value = int(parts[0]), float(parts[1])
                            step = int(parts[2]) if len(parts) > 2 else 0
                        except (ValueError, IndexError):
                            parsed.rejected.append(Issue(rel, n, key, f"'{short(text)}' is not 'timestamp "
                                                                      "value step'"))
                            continue
                        if math.isnan(value) or math.isinf(value):
                            nan += 1
                            continue
                        points.append((ts, step, value))
                    run.metrics[key] = points
            data.runs.append(run)
    models_dir = path / "models"
    if models_dir.is_dir():
        for model_dir in sorted(d for d in models_dir.iterdir() if d.is_dir()):
            meta = load(model_dir / "meta.yaml") if (model_dir / "meta.yaml").is_file() else None
            if meta is None:
                continue
            name = str(meta.get("name") or model_dir.name)
            aliases: dict[str, list[str]] = {}
            for alias, version in (meta.get("aliases") or {}).items():
                aliases.setdefault(str(version), []).append(str(alias))
            for alias, version in small_files(model_dir / "aliases").items():
                if alias not in aliases.get(version, []):
                    aliases.setdefault(version, []).append(alias)
            model_tags = small_files(model_dir / "tags")
            for vdir in sorted((d for d in model_dir.iterdir() if d.is_dir() and d.name.startswith("version-")),
                               key=lambda d: int(d.name.split("-", 1)[1]) if d.name.split("-", 1)[1].isdigit()
                               else 0):
                vmeta = load(vdir / "meta.yaml") if (vdir / "meta.yaml").is_file() else None
                if vmeta is None:
                    continue
                version = str(vmeta.get("version") or vdir.name.split("-", 1)[1])
                data.versions.append(MlflowVersion(
                    model=name, version=version, run_id=str(vmeta.get("run_id") or ""),
                    status=str(vmeta.get("status") or ""), source=str(vmeta.get("source") or ""),
                    description=str(meta.get("description") or ""), aliases=sorted(aliases.get(version, [])),
                    tags=small_files(vdir / "tags"), model_tags=model_tags))
    if not data.runs and not data.versions:
        parsed.reject(None, "", "no MLflow experiments, runs or registered models were found in this folder")
        parsed.fatal = True
    return _finish(parsed, data, nan)


# --- mlflow.db ----------------------------------------------------------------------------------------------

def read_mlflow_db(path: Path, sha256: str) -> ParsedFile:
    parsed = ParsedFile(ImportKind.MLFLOW, str(path), path.name, sha256)
    data = MlflowData("sqlite")
    nan = 0
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        parsed.reject(None, "", f"the database cannot be opened ({exc})")
        parsed.fatal = True
        return parsed
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"runs", "experiments"} <= tables:
            parsed.reject(None, "", "this SQLite file is not an MLflow tracking store (no runs/experiments tables)")
            parsed.fatal = True
            return parsed
        experiments = dict(conn.execute("SELECT experiment_id, name FROM experiments"))
        runs: dict[str, MlflowRun] = {}
        for run_id, name, status, user, start, exp_id in conn.execute(
                "SELECT run_uuid, name, status, user_id, start_time, experiment_id FROM runs "
                "WHERE lifecycle_stage IS NULL OR lifecycle_stage = 'active' ORDER BY start_time, run_uuid"):
            runs[run_id] = MlflowRun(run_id, str(experiments.get(exp_id, exp_id)), name or "", status or "",
                                     user or "", _ms(start))
        for key, value, run_id in conn.execute("SELECT key, value, run_uuid FROM params ORDER BY key"):
            if run_id in runs:
                runs[run_id].params[key] = value
        for key, value, run_id in conn.execute("SELECT key, value, run_uuid FROM tags ORDER BY key"):
            if run_id in runs:
                runs[run_id].tags[key] = value or ""
        for key, value, ts, run_id, step, is_nan in conn.execute(
                "SELECT key, value, timestamp, run_uuid, step, is_nan FROM metrics ORDER BY run_uuid, key, "
                "timestamp, step"):
            if run_id not in runs:
                continue
            if is_nan or value is None or math.isnan(value) or math.isinf(value):
                nan += 1
                continue
            runs[run_id].metrics.setdefault(key, []).append((int(ts), int(step), float(value)))
        data.runs = list(runs.values())
        if "model_versions" in tables:
            aliases: dict[tuple[str, str], list[str]] = {}
            if "registered_model_aliases" in tables:
                for alias, version, name in conn.execute("SELECT alias, version, name FROM registered_model_aliases"):
                    aliases.setdefault((name, str(version)), []).append(alias)
            descriptions = dict(conn.execute("SELECT name, description FROM registered_models"))
            mtags: dict[str, dict[str, str]] = {}
            if "registered_model_tags" in tables:
                for key, value, name in conn.execute("SELECT key, value, name FROM registered_model_tags"):
                    mtags.setdefault(name, {})[key] = value or ""
            vtags: dict[tuple[str, str], dict[str, str]] = {}
            if "model_version_tags" in tables:
                for key, value, name, version in conn.execute("SELECT key, value, name, version FROM model_version_tags"):
                    vtags.setdefault((name, str(version)), {})[key] = value or ""
            for name, version, run_id, status, source in conn.execute(
                    "SELECT name, version, run_id, status, source FROM model_versions ORDER BY name, version"):
                v = str(version)
                data.versions.append(MlflowVersion(name, v, run_id or "", status or "", source or "",
                                                   descriptions.get(name) or "", sorted(aliases.get((name, v), [])),
                                                   vtags.get((name, v), {}), mtags.get(name, {})))
    except sqlite3.Error as exc:
        parsed.reject(None, "", f"the MLflow database cannot be read ({exc})")
        parsed.fatal = True
        return parsed
    finally:
        conn.close()
    return _finish(parsed, data, nan)


def params_of(run: MlflowRun | None, version: MlflowVersion | None) -> dict[str, Any]:
    """What a Model row keeps about its origin: run params, tags, status and registry details."""
    out: dict[str, Any] = {}
    if run is not None:
        out.update({"run_id": run.run_id, "run_name": run.name, "run_status": run.status,
                    "experiment": run.experiment, "params": run.params,
                    "tags": {k: v for k, v in run.tags.items() if not k.startswith("mlflow.source.git")}})
    if version is not None:
        out.update({"model_status": version.status, "source": version.source, "version_tags": version.tags,
                    "model_tags": version.model_tags, "description": version.description})
    return json.loads(json.dumps(out, default=str))
