"""OpenLineage run events (a JSON array, one object, or NDJSON) → jobs, datasets and dataset → job → dataset
edges. Lenient about what real producers leave out (``schemaURL``, ``producer``, ``runId``), strict about
what lineage needs (a job name and namespace, an event time)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.report import ParsedFile
from opsdesk.ingest.textfile import decode, parse_timestamp, short
from opsdesk.ingest.values import mapping, sequence, text

#: Names longer than this are cut (the columns that keep them hold 300 characters).
NAME_LIMIT = 300
STATES = ("START", "RUNNING", "COMPLETE", "ABORT", "FAIL", "OTHER")


@dataclass(frozen=True)
class DatasetRef:
    namespace: str
    name: str
    description: str = ""
    owner: str = ""


@dataclass
class LineageEvent:
    line: int
    event_type: str
    event_time: dt.datetime
    job_namespace: str
    job_name: str
    job_description: str
    inputs: list[DatasetRef] = field(default_factory=list)
    outputs: list[DatasetRef] = field(default_factory=list)
    #: a JobEvent (static lineage: the job's inputs and outputs as designed, no run), so no run state to record
    static: bool = False


@dataclass
class LineageData:
    events: list[LineageEvent]
    #: datasets named by DatasetEvents (static lineage: a dataset's metadata without any run)
    datasets: list[DatasetRef] = field(default_factory=list)


def iter_json_documents(text: str) -> list[tuple[int, Any, str]]:
    """(line, value, problem) for each top-level document: the elements of a JSON array, one object, or one
    object per line (NDJSON). A document that does not parse gets a problem and no value."""
    stripped = text.lstrip()
    decoder = json.JSONDecoder()
    out: list[tuple[int, Any, str]] = []
    if stripped.startswith("["):
        pos = text.index("[") + 1
        while True:
            while pos < len(text) and text[pos] in " \t\r\n,":
                pos += 1
            if pos >= len(text) or text[pos] == "]":
                break
            line = text.count("\n", 0, pos) + 1
            try:
                value, end = decoder.raw_decode(text, pos)
            except json.JSONDecodeError as exc:
                out.append((line, None, f"not valid JSON ({exc.msg})"))
                break
            except RecursionError:
                out.append((line, None, "not valid JSON (nested too deeply)"))
                break
            out.append((line, value, ""))
            pos = end
        return out
    try:
        return [(text.count("\n", 0, len(text) - len(stripped)) + 1, json.loads(text), "")]
    except (json.JSONDecodeError, RecursionError):
        pass
    for n, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            out.append((n, json.loads(raw), ""))
        except json.JSONDecodeError as exc:
            out.append((n, None, f"not valid JSON ({exc.msg})"))
        except RecursionError:
            out.append((n, None, "not valid JSON (nested too deeply)"))
    return out


def looks_like_openlineage(value: Any) -> bool:
    first = value[0] if isinstance(value, list) and value else value
    if not isinstance(first, dict):
        return False
    return ("job" in first and ("eventTime" in first or "run" in first)) or (
        "dataset" in first and isinstance(first.get("dataset"), dict) and "eventTime" in first)


def _event_kind(doc: dict[str, Any]) -> str:
    """RunEvent, DatasetEvent or JobEvent: by the schemaURL when it says, else by the fields (a DatasetEvent has a
    ``dataset`` and no job; a JobEvent a job and no run)."""
    url = text(doc.get("schemaURL"), 500)
    for kind in ("DatasetEvent", "JobEvent", "RunEvent"):
        if url.endswith(kind):
            return kind
    if "dataset" in doc and "job" not in doc:
        return "DatasetEvent"
    if "job" in doc and "run" not in doc and "eventType" not in doc:
        return "JobEvent"
    return "RunEvent"


def _dataset(raw: Any) -> DatasetRef | None:
    name = text(mapping(raw).get("name"), NAME_LIMIT).strip()
    if not name:
        return None
    facets = mapping(raw.get("facets"))
    doc = text(mapping(facets.get("documentation")).get("description"))
    owners = sequence(mapping(facets.get("ownership")).get("owners"))
    owner = text(mapping(owners[0]).get("name"), 200) if owners else ""
    return DatasetRef(text(raw.get("namespace"), NAME_LIMIT), name, doc, owner)


def read_openlineage(path: str, name: str, data: bytes, sha256: str) -> ParsedFile:  # noqa: C901
    parsed = ParsedFile(ImportKind.OPENLINEAGE, path, name, sha256)
    docs = iter_json_documents(decode(data, parsed))
    events: list[LineageEvent] = []
    datasets: list[DatasetRef] = []
    no_schema = no_producer = 0
    for line, value, problem in docs:
        if problem:
            parsed.reject(line, "", problem)
            continue
        for doc in value if isinstance(value, list) else [value]:
            if not isinstance(doc, dict):
                parsed.reject(line, "", "this is not an OpenLineage event (a JSON object was expected)")
                continue
            kind = _event_kind(doc)
            if kind == "DatasetEvent":
                ds = _dataset(doc.get("dataset"))
                if ds is None:
                    parsed.reject(line, "dataset", "the DatasetEvent names no dataset")
                else:
                    datasets.append(ds)
                    no_schema += "schemaURL" not in doc
                    no_producer += "producer" not in doc
                continue
            job = mapping(doc.get("job"))
            job_name, job_namespace = text(job.get("name"), NAME_LIMIT), text(job.get("namespace"), NAME_LIMIT)
            if not job_name.strip() or not job_namespace.strip():
                parsed.reject(line, "job", "the event has no job namespace and name; lineage needs both")
                continue
            stamp, _note, why = parse_timestamp(text(doc.get("eventTime"), 100))
            if stamp is None:
                parsed.reject(line, "eventTime", why)
                continue
            no_schema += "schemaURL" not in doc
            no_producer += "producer" not in doc
            event_type = (text(doc.get("eventType"), 100) or "OTHER").upper()
            static = kind == "JobEvent"
            if event_type not in STATES:
                parsed.warn(line, "eventType", f"unknown event type '{short(event_type)}' read as OTHER", "format")
                event_type = "OTHER"
            description = text(mapping(mapping(job.get("facets")).get("documentation")).get("description"))
            ev = LineageEvent(line, event_type, stamp, job_namespace, job_name, description,
                              static=static)
            for key, target in (("inputs", ev.inputs), ("outputs", ev.outputs)):
                raws = doc.get(key)
                if raws is not None and not isinstance(raws, list):
                    parsed.warn(line, key, f"'{key}' is not a list of datasets; left out", "format")
                for raw in sequence(raws):
                    ds = _dataset(raw)
                    if ds is None:
                        parsed.warn(line, key, "a dataset without a name was left out", "format")
                    else:
                        target.append(ds)
            events.append(ev)
    if no_schema:
        parsed.warn(None, "schemaURL", f"{no_schema} events have no schemaURL; read leniently", "format")
    if no_producer:
        parsed.warn(None, "producer", f"{no_producer} events have no producer; read leniently", "format")
    if not docs:
        parsed.reject(None, "", "the file holds no JSON")
        parsed.fatal = True
    parsed.data = LineageData(events, datasets)
    parsed.accepted = len(events) + len(datasets)
    for ds in datasets[:25]:
        parsed.preview.append((None, f"dataset {ds.namespace}/{ds.name}" + (f": {short(ds.description, 80)}"
                                                                            if ds.description else "")))
    for ev in events[:25]:
        ins = ", ".join(d.name for d in ev.inputs) or "—"
        outs = ", ".join(d.name for d in ev.outputs) or "—"
        parsed.preview.append((ev.line, f"{'JOB' if ev.static else ev.event_type} {ev.job_namespace}/{ev.job_name}: "
                                        f"{short(ins, 50)} → "
                                        f"{short(outs, 50)}"))
    return parsed
