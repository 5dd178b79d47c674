"""Which importer reads a path: by what the file holds, not only by its name."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from opsdesk import files, log
from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.report import Issue, ParsedFile, ReadOptions

KINDS = (ImportKind.METRICS, ImportKind.FOCUS, ImportKind.MLFLOW, ImportKind.OPENLINEAGE, ImportKind.GX)
LABELS = {ImportKind.METRICS: "Tidy metrics", ImportKind.FOCUS: "FOCUS cost export",
          ImportKind.MLFLOW: "MLflow tracking store", ImportKind.OPENLINEAGE: "OpenLineage events",
          ImportKind.GX: "Great Expectations results"}
#: Files larger than this are not read whole to guess their kind.
SNIFF_BYTES = 64 * 1024
#: The first bytes of an SQLite database (an MLflow tracking store); ``mlflow_store`` is imported only for one.
SQLITE_MAGIC = b"SQLite format 3\x00"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def detect_kind(path: Path) -> ImportKind | None:
    """The kind of ``path``, or None when OpsDesk cannot tell."""
    if path.is_dir():
        from opsdesk.ingest import mlflow_store
        from opsdesk.ingest.mlflow_export import is_export_folder

        if (mlflow_store.is_mlruns(path) and _has_meta_yaml(path)) or is_export_folder(path):
            return ImportKind.MLFLOW
        if mlflow_store.is_mlruns(path):
            return ImportKind.MLFLOW
        if (path / "mlruns").is_dir():
            return ImportKind.MLFLOW
        return None
    suffix = path.suffix.lower()
    try:
        head = files.read_head(path, SNIFF_BYTES)
    except files.FileRefused:
        return None
    if head.startswith(SQLITE_MAGIC):
        return ImportKind.MLFLOW
    if head.startswith(b"PAR1") or suffix == ".parquet":
        return ImportKind.FOCUS
    if suffix in (".xlsx", ".xlsm"):
        return ImportKind.METRICS
    if suffix in (".json", ".ndjson", ".jsonl") or head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return _json_kind(path)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    first = next((ln for ln in text.replace("\r", "\n").split("\n") if ln.strip()), "")
    from opsdesk.ingest.focus import looks_like_focus
    from opsdesk.ingest.native_bills import recognise
    from opsdesk.ingest.textfile import sniff_delimiter

    header = [h.strip().strip('"') for h in first.split(sniff_delimiter(first))]
    return ImportKind.FOCUS if looks_like_focus(header) or recognise(header) is not None else ImportKind.METRICS


def _has_meta_yaml(path: Path) -> bool:
    """An MLflow file store has meta.yaml files one or two levels down (experiments, registered models)."""
    return any(path.glob("*/meta.yaml")) or any(path.glob("*/*/meta.yaml")) or (path / "mlruns").is_dir()


def _json_kind(path: Path) -> ImportKind | None:
    from opsdesk.ingest.gx import looks_like_gx
    from opsdesk.ingest.openlineage import iter_json_documents, looks_like_openlineage

    try:
        text = files.read_bounded(path).decode("utf-8-sig", errors="replace")
    except files.FileRefused:
        return None
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, RecursionError):
        docs = iter_json_documents(text)
        value = [d for _line, d, _p in docs if d is not None][:1]
    from opsdesk.ingest.mlflow_export import is_export_document

    if is_export_document(value):
        return ImportKind.MLFLOW
    if looks_like_gx(value):
        return ImportKind.GX
    if looks_like_openlineage(value):
        return ImportKind.OPENLINEAGE
    return None


def read_path(path: Path, kind: ImportKind | None = None, options: ReadOptions | None = None) -> ParsedFile:
    """Read and validate one path with the importer for ``kind`` (detected when None). Never raises for bad
    content: an unreadable or unrecognised file comes back refused, with the reason.

    The readers handle every input themselves (the fuzz tests in ``tests/ingest/test_fuzz_readers.py`` hold
    them to it); should one still fail inside, the file is refused with an ``internal`` issue and the traceback
    goes to the log, so an import never ends in a traceback."""
    try:
        return _read_path(path, kind, options)
    except Exception as exc:  # noqa: BLE001 - the last guard of a file parser (RecursionError, MemoryError too)
        log.get("ingest").exception("reading %s failed inside the reader", path)
        parsed = ParsedFile(kind or ImportKind.METRICS, str(path), path.name, "")
        parsed.rejected.append(Issue(path.name, None, "", f"OpsDesk could not read this file ({type(exc).__name__}); "
                                                           "the details are in the log", "internal"))
        parsed.fatal = True
        return parsed


def _read_path(path: Path, kind: ImportKind | None, options: ReadOptions | None) -> ParsedFile:
    from opsdesk.ingest import metrics_table

    name = path.name
    options = options or ReadOptions()
    try:
        present = path.is_dir() or files.regular_or_missing(path, "file to import")
    except (files.FileRefused, OSError) as exc:
        parsed = ParsedFile(kind or ImportKind.METRICS, str(path), name, "")
        parsed.reject(None, "", str(exc) if isinstance(exc, files.FileRefused) else files.os_error_line(exc))
        parsed.fatal = True
        return parsed
    if not present:
        parsed = ParsedFile(kind or ImportKind.METRICS, str(path), name, "")
        parsed.reject(None, "", "there is no file or folder at this path")
        parsed.fatal = True
        return parsed
    kind = kind or detect_kind(path)
    if kind is None:
        parsed = ParsedFile(ImportKind.METRICS, str(path), name, "")
        parsed.reject(None, "", "OpsDesk cannot tell what this file is; choose its kind explicitly "
                                "(metrics, focus, mlflow, openlineage, gx)")
        parsed.fatal = True
        return parsed
    if kind is ImportKind.MLFLOW:
        from opsdesk.ingest import mlflow_export

        if (path.is_dir() and not _has_meta_yaml(path) and mlflow_export.is_export_folder(path)) or (
                path.is_file() and path.suffix.lower() == ".json"):
            return mlflow_export.read_export_import(path, options.include_deleted)
    if kind is ImportKind.MLFLOW and path.is_dir():
        from opsdesk.ingest import mlflow_store

        root = path / "mlruns" if (path / "mlruns").is_dir() and not mlflow_store.is_mlruns(path) else path
        return mlflow_store.read_mlruns(root, options.include_deleted)
    if kind is ImportKind.METRICS:  # a large regular CSV is read in chunks when it is imported, never whole
        streamed = metrics_table.open_stream(str(path), name, strict=options.strict, chunk_bytes=options.chunk_bytes,
                                             limit=files.IMPORT_LIMIT)
        if streamed is not None:
            return streamed
    try:
        data = files.read_bounded(path, files.IMPORT_LIMIT, "file to import")
    except files.FileRefused as exc:
        parsed = ParsedFile(kind, str(path), name, "")
        parsed.reject(None, "", f"the file cannot be read ({exc})")
        parsed.fatal = True
        return parsed
    digest = sha256_of(data)
    if kind is ImportKind.MLFLOW:
        from opsdesk.ingest import mlflow_store

        return mlflow_store.read_mlflow_db(path, digest, options.include_deleted)
    reader = _reader(kind)
    if reader is None:
        parsed = ParsedFile(kind, str(path), name, digest)
        parsed.reject(None, "", f"OpsDesk has no importer for {kind.value}")
        parsed.fatal = True
        return parsed
    if kind is ImportKind.METRICS:
        return metrics_table.read_metrics(str(path), name, data, digest, strict=options.strict)
    return reader(str(path), name, data, digest)


def _reader(kind: ImportKind):  # type: ignore[no-untyped-def]
    """The reader of a file of ``kind`` read whole (its module imported only now), or None."""
    if kind is ImportKind.FOCUS:
        from opsdesk.ingest.focus import read_focus

        return read_focus
    if kind is ImportKind.OPENLINEAGE:
        from opsdesk.ingest.openlineage import read_openlineage

        return read_openlineage
    if kind is ImportKind.GX:
        from opsdesk.ingest.gx import read_gx

        return read_gx
    if kind is ImportKind.METRICS:
        from opsdesk.ingest.metrics_table import read_metrics

        return read_metrics
    return None
