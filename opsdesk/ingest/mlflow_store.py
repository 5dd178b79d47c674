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

from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.report import Issue, ParsedFile
from opsdesk.ingest.textfile import short
from opsdesk.ingest.values import clean_text, mapping, number, plain, text, whole

#: A meta.yaml, param or tag file larger than this is not an MLflow file (MLflow's own are a few hundred bytes).
MAX_SMALL_FILE = 1024 * 1024
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
        h.update(f.read_bytes() + b"\x00")
    return h.hexdigest()


def _ms(value: Any) -> dt.datetime | None:
    ms = whole(value)
    if ms is None:
        return None
    try:
        return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).replace(microsecond=0)
    except (ValueError, OverflowError, OSError):
        return None


#: Milliseconds since 1970 that make a date OpsDesk can keep (years 1 to 9999).
MS_RANGE = (-62_135_596_800_000, 253_402_300_799_000)


def _yaml_loader() -> type:
    """PyYAML's safe loader without implicit timestamps: ``start_time: 2024-13-45`` stays text instead of
    raising while the file is parsed."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}
    return Loader


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

    loader = _yaml_loader()

    def load(meta: Path) -> dict[str, Any] | None:
        where = str(meta.relative_to(path))
        try:
            if meta.stat().st_size > MAX_SMALL_FILE:
                parsed.reject(None, where, f"is larger than {MAX_SMALL_FILE // 1024} KB; not an MLflow meta.yaml")
                return None
            value = yaml.load(meta.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a SafeLoader
        except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
            parsed.reject(None, where, f"cannot be read ({short(clean_text(str(exc)))})")
            return None
        if not isinstance(value, dict):
            parsed.reject(None, where, "is not an MLflow meta.yaml (a mapping of names to values was expected)")
            return None
        return value

    def small_files(folder: Path) -> dict[str, str]:
        out: dict[str, str] = {}
        if folder.is_dir():
            for f in sorted(p for p in folder.rglob("*") if p.is_file()):
                where = str(f.relative_to(path))
                try:
                    if f.stat().st_size > MAX_SMALL_FILE:
                        parsed.warn(None, where, f"is larger than {MAX_SMALL_FILE // 1024} KB; left out", "format")
                        continue
                    value = f.read_text(encoding="utf-8", errors="replace")
                except OSError as exc:
                    parsed.warn(None, where, f"cannot be read ({exc.strerror or exc}); left out", "format")
                    continue
                out[clean_text(str(f.relative_to(folder)))] = clean_text(value).strip()
        return out

    for exp_dir in sorted(d for d in path.iterdir() if d.is_dir() and d.name not in ("models", ".trash")):
        exp = load(exp_dir / "meta.yaml") if (exp_dir / "meta.yaml").is_file() else None
        if exp is None:
            continue
        exp_name = text(exp.get("name"), 300) or exp_dir.name
        for run_dir in sorted(d for d in exp_dir.iterdir() if d.is_dir() and (d / "meta.yaml").is_file()):
            meta = load(run_dir / "meta.yaml")
            if meta is None:
                continue
            status = meta.get("status")
            run = MlflowRun(
                run_id=text(meta.get("run_id") or meta.get("run_uuid"), 300) or run_dir.name, experiment=exp_name,
                name=text(meta.get("run_name") or meta.get("name"), 300),
                status=(FILE_STATUS.get(status, str(status)) if isinstance(status, int) and not isinstance(status, bool)
                        else text(status, 40)),
                user=text(meta.get("user_id"), 200), started=_ms(meta.get("start_time")),
                params=small_files(run_dir / "params"), tags=small_files(run_dir / "tags"))
            run.name = run.name or run.tags.get("mlflow.runName", "")
            if meta.get("start_time") is not None and run.started is None:
                parsed.warn(None, f"{run_dir.relative_to(path) / 'meta.yaml'}: start_time",
                            f"'{short(text(meta.get('start_time')) or type(meta.get('start_time')).__name__)}' is not "
                            "a time in milliseconds; the run is kept without a start time", "format")
            metrics_dir = run_dir / "metrics"
            if metrics_dir.is_dir():
                for f in sorted(p for p in metrics_dir.rglob("*") if p.is_file()):
                    key = clean_text(str(f.relative_to(metrics_dir)).replace("\\", "/"))
                    rel = clean_text(str(f.relative_to(path)))
                    if len(key) > 200:
                        parsed.rejected.append(Issue(rel, None, key[:60], "the metric name is longer than 200 "
                                                                          "characters"))
                        continue
                    points: list[tuple[int, int, float]] = []
                    try:
                        lines = f.read_text(encoding="utf-8", errors="replace").splitlines()
                    except OSError as exc:
                        parsed.rejected.append(Issue(rel, None, key, f"cannot be read ({exc.strerror or exc})"))
                        continue
                    for n, line in enumerate(lines, 1):
                        parts = line.split()
                        if not parts:
                            continue
                        ts = whole(parts[0])
                        value = number(parts[1]) if len(parts) > 1 else None
                        step = whole(parts[2]) if len(parts) > 2 else 0
                        if len(parts) > 1 and parts[1].lower() in ("nan", "inf", "-inf", "infinity", "-infinity"):
                            nan += 1
                            continue
                        if ts is None or value is None or step is None or not MS_RANGE[0] <= ts <= MS_RANGE[1]:
                            parsed.rejected.append(Issue(rel, n, key, f"'{short(clean_text(line))}' is not "
                                                                      "'timestamp value step'"))
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
            name = text(meta.get("name"), 300) or clean_text(model_dir.name)
            aliases: dict[str, list[str]] = {}
            raw_aliases = meta.get("aliases")
            pairs = (raw_aliases.items() if isinstance(raw_aliases, dict) else
                     [(mapping(a).get("alias"), mapping(a).get("version")) for a in raw_aliases]
                     if isinstance(raw_aliases, list) else [])
            for alias, version in pairs:
                if text(alias) and text(version):
                    aliases.setdefault(text(version, 80), []).append(text(alias, 200))
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
                version = text(vmeta.get("version"), 80) or clean_text(vdir.name.split("-", 1)[1])[:80]
                data.versions.append(MlflowVersion(
                    model=name, version=version, run_id=text(vmeta.get("run_id"), 300),
                    status=text(vmeta.get("status"), 40), source=text(vmeta.get("source"), 2000),
                    description=text(meta.get("description")), aliases=sorted(aliases.get(version, [])),
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
        conn.text_factory = lambda raw: raw.decode("utf-8", "replace")  # a broken cell is text, not an error
        experiments = {_key(e): text(n, 300) for e, n in conn.execute("SELECT experiment_id, name FROM experiments")}
        runs: dict[str, MlflowRun] = {}
        for run_id, name, status, user, start, exp_id in conn.execute(
                "SELECT run_uuid, name, status, user_id, start_time, experiment_id FROM runs "
                "WHERE lifecycle_stage IS NULL OR lifecycle_stage = 'active' ORDER BY start_time, run_uuid"):
            rid = text(run_id, 300)
            if not rid:
                parsed.reject(None, "runs.run_uuid", "a run without an identifier was left out")
                continue
            runs[rid] = MlflowRun(rid, experiments.get(_key(exp_id)) or text(exp_id, 300), text(name, 300),
                                  text(status, 40), text(user, 200), _ms(start))
        for key, value, run_id in conn.execute("SELECT key, value, run_uuid FROM params ORDER BY key"):
            if _key(run_id) in runs and text(key):
                runs[_key(run_id)].params[text(key, 250)] = text(value)
        for key, value, run_id in conn.execute("SELECT key, value, run_uuid FROM tags ORDER BY key"):
            if _key(run_id) in runs and text(key):
                runs[_key(run_id)].tags[text(key, 250)] = text(value)
        for key, value, ts, run_id, step, is_nan in conn.execute(
                "SELECT key, value, timestamp, run_uuid, step, is_nan FROM metrics ORDER BY run_uuid, key, "
                "timestamp, step"):
            run = runs.get(_key(run_id))
            if run is None:
                continue
            if is_nan or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
                nan += 1
                continue
            name, ms, stepped, amount = text(key, 201), whole(ts), whole(step) if step is not None else 0, number(value)
            if not name or len(name) > 200 or ms is None or stepped is None or amount is None \
                    or not MS_RANGE[0] <= ms <= MS_RANGE[1]:
                parsed.reject(None, f"metrics.{short(name, 60) or 'key'}", f"a value of run {run.run_id[:8]} is not "
                                                                          "a metric name, time, step and number")
                continue
            run.metrics.setdefault(name, []).append((ms, stepped, amount))
        data.runs = list(runs.values())
        if "model_versions" in tables:
            aliases: dict[tuple[str, str], list[str]] = {}
            if "registered_model_aliases" in tables:
                for alias, version, name in conn.execute("SELECT alias, version, name FROM registered_model_aliases"):
                    if text(alias):
                        aliases.setdefault((text(name, 300), text(version, 80)), []).append(text(alias, 200))
            descriptions = ({text(n, 300): text(d) for n, d in conn.execute(
                "SELECT name, description FROM registered_models")} if "registered_models" in tables else {})
            mtags: dict[str, dict[str, str]] = {}
            if "registered_model_tags" in tables:
                for key, value, name in conn.execute("SELECT key, value, name FROM registered_model_tags"):
                    mtags.setdefault(text(name, 300), {})[text(key, 250)] = text(value)
            vtags: dict[tuple[str, str], dict[str, str]] = {}
            if "model_version_tags" in tables:
                for key, value, name, version in conn.execute("SELECT key, value, name, version FROM model_version_tags"):
                    vtags.setdefault((text(name, 300), text(version, 80)), {})[text(key, 250)] = text(value)
            for name, version, run_id, status, source in conn.execute(
                    "SELECT name, version, run_id, status, source FROM model_versions ORDER BY name, version"):
                n, v = text(name, 300), text(version, 80)
                if not n or not v:
                    parsed.reject(None, "model_versions", "a model version without a name or number was left out")
                    continue
                data.versions.append(MlflowVersion(n, v, text(run_id, 300), text(status, 40), text(source, 2000),
                                                   descriptions.get(n, ""), sorted(aliases.get((n, v), [])),
                                                   vtags.get((n, v), {}), mtags.get(n, {})))
    except sqlite3.Error as exc:
        parsed.reject(None, "", f"the MLflow database cannot be read ({exc})")
        parsed.fatal = True
        return parsed
    finally:
        conn.close()
    return _finish(parsed, data, nan)


def _key(value: Any) -> str:
    """A cell used to join MLflow's tables, as text (ids are integers in some versions, text in others)."""
    return text(value, 300)


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
    return plain(json.loads(json.dumps(out, default=str)))
