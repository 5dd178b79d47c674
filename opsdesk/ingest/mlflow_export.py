"""JSON written by ``mlflow-export-import`` (experiments, runs, registered models, each as ``{"system", "info",
"mlflow"}``) read into the same description an MLflow store gives, so it imports the same way: experiments as
records, runs with their params, tags and metric histories (millisecond timestamps and steps), registered model
versions with aliases. A folder of such files (bulk or single exports) or one file."""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.mlflow_store import (
    MlflowData,
    MlflowExperiment,
    MlflowRun,
    MlflowVersion,
    _finish,
    _ms,
    flavors_of_history,
)
from opsdesk.ingest.report import ParsedFile
from opsdesk.ingest.textfile import short

MAX_FILES = 20_000


def is_export_document(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("mlflow"), dict) and "system" in value and any(
        k in value["mlflow"] for k in ("info", "experiment", "registered_model"))


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*.json") if p.is_file())[:MAX_FILES]


def is_export_folder(path: Path) -> bool:
    if not path.is_dir():
        return False
    for f in _files(path)[:200]:
        if f.name in ("run.json", "experiment.json", "model.json"):
            try:
                if is_export_document(json.loads(f.read_text(encoding="utf-8-sig"))):
                    return True
            except (OSError, ValueError):
                continue
    return False


def _tags(raw: Any) -> dict[str, str]:
    if isinstance(raw, dict):
        return {str(k): "" if v is None else str(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return {str(t.get("key")): "" if t.get("value") is None else str(t.get("value"))
                for t in raw if isinstance(t, dict) and "key" in t}
    return {}


def read_export_import(path: Path, include_deleted: bool = False) -> ParsedFile:  # noqa: C901
    files = _files(path)
    digest = hashlib.sha256()
    docs: list[tuple[Path, dict[str, Any]]] = []
    parsed = ParsedFile(ImportKind.MLFLOW, str(path), path.name, "")
    for f in files:
        rel = str(f.relative_to(path)) if path.is_dir() else f.name
        try:
            raw = f.read_bytes()
        except OSError as exc:
            parsed.reject(None, rel, f"cannot be read ({exc.strerror or exc})")
            continue
        digest.update(rel.encode("utf-8") + b"\0" + raw + b"\0")
        try:
            value = json.loads(raw.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as exc:
            parsed.reject(None, rel, f"not valid JSON ({short(str(exc))})")
            continue
        if is_export_document(value):
            docs.append((f, value))
    suffix = "+include-deleted" if include_deleted else ""
    parsed.sha256 = hashlib.sha256((digest.hexdigest() + suffix).encode()).hexdigest()
    data = MlflowData("mlflow-export-import")
    experiments: dict[str, MlflowExperiment] = {}
    by_folder: dict[Path, str] = {}
    for f, doc in docs:
        exp = doc["mlflow"].get("experiment")
        if isinstance(exp, dict):
            tags = {k: v for k, v in _tags(exp.get("tags")).items() if not k.startswith("mlflow_exim.")}
            e = MlflowExperiment(str(exp.get("experiment_id") or ""), str(exp.get("name") or f.parent.name), tags,
                                 str(exp.get("lifecycle_stage") or "active"))
            experiments.setdefault(e.name, e)
            by_folder[f.parent] = e.name
    data.experiments = list(experiments.values())
    ids = {e.experiment_id: e.name for e in data.experiments}
    nan = 0
    for f, doc in docs:
        m = doc["mlflow"]
        info = m.get("info")
        if not isinstance(info, dict) or "registered_model" in m:
            continue
        exp_name = next((by_folder[p] for p in f.parents if p in by_folder), "") or ids.get(
            str(info.get("experiment_id")), str(info.get("experiment_id") or ""))
        tags = _tags(m.get("tags"))
        run = MlflowRun(str(info.get("run_id") or info.get("run_uuid") or f.parent.name), exp_name,
                        str(info.get("run_name") or tags.get("mlflow.runName") or ""), str(info.get("status") or ""),
                        str(info.get("user_id") or ""), _ms(info.get("start_time")), params=_tags(m.get("params")),
                        tags=tags, experiment_id=next((e.experiment_id for e in data.experiments
                                                       if e.name == exp_name), str(info.get("experiment_id") or "")),
                        lifecycle_stage=str(info.get("lifecycle_stage") or "active"))
        if run.deleted and not include_deleted:
            data.skipped_deleted.append(run.name or run.run_id)
            continue
        run.flavors = flavors_of_history(tags.get("mlflow.log-model.history", ""))
        metrics = m.get("metrics") or {}
        for key, history in (metrics.items() if isinstance(metrics, dict) else []):
            points: list[tuple[int, int, float]] = []
            for p in history if isinstance(history, list) else []:
                try:
                    value = float(p["value"])
                    stamp, step = int(p.get("timestamp") or 0), int(p.get("step") or 0)
                except (KeyError, TypeError, ValueError):
                    parsed.reject(None, f"{f.name} metrics.{key}", f"'{short(str(p))}' is not a metric value")
                    continue
                if math.isnan(value) or math.isinf(value):
                    nan += 1
                    continue
                points.append((stamp, step, value))
            run.metrics[str(key)] = points
        data.runs.append(run)
    runs = {r.run_id: r for r in data.runs}
    for f, doc in docs:
        model = doc["mlflow"].get("registered_model")
        if not isinstance(model, dict):
            continue
        name = str(model.get("name") or f.parent.name)
        aliases: dict[str, list[str]] = {}
        for a in model.get("aliases") or []:
            if isinstance(a, dict):
                aliases.setdefault(str(a.get("version")), []).append(str(a.get("alias")))
        for v in model.get("versions") or []:
            if not isinstance(v, dict):
                continue
            version = str(v.get("version") or "")
            run_id = str(v.get("run_id") or "")
            data.versions.append(MlflowVersion(
                name, version, run_id, str(v.get("status") or ""), str(v.get("source") or ""),
                str(model.get("description") or ""),
                sorted(set(aliases.get(version, [])) | {str(x) for x in v.get("aliases") or []}),
                _tags(v.get("tags")), _tags(model.get("tags")),
                list(runs[run_id].flavors) if run_id in runs else []))
    if not data.runs and not data.versions and not data.experiments:
        parsed.reject(None, "", "no mlflow-export-import experiments, runs or models were found here")
        parsed.fatal = True
    return _finish(parsed, data, nan)
