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
from opsdesk.ingest.values import clean_text, mapping, number, plain, text, whole

#: A meta.yaml, param or tag file larger than this is not an MLflow file (MLflow's own are a few hundred bytes).
MAX_SMALL_FILE = 1024 * 1024
FILE_STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}


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
        h.update(files.read_bounded(f) + b"\x00")
    return h.hexdigest()


def _ms(value: Any) -> dt.datetime | None:
    ms = whole(value)
    if ms is None:
        return None
    try:
        return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)  # milliseconds kept, as MLflow wrote them
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

    loader = _yaml_loader()

    def load(meta: Path) -> dict[str, Any] | None:
        where = str(meta.relative_to(path))
        try:
            value = yaml.load(files.read_text_bounded(meta, MAX_SMALL_FILE, "MLflow meta.yaml"),  # noqa: S506
                              Loader=loader)  # a SafeLoader that keeps dates as text
        except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError, TypeError, RecursionError,
                files.FileRefused) as exc:
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
                    value = files.read_text_bounded(f, MAX_SMALL_FILE, where, errors="replace")
                except files.FileRefused as exc:
                    parsed.warn(None, where, f"{short(clean_text(str(exc)))}; left out", "format")
                    continue
                except OSError as exc:
                    parsed.warn(None, where, f"cannot be read ({exc.strerror or exc}); left out", "format")
                    continue
                out[clean_text(str(f.relative_to(folder)))] = clean_text(value).strip()
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
        exp_name = text(exp.get("name"), 300) or exp_dir.name
        exp_id = text(exp.get("experiment_id"), 300) or exp_dir.name
        data.experiments.append(MlflowExperiment(exp_id, exp_name, small_files(exp_dir / "tags"),
                                                 text(exp.get("lifecycle_stage"), 40) or "active"))
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
                run_id=text(meta.get("run_id") or meta.get("run_uuid"), 300) or run_dir.name, experiment=exp_name,
                name=text(meta.get("run_name") or meta.get("name"), 300),
                status=(FILE_STATUS.get(status, str(status)) if isinstance(status, int) and not isinstance(status, bool)
                        else text(status, 40)),
                user=text(meta.get("user_id"), 200), started=_ms(meta.get("start_time")),
                params=small_files(run_dir / "params"), tags=small_files(run_dir / "tags"), experiment_id=exp_id,
                lifecycle_stage=text(meta.get("lifecycle_stage"), 40) or "active")
            run.name = run.name or run.tags.get("mlflow.runName", "")
            if meta.get("start_time") is not None and run.started is None:
                parsed.warn(None, f"{run_dir.relative_to(path) / 'meta.yaml'}: start_time",
                            f"'{short(text(meta.get('start_time')) or type(meta.get('start_time')).__name__)}' is not "
                            "a time in milliseconds; the run is kept without a start time", "format")
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
                    key = clean_text(str(f.relative_to(metrics_dir)).replace("\\", "/"))
                    rel = clean_text(str(f.relative_to(path)))
                    if len(key) > 200:
                        parsed.rejected.append(Issue(rel, None, key[:60], "the metric name is longer than 200 "
                                                                          "characters"))
                        continue
                    points: list[tuple[int, int, float]] = []
                    try:
                        lines = files.read_bounded(f).decode("utf-8", errors="replace").splitlines()
                    except (OSError, files.FileRefused) as exc:
                        parsed.rejected.append(Issue(rel, None, key, f"cannot be read ({exc})"))
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
    runs = {r.run_id: r for r in data.runs}
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
                source = text(vmeta.get("source"), 2000)
                run_id = text(vmeta.get("run_id"), 300)
                flavors = list(logged_models.get(text(vmeta.get("model_id"), 300), []))
                if not flavors and source.startswith("models:/"):
                    flavors = list(logged_models.get(source.split("/")[-1], []))
                if not flavors and run_id in runs:
                    flavors = list(runs[run_id].flavors)
                data.versions.append(MlflowVersion(
                    model=name, version=version, run_id=run_id,
                    status=text(vmeta.get("status"), 40), source=source,
                    description=text(meta.get("description")), aliases=sorted(aliases.get(version, [])),
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
        conn.text_factory = lambda raw: raw.decode("utf-8", "replace")  # a broken cell is text, not an error
        exp_tags: dict[str, dict[str, str]] = {}
        if "experiment_tags" in tables:
            for key, value, exp_id in conn.execute("SELECT key, value, experiment_id FROM experiment_tags"):
                if text(key):
                    exp_tags.setdefault(_key(exp_id), {})[text(key, 250)] = text(value)
        experiments: dict[str, str] = {}
        for exp_id, name, stage in conn.execute(
                "SELECT experiment_id, name, lifecycle_stage FROM experiments ORDER BY experiment_id"):
            experiments[_key(exp_id)] = text(name, 300)
            data.experiments.append(MlflowExperiment(_key(exp_id), text(name, 300), exp_tags.get(_key(exp_id), {}),
                                                     text(stage, 40) or "active"))
        runs: dict[str, MlflowRun] = {}
        for run_id, name, status, user, start, exp_id, stage, artifact_uri in conn.execute(
                "SELECT run_uuid, name, status, user_id, start_time, experiment_id, lifecycle_stage, artifact_uri "
                "FROM runs ORDER BY start_time, run_uuid"):
            rid = text(run_id, 300)
            if not rid:
                parsed.reject(None, "runs.run_uuid", "a run without an identifier was left out")
                continue
            run = MlflowRun(rid, experiments.get(_key(exp_id)) or text(exp_id, 300), text(name, 300),
                            text(status, 40), text(user, 200), _ms(start), experiment_id=_key(exp_id),
                            lifecycle_stage=text(stage, 40) or "active")
            if run.deleted and not include_deleted:
                data.skipped_deleted.append(run.name or run.run_id)
                continue
            run.flavors = _artifact_flavors(path, text(artifact_uri, 2000) or None)
            runs[rid] = run
        for key, value, run_id in conn.execute("SELECT key, value, run_uuid FROM params ORDER BY key"):
            if _key(run_id) in runs and text(key):
                runs[_key(run_id)].params[text(key, 250)] = text(value)
        for key, value, run_id in conn.execute("SELECT key, value, run_uuid FROM tags ORDER BY key"):
            if _key(run_id) in runs and text(key):
                runs[_key(run_id)].tags[text(key, 250)] = text(value)
        for run in runs.values():
            for flavor in flavors_of_history(run.tags.get("mlflow.log-model.history", "")):
                if flavor not in run.flavors:
                    run.flavors.append(flavor)
        logged: dict[str, list[str]] = {}
        if "logged_models" in tables:
            for model_id, run_id, location in conn.execute(
                    "SELECT model_id, source_run_id, artifact_location FROM logged_models"):
                mid = text(model_id, 300)
                logged[mid] = _artifact_flavors(path, text(location, 2000) or None)
                source_run = runs.get(_key(run_id))
                if source_run is not None:
                    source_run.flavors.extend(f for f in logged[mid] if f not in source_run.flavors)
        for key, value, ts, run_id, step, is_nan in conn.execute(
                "SELECT key, value, timestamp, run_uuid, step, is_nan FROM metrics ORDER BY run_uuid, key, "
                "timestamp, step"):
            of_run = runs.get(_key(run_id))
            if of_run is None:
                continue
            if is_nan or (isinstance(value, float) and (math.isnan(value) or math.isinf(value))):
                nan += 1
                continue
            name, ms, stepped, amount = text(key, 201), whole(ts), whole(step) if step is not None else 0, number(value)
            if not name or len(name) > 200 or ms is None or stepped is None or amount is None \
                    or not MS_RANGE[0] <= ms <= MS_RANGE[1]:
                parsed.reject(None, f"metrics.{short(name, 60) or 'key'}", f"a value of run {of_run.run_id[:8]} is not "
                                                                          "a metric name, time, step and number")
                continue
            of_run.metrics.setdefault(name, []).append((ms, stepped, amount))
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
                src = text(source, 2000)
                flavors = list(logged.get(src.split("/")[-1], []) if src.startswith("models:/") else [])
                if not flavors and _key(run_id) in runs:
                    flavors = list(runs[_key(run_id)].flavors)
                data.versions.append(MlflowVersion(n, v, text(run_id, 300), text(status, 40), src,
                                                   descriptions.get(n, ""), sorted(aliases.get((n, v), [])),
                                                   vtags.get((n, v), {}), mtags.get(n, {}), flavors))
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


def _artifact_flavors(db_path: Path, uri: str | None) -> list[str]:
    """Flavors of the MLmodel files under an artifact location, when it is a local folder that exists (a path, a
    ``file://`` URI, or a folder relative to the database)."""
    if not uri:
        return []
    where = uri[len("file://"):] if uri.startswith("file://") else uri
    if "://" in where:
        return []
    folder = Path(where)
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
    return plain(json.loads(json.dumps(out, default=str)))
