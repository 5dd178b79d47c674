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

FILE_STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
SQLITE_MAGIC = b"SQLite format 3\x00"


@dataclass
class MlflowExperiment:
    experiment_id: str
    name: str
    tags: dict[str, str] = field(default_factory=dict)
    lifecycle_stage: str = "active"


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
    experiment_id: str = ""
    lifecycle_stage: str = "active"
    #: the MLmodel flavors of the models this run logged (``sklearn``, ``python_function``…), in the order found
    flavors: list[str] = field(default_factory=list)

    @property
    def deleted(self) -> bool:
        return self.lifecycle_stage == "deleted"

    @property
    def owner(self) -> str:
        """An explicit ``owner`` tag, else the user MLflow recorded (the ``mlflow.user`` tag, then the run's user)."""
        return self.tags.get("owner") or self.tags.get("mlflow.user") or self.user

    @property
    def framework(self) -> str:
        return framework_of(self.flavors)


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
    flavors: list[str] = field(default_factory=list)


@dataclass
class MlflowData:
    store: str
    runs: list[MlflowRun] = field(default_factory=list)
    versions: list[MlflowVersion] = field(default_factory=list)
    experiments: list[MlflowExperiment] = field(default_factory=list)
    #: deleted runs left out (run name or id), so the report can say which
    skipped_deleted: list[str] = field(default_factory=list)

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
    try:
        return dt.datetime.fromtimestamp(int(value) / 1000, tz=dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


#: Flavors every MLflow model carries besides its real one; the framework is the other flavor when there is one.
GENERIC_FLAVORS = ("python_function",)


def framework_of(flavors: list[str]) -> str:
    specific = [f for f in flavors if f not in GENERIC_FLAVORS]
    return (specific or flavors or [""])[0]


def flavors_of_mlmodel(text: str) -> list[str]:
    """The flavor names of an MLmodel file (YAML); empty when it cannot be read."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return []
    flavors = value.get("flavors") if isinstance(value, dict) else None
    return [str(k) for k in flavors] if isinstance(flavors, dict) else []


def flavors_of_history(text: str) -> list[str]:
    """Flavors named by the ``mlflow.log-model.history`` run tag (MLflow 1.x–2.x)."""
    try:
        value = json.loads(text)
    except ValueError:
        return []
    out: list[str] = []
    for entry in value if isinstance(value, list) else []:
        flavors = entry.get("flavors") if isinstance(entry, dict) else None
        if isinstance(flavors, dict):
            out.extend(str(k) for k in flavors if str(k) not in out)
    return out


def _repeated_points(data: MlflowData) -> int:
    """MLflow may log the same (timestamp, step) twice; the store keeps one point per (series, time, step): the
    one logged last. Every other point, including many steps within one second, is kept."""
    dropped = 0
    for run in data.runs:
        for key, history in run.metrics.items():
            by_key: dict[tuple[int, int], tuple[int, int, float]] = {}
            for point in history:
                by_key[(point[0], point[1])] = point
            dropped += len(history) - len(by_key)
            run.metrics[key] = sorted(by_key.values())
    return dropped


def _finish(parsed: ParsedFile, data: MlflowData, nan: int) -> ParsedFile:
    repeated = _repeated_points(data)
    if repeated:
        parsed.warn(None, "step", f"{repeated} metric values repeat the timestamp and step of another one; the "
                                  "later value is kept", "duplicate")
    parsed.data = data
    parsed.accepted = len(data.runs) + len(data.versions) + data.points
    if nan:
        parsed.warn(None, "value", f"{nan} metric values were NaN and are left out", "number")
    if data.skipped_deleted:
        parsed.warn(None, "lifecycle_stage", f"{len(data.skipped_deleted)} deleted runs were left out "
                                             f"({short(', '.join(sorted(data.skipped_deleted)), 200)}); "
                                             "import with --include-deleted to keep them, marked deleted",
                    "deleted")
    kept_deleted = [r.name or r.run_id for r in data.runs if r.deleted]
    if kept_deleted:
        parsed.warn(None, "lifecycle_stage", f"{len(kept_deleted)} deleted runs are kept, marked deleted "
                                             f"({short(', '.join(sorted(kept_deleted)), 200)})", "deleted")
    failed = [r.name or r.run_id for r in data.runs if r.status not in ("FINISHED", "RUNNING")]
    if failed:
        parsed.warn(None, "status", f"runs that did not finish: {', '.join(sorted(failed))}", "status")
    for e in data.experiments[:15]:
        parsed.preview.append((None, f"experiment {e.name} (id {e.experiment_id})"
                                     + (f" · tags {', '.join(f'{k}={v}' for k, v in sorted(e.tags.items()))}"
                                        if e.tags else "")))
    for r in data.runs[:15]:
        parsed.preview.append((None, f"run {r.name or r.run_id[:8]} ({r.experiment}) · {r.status}"
                                     f"{' · DELETED' if r.deleted else ''} · {len(r.params)} params · "
                                     f"{sum(len(v) for v in r.metrics.values())} points"
                                     + (f" · {r.framework}" if r.framework else "")))
    for v in data.versions:
        alias = f" · aliases {', '.join(v.aliases)}" if v.aliases else ""
        parsed.preview.append((None, f"model {v.model} v{v.version} ← run {v.run_id[:8]}{alias}"))
    return parsed


# --- mlruns/ folder ----------------------------------------------------------------------------------------

def read_mlruns(path: Path, include_deleted: bool = False) -> ParsedFile:  # noqa: C901
    import yaml

    digest = folder_digest(path)
    parsed = ParsedFile(ImportKind.MLFLOW, str(path), path.name, _with_option(digest, include_deleted))
    data = MlflowData("mlruns")
    nan = 0

    def load(meta: Path) -> dict[str, Any] | None:
        try:
            value = yaml.safe_load(meta.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            parsed.reject(None, str(meta.relative_to(path)), f"cannot be read ({short(str(exc))})")
            return None
        return value if isinstance(value, dict) else None

    def small_files(folder: Path) -> dict[str, str]:
        out: dict[str, str] = {}
        if folder.is_dir():
            for f in sorted(p for p in folder.rglob("*") if p.is_file()):
                out[str(f.relative_to(folder))] = f.read_text(encoding="utf-8", errors="replace").strip()
        return out

    def mlmodel_flavors(folder: Path) -> list[str]:
        out: list[str] = []
        if folder.is_dir():
            for f in sorted(folder.rglob("MLmodel")):
                out.extend(x for x in flavors_of_mlmodel(f.read_text(encoding="utf-8", errors="replace"))
                           if x not in out)
        return out

    logged_models: dict[str, list[str]] = {}  # MLflow 3 logged model id → its flavors
    for exp_dir in sorted(d for d in path.iterdir() if d.is_dir() and d.name not in ("models", ".trash")):
        exp = load(exp_dir / "meta.yaml") if (exp_dir / "meta.yaml").is_file() else None
        if exp is None:
            continue
        exp_name = str(exp.get("name") or exp_dir.name)
        exp_id = str(exp.get("experiment_id") or exp_dir.name)
        data.experiments.append(MlflowExperiment(exp_id, exp_name, small_files(exp_dir / "tags"),
                                                 str(exp.get("lifecycle_stage") or "active")))
        models_dir = exp_dir / "models"
        if models_dir.is_dir():
            for mdir in sorted(d for d in models_dir.iterdir() if d.is_dir()):
                logged_models[mdir.name] = mlmodel_flavors(mdir / "artifacts")
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
                params=small_files(run_dir / "params"), tags=small_files(run_dir / "tags"), experiment_id=exp_id,
                lifecycle_stage=str(meta.get("lifecycle_stage") or "active"))
            run.name = run.name or run.tags.get("mlflow.runName", "")
            if run.deleted and not include_deleted:
                data.skipped_deleted.append(run.name or run.run_id)
                continue
            run.flavors = mlmodel_flavors(run_dir / "artifacts")
            for flavor in flavors_of_history(run.tags.get("mlflow.log-model.history", "")):
                if flavor not in run.flavors:
                    run.flavors.append(flavor)
            outputs = run_dir / "outputs"
            if outputs.is_dir():
                for out in sorted(d.name for d in outputs.iterdir() if d.is_dir()):
                    run.flavors.extend(f for f in logged_models.get(out, []) if f not in run.flavors)
            metrics_dir = run_dir / "metrics"
            if metrics_dir.is_dir():
                for f in sorted(p for p in metrics_dir.rglob("*") if p.is_file()):
                    key = str(f.relative_to(metrics_dir)).replace("\\", "/")
                    rel = str(f.relative_to(path))
                    points: list[tuple[int, int, float]] = []
                    for n, text in enumerate(f.read_text(encoding="utf-8", errors="replace").split("\n"), 1):
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
    runs = {r.run_id: r for r in data.runs}
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
                source = str(vmeta.get("source") or "")
                run_id = str(vmeta.get("run_id") or "")
                flavors = list(logged_models.get(str(vmeta.get("model_id") or ""), []))
                if not flavors and source.startswith("models:/"):
                    flavors = list(logged_models.get(source.split("/")[-1], []))
                if not flavors and run_id in runs:
                    flavors = list(runs[run_id].flavors)
                data.versions.append(MlflowVersion(
                    model=name, version=version, run_id=run_id,
                    status=str(vmeta.get("status") or ""), source=source,
                    description=str(meta.get("description") or ""), aliases=sorted(aliases.get(version, [])),
                    tags=small_files(vdir / "tags"), model_tags=model_tags, flavors=flavors))
    if not data.runs and not data.versions and not data.skipped_deleted:
        parsed.reject(None, "", "no MLflow experiments, runs or registered models were found in this folder")
        parsed.fatal = True
    return _finish(parsed, data, nan)


def _with_option(digest: str, include_deleted: bool) -> str:
    """Reading deleted runs too is another import of the same store: its batch gets another digest."""
    return hashlib.sha256(f"{digest}+include-deleted".encode()).hexdigest() if include_deleted else digest


# --- mlflow.db ----------------------------------------------------------------------------------------------

def read_mlflow_db(path: Path, sha256: str, include_deleted: bool = False) -> ParsedFile:  # noqa: C901
    parsed = ParsedFile(ImportKind.MLFLOW, str(path), path.name, _with_option(sha256, include_deleted))
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
        exp_tags: dict[str, dict[str, str]] = {}
        if "experiment_tags" in tables:
            for key, value, exp_id in conn.execute("SELECT key, value, experiment_id FROM experiment_tags"):
                exp_tags.setdefault(str(exp_id), {})[key] = value or ""
        experiments: dict[str, str] = {}
        for exp_id, name, stage in conn.execute(
                "SELECT experiment_id, name, lifecycle_stage FROM experiments ORDER BY experiment_id"):
            experiments[str(exp_id)] = name
            data.experiments.append(MlflowExperiment(str(exp_id), name, exp_tags.get(str(exp_id), {}),
                                                     stage or "active"))
        runs: dict[str, MlflowRun] = {}
        for run_id, name, status, user, start, exp_id, stage, artifact_uri in conn.execute(
                "SELECT run_uuid, name, status, user_id, start_time, experiment_id, lifecycle_stage, artifact_uri "
                "FROM runs ORDER BY start_time, run_uuid"):
            run = MlflowRun(run_id, str(experiments.get(str(exp_id), exp_id)), name or "", status or "",
                            user or "", _ms(start), experiment_id=str(exp_id), lifecycle_stage=stage or "active")
            if run.deleted and not include_deleted:
                data.skipped_deleted.append(run.name or run.run_id)
                continue
            run.flavors = _artifact_flavors(path, artifact_uri)
            runs[run_id] = run
        for key, value, run_id in conn.execute("SELECT key, value, run_uuid FROM params ORDER BY key"):
            if run_id in runs:
                runs[run_id].params[key] = value
        for key, value, run_id in conn.execute("SELECT key, value, run_uuid FROM tags ORDER BY key"):
            if run_id in runs:
                runs[run_id].tags[key] = value or ""
        for run in runs.values():
            for flavor in flavors_of_history(run.tags.get("mlflow.log-model.history", "")):
                if flavor not in run.flavors:
                    run.flavors.append(flavor)
        logged: dict[str, list[str]] = {}
        if "logged_models" in tables:
            for model_id, run_id, location in conn.execute(
                    "SELECT model_id, source_run_id, artifact_location FROM logged_models"):
                logged[model_id] = _artifact_flavors(path, location)
                if run_id in runs:
                    runs[run_id].flavors.extend(f for f in logged[model_id] if f not in runs[run_id].flavors)
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
                flavors = list(logged.get((source or "").split("/")[-1], []) if (source or "").startswith(
                    "models:/") else [])
                if not flavors and run_id in runs:
                    flavors = list(runs[run_id].flavors)
                data.versions.append(MlflowVersion(name, v, run_id or "", status or "", source or "",
                                                   descriptions.get(name) or "", sorted(aliases.get((name, v), [])),
                                                   vtags.get((name, v), {}), mtags.get(name, {}), flavors))
    except sqlite3.Error as exc:
        parsed.reject(None, "", f"the MLflow database cannot be read ({exc})")
        parsed.fatal = True
        return parsed
    finally:
        conn.close()
    return _finish(parsed, data, nan)


def _artifact_flavors(db_path: Path, uri: str | None) -> list[str]:
    """Flavors of the MLmodel files under an artifact location, when it is a local folder that exists (a path, a
    ``file://`` URI, or a folder relative to the database)."""
    if not uri:
        return []
    text = uri[len("file://"):] if uri.startswith("file://") else uri
    if "://" in text:
        return []
    folder = Path(text)
    if not folder.is_absolute():
        folder = db_path.parent / folder
    try:
        if not folder.is_dir():
            return []
        out: list[str] = []
        for f in sorted(folder.rglob("MLmodel"))[:50]:
            out.extend(x for x in flavors_of_mlmodel(f.read_text(encoding="utf-8", errors="replace")) if x not in out)
        return out
    except OSError:
        return []


def params_of(run: MlflowRun | None, version: MlflowVersion | None) -> dict[str, Any]:
    """What a Model row keeps about its origin: run params, tags, status and registry details."""
    out: dict[str, Any] = {}
    if run is not None:
        out.update({"run_id": run.run_id, "run_name": run.name, "run_status": run.status,
                    "experiment": run.experiment, "experiment_id": run.experiment_id, "params": run.params,
                    "lifecycle_stage": run.lifecycle_stage, "flavors": run.flavors,
                    "tags": {k: v for k, v in run.tags.items() if not k.startswith("mlflow.source.git")}})
    if version is not None:
        out.update({"model_status": version.status, "source": version.source, "version_tags": version.tags,
                    "flavors": version.flavors or (run.flavors if run is not None else []),
                    "model_tags": version.model_tags, "description": version.description})
    return json.loads(json.dumps(out, default=str))
