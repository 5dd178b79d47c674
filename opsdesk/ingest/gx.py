"""Great Expectations validation results (1.x and the legacy 0.x field names, single results or checkpoint
results) → one data-quality score (% of expectations met) per asset and validation time."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.report import ParsedFile
from opsdesk.ingest.textfile import decode, parse_timestamp, short
from opsdesk.ingest.values import mapping, number, sequence, text, whole


@dataclass(frozen=True)
class QualityPoint:
    line: int | None
    asset: str
    suite: str
    at: dt.datetime
    score: float
    evaluated: int
    failed: int


@dataclass
class QualityData:
    points: list[QualityPoint]


def looks_like_gx(value: Any) -> bool:
    return isinstance(value, dict) and ("validation_results" in value or "run_results" in value or
                                        ("results" in value and ("statistics" in value or "meta" in value)))


def _batch_asset(expectations: list[dict[str, Any]]) -> str:
    """GX 1.x CheckpointResult.describe_dict() names no asset but every expectation's ``kwargs.batch_id``
    (``<datasource>-<asset>``): the asset is the part after the data source."""
    for e in expectations:
        batch = text(mapping(mapping(e).get("kwargs")).get("batch_id"), 300)
        if batch:
            return batch.split("-", 1)[1] if "-" in batch else batch
    return ""


def _expectation_type(result: Any) -> str:
    result = mapping(result)
    config = mapping(result.get("expectation_config"))
    return text(config.get("type") or config.get("expectation_type") or result.get("expectation_type"), 200)


def _asset(result: dict[str, Any]) -> str:
    meta = mapping(result.get("meta"))
    active = mapping(meta.get("active_batch_definition"))
    batch_kwargs = mapping(meta.get("batch_kwargs"))
    for candidate in (active.get("data_asset_name"), meta.get("data_asset_name"),
                      mapping(meta.get("batch_spec")).get("data_asset_name"), batch_kwargs.get("data_asset_name"),
                      batch_kwargs.get("path"), batch_kwargs.get("table")):
        name = text(candidate).strip()
        if name:
            return name
    return ""


def _time(result: dict[str, Any]) -> tuple[dt.datetime | None, str]:
    meta = mapping(result.get("meta"))
    run_id = meta.get("run_id")
    candidates = [meta.get("validation_time"), mapping(run_id).get("run_time") if isinstance(run_id, dict) else run_id,
                  mapping(meta.get("batch_markers")).get("ge_load_time"), meta.get("run_time")]
    for c in candidates:
        stamp_text = text(c, 100)
        if not stamp_text:
            continue
        if len(stamp_text) >= 15 and stamp_text[8] == "T" and stamp_text[:8].isdigit():  # legacy 20200322T170247Z
            stamp_text = (f"{stamp_text[:4]}-{stamp_text[4:6]}-{stamp_text[6:8]}T{stamp_text[9:11]}:"
                          f"{stamp_text[11:13]}:{stamp_text[13:]}")
        stamp, _note, _why = parse_timestamp(stamp_text)
        if stamp is not None:
            return stamp, ""
    return None, "no validation time found (meta.validation_time, meta.run_id or batch_markers.ge_load_time)"


def _score(result: dict[str, Any], expectations: list[Any]) -> tuple[float | None, int, int, str]:
    """(score in %, expectations evaluated, failed, problem): the statistics when they make sense, else counted
    from the expectation results."""
    stats = mapping(result.get("statistics"))
    evaluated = whole(stats.get("evaluated_expectations"))
    successful = whole(stats.get("successful_expectations"))
    if stats.get("evaluated_expectations") is None:
        evaluated = len(expectations)
        successful = sum(1 for e in expectations if mapping(e).get("success") is True)
    if evaluated is None or evaluated < 0:
        return None, 0, 0, "statistics.evaluated_expectations is not a count"
    if not evaluated:
        return None, 0, 0, "no expectations were evaluated, so there is no score"
    successful = successful or 0
    if not 0 <= successful <= evaluated:
        return None, 0, 0, "statistics.successful_expectations is not a count between 0 and the evaluated ones"
    percent = number(stats.get("success_percent"))
    score = percent if percent is not None and 0 <= percent <= 100 else 100.0 * successful / evaluated
    return score, evaluated, evaluated - successful, ""


def _file_time(path: str) -> dt.datetime | None:
    import os

    try:
        return dt.datetime.fromtimestamp(int(os.path.getmtime(path)), dt.UTC)
    except OSError:
        return None


def read_gx(path: str, name: str, data: bytes, sha256: str) -> ParsedFile:  # noqa: C901
    parsed = ParsedFile(ImportKind.GX, path, name, sha256)
    content = decode(data, parsed)
    try:
        doc = json.loads(content)
    except json.JSONDecodeError as exc:
        parsed.reject(exc.lineno, "", f"not valid JSON ({exc.msg})")
        parsed.fatal = True
        return parsed
    except RecursionError:
        parsed.reject(None, "", "not valid JSON (nested too deeply)")
        parsed.fatal = True
        return parsed
    if not looks_like_gx(doc):
        parsed.reject(1, "", "this is not a Great Expectations validation result (no 'results' or "
                             "'validation_results')")
        parsed.fatal = True
        return parsed
    if "run_results" in doc:  # CheckpointResult.to_json_dict(): {identifier: result or {"validation_result": …}}
        raw = doc.get("run_results") or {}
        results = [v.get("validation_result", v) if isinstance(v, dict) else v
                   for v in (raw.values() if isinstance(raw, dict) else raw)]
    else:
        results = doc.get("validation_results", [doc])
    if isinstance(results, dict):  # 0.x checkpoint results keyed by run identifier
        results = list(results.values())
    if not isinstance(results, list):
        parsed.reject(1, "validation_results", "must be a list of validation results")
        parsed.fatal = True
        return parsed
    points: list[QualityPoint] = []
    fallback_time = _time(doc)[0]
    run_id = doc.get("run_id")
    if fallback_time is None and isinstance(run_id, dict) and run_id.get("run_time"):
        fallback_time = parse_timestamp(str(run_id["run_time"]))[0]
    file_time_used = 0
    for n, result in enumerate(results, start=1):
        if not isinstance(result, dict):
            parsed.reject(n, "validation_results", "a validation result must be a JSON object")
            continue
        expectations = sequence(result.get("results") or result.get("expectations"))
        meta = mapping(result.get("meta"))
        suite = text(result.get("suite_name") or meta.get("expectation_suite_name") or doc.get("suite_name"), 300)
        asset = _asset(result) or _asset(doc) or suite or _batch_asset(expectations)
        if not asset:
            parsed.reject(n, "meta.data_asset_name", "the result does not name its data asset or suite")
            continue
        at, why = _time(result)
        at = at or fallback_time
        if at is None and path and "meta" not in result:  # only the 1.x summary shape carries no meta at all
            at = _file_time(path)
            file_time_used += at is not None
        if at is None:
            parsed.reject(n, "meta.run_id", why)
            continue
        score, evaluated, failed, problem = _score(result, expectations)
        if score is None:
            parsed.reject(n, "statistics", problem)
            continue
        points.append(QualityPoint(n, short(asset, 300), suite, at, score, evaluated, failed))
        types = sorted({_expectation_type(e) for e in expectations if mapping(e).get("success") is not True} - {""})
        if types:
            parsed.warn(n, "results", f"{asset}: {failed} of {evaluated} expectations failed "
                                      f"({short(', '.join(types), 150)})", "quality")
    if file_time_used:
        parsed.warn(None, "meta.validation_time", f"{file_time_used} results carry no validation time (a GX 1.x "
                                                  "CheckpointResult summary); the file's modification time is used",
                    "timezone")
    parsed.data = QualityData(points)
    parsed.accepted = len(points)
    for p in points:
        parsed.preview.append((p.line, f"{p.at:%Y-%m-%d %H:%M} · {p.asset} · suite {p.suite or '—'} · "
                                       f"{p.score:.1f} % ({p.evaluated - p.failed}/{p.evaluated})"))
    return parsed
