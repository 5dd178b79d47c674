"""Import files: read and validate (preview), then commit everything in one transaction.

A preview changes nothing. A commit writes one ImportBatch per file and points every stored row at it; a file
whose exact bytes were imported before is skipped and the report says so. When anything was rejected nothing is
committed, unless the caller explicitly accepts a partial import (the rejected rows are then left out).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from opsdesk.domain.enums import ImportKind
from opsdesk.errors import ImportCancelled
from opsdesk.ingest.detect import read_path
from opsdesk.ingest.metrics_table import MetricsSource
from opsdesk.ingest.report import (
    STORED_ISSUES,
    FileOutcome,
    ImportReport,
    NoProgress,
    ParsedFile,
    Progress,
    ReadOptions,
)
from opsdesk.services.imports import writers
from opsdesk.store.models import CostRecord, ImportBatch
from opsdesk.store.workspace import Workspace


@dataclass
class ImportPlan:
    """Files read and checked against the workspace, ready to commit."""

    files: list[ParsedFile] = field(default_factory=list)
    outcomes: list[FileOutcome] = field(default_factory=list)

    def report(self) -> ImportReport:
        active = [p for p, o in zip(self.files, self.outcomes, strict=True) if o.status != "duplicate"]
        return ImportReport(files=list(self.outcomes), rejected=[i for p in active for i in p.rejected],
                            warnings=[i for p in active for i in p.warnings])

    @property
    def has_rejections(self) -> bool:
        return any(p.rejected for p, o in zip(self.files, self.outcomes, strict=True) if o.status != "duplicate")


def _unchecked(parsed: ParsedFile) -> bool:
    """A large metrics file whose rows are checked only as it is written (see :func:`import_paths`)."""
    return isinstance(parsed.data, MetricsSource) and not parsed.data.scanned


class _Refused(Exception):
    """Rows of a file checked while it was written were rejected: the transaction is rolled back."""


def preview(ws: Workspace, paths: Sequence[str | Path], kind: ImportKind | str | None = None,
            progress: Progress | None = None, options: ReadOptions | None = None, *,
            check_on_write: bool = False) -> ImportPlan:
    """Read and validate every path; nothing is written. With ``check_on_write`` a large metrics file (read in
    chunks) is not read here: its rows are checked as :func:`commit` writes them, in one pass, and a rejection
    then rolls the whole transaction back."""
    progress = progress or NoProgress()
    wanted = ImportKind.parse(kind) if kind not in (None, "", "auto") else None
    plan = ImportPlan()
    seen: dict[tuple[ImportKind, str], str] = {}
    seen_rows: dict[str, str] = {}  # cost row fingerprint → the file of this run that holds it
    for n, raw in enumerate(paths):
        if progress.cancelled:
            raise ImportCancelled("the import was cancelled; nothing was written")
        path = Path(raw)
        progress.progress(n, len(paths), f"Reading {path.name}…")
        parsed = read_path(path, wanted, options)
        with ws.read() as session:
            if not (check_on_write and _unchecked(parsed)):
                writers.resolve(session, parsed)
            outcome = FileOutcome(parsed.name, parsed.kind, parsed.sha256, parsed.accepted, len(parsed.rejected),
                                  status="refused" if parsed.fatal else "preview")
            if parsed.sha256:
                previous = session.scalar(select(ImportBatch).where(ImportBatch.kind == parsed.kind,
                                                                    ImportBatch.sha256 == parsed.sha256))
                if previous is not None:
                    outcome.status, outcome.batch_id = "duplicate", previous.id
                    outcome.message = (f"already imported as batch {previous.id} ({previous.file_name}, "
                                       f"{previous.imported_at:%Y-%m-%d %H:%M} UTC by {previous.actor}); "
                                       "nothing to do")
                elif (parsed.kind, parsed.sha256) in seen:
                    outcome.status = "duplicate"
                    outcome.message = f"the same content as {seen[(parsed.kind, parsed.sha256)]}; read once"
                else:
                    seen[(parsed.kind, parsed.sha256)] = parsed.name
            if outcome.status == "preview" and parsed.kind is ImportKind.FOCUS and parsed.data is not None:
                _check_cost_rows(session, parsed, outcome, ws.clock(), seen_rows)
        plan.files.append(parsed)
        plan.outcomes.append(outcome)
    progress.progress(len(paths), len(paths), "Read")
    return plan


def _check_cost_rows(session: Any, parsed: ParsedFile, outcome: FileOutcome, now: dt.datetime,
                     seen_rows: dict[str, str]) -> None:
    """A cost file whose every row is already in the workspace (or in another file of this run) is the same bill
    again, whatever its bytes (another line ending, encoding, column order): it is skipped and the report says so.
    Rows in part already present, and charge periods that start in the future, are warned about."""
    rows = parsed.data.rows
    if not rows:
        return
    prints = [r["fingerprint"] for r in rows]
    present: dict[str, int | None] = {}
    unique = sorted(set(prints))
    for start in range(0, len(unique), 500):
        chunk = unique[start:start + 500]
        for fp, batch_id in session.execute(select(CostRecord.fingerprint, CostRecord.batch_id)
                                            .where(CostRecord.fingerprint.in_(chunk))):
            present.setdefault(fp, batch_id)
    in_run = {fp: seen_rows[fp] for fp in unique if fp in seen_rows and fp not in present}
    if all(fp in present or fp in in_run for fp in unique):
        batches = sorted({b for b in present.values() if b is not None})
        names = {b: n for b, n in session.execute(select(ImportBatch.id, ImportBatch.file_name)
                                                  .where(ImportBatch.id.in_(batches)))} if batches else {}
        where = ("; ".join(f"batch {b} ({names.get(b, '?')})" for b in batches) if batches
                 else ", ".join(sorted(set(in_run.values()))))
        outcome.status = "duplicate"
        outcome.batch_id = batches[0] if batches else None
        outcome.message = (f"every one of its {len(rows)} cost rows is already {'in the workspace' if batches else 'in'}"
                           f" {where} — the same bill saved differently (line endings, encoding or column order); "
                           "nothing to do")
        return
    again = sum(1 for fp in prints if fp in present)
    if again:
        first = next(r["row_number"] for r in rows if r["fingerprint"] in present)
        batches = sorted({b for fp, b in present.items() if b is not None})
        parsed.warn(first, "", f"{again} of {len(rows)} rows are already in the workspace (batch "
                               f"{', '.join(map(str, batches))}); importing adds them a second time", "duplicate")
    for fp in prints:
        seen_rows.setdefault(fp, parsed.name)
    future = [r for r in rows if r["charge_period_start"] > now]
    if future:
        parsed.warn(future[0]["row_number"], "ChargePeriodStart",
                    f"{len(future)} rows are charged for periods that start after today ({now:%Y-%m-%d}), the "
                    f"latest on {max(r['charge_period_start'] for r in future):%Y-%m-%d}; kept as written, "
                    "they do not move the dashboard's date", "period")


def commit(ws: Workspace, plan: ImportPlan, *, accept_partial: bool = False,
           progress: Progress | None = None) -> ImportReport:
    """Write the plan in one transaction. Returns the report; ``committed`` says whether anything was written."""
    progress = progress or NoProgress()
    report = plan.report()
    todo = [(p, o) for p, o in zip(plan.files, plan.outcomes, strict=True)
            if o.status == "preview" and (p.accepted > 0 or _unchecked(p))]
    if plan.has_rejections and not accept_partial:
        report.message = (f"{len(report.rejected)} rejections (rows, or whole files), so nothing was imported; "
                          "correct the file, or import without the rejected rows")
        for o in report.files:
            if o.status == "preview":
                o.status = "refused"
        return report
    if not todo:
        dupes = [o for o in report.files if o.status == "duplicate"]
        report.message = ("every file was imported before; nothing changed" if dupes and len(dupes) == len(report.files)
                          else "nothing to import")
        return report
    total = sum(p.accepted for p, _o in todo)
    try:
        _write_all(ws, todo, total, progress, accept_partial)
    except _Refused:
        report = plan.report()
        report.message = (f"{len(report.rejected)} rejections (rows, or whole files), so nothing was imported; "
                          "correct the file, or import without the rejected rows")
        for o in report.files:
            if o.status in ("preview", "committed"):
                o.status, o.batch_id, o.message = "refused", None, ""
        return report
    report = plan.report()
    report.committed = True
    for outcome in report.files:
        if outcome.status == "preview":  # nothing in it could be imported
            outcome.status, outcome.message = "refused", outcome.message or "nothing in this file could be imported"
    skipped = len(report.rejected)
    report.message = (f"imported {report.accepted} {_plural(report.accepted, 'row')} from {len(todo)} "
                      f"{_plural(len(todo), 'file')}"
                      + (f"; {skipped} {_plural(skipped, 'rejection')} left out" if skipped else ""))
    return report


def _write_all(ws: Workspace, todo: list[tuple[ParsedFile, FileOutcome]], total: int, progress: Progress,
               accept_partial: bool) -> int:
    done = 0
    with ws.write("import") as tx:
        for parsed, outcome in todo:
            if progress.cancelled:
                raise ImportCancelled("the import was cancelled; nothing was written")
            checked_now = _unchecked(parsed)
            if checked_now and parsed.data.strict and accept_partial:
                # rows that repeat another's series and time are left out whole: find them before writing
                writers.resolve(tx.session, parsed)
                outcome.accepted, outcome.rejected = parsed.accepted, len(parsed.rejected)
                checked_now = False
            batch = ImportBatch(kind=parsed.kind, file_name=parsed.name[:500], sha256=parsed.sha256,
                                accepted=parsed.accepted, rejected=len(parsed.rejected), imported_at=ws.clock(),
                                actor=ws.actor, report=_stored_report(parsed))
            tx.add(batch, "import_batch")

            def step(n: int, parsed: ParsedFile = parsed, base: int = done) -> None:
                if progress.cancelled:
                    raise ImportCancelled("the import was cancelled; nothing was written")
                progress.progress(base + n, total, f"Writing {parsed.name}…")

            summary = writers.write(tx, parsed, batch.id, step)
            if checked_now:  # its rows were checked as they were written
                outcome.accepted, outcome.rejected = parsed.accepted, len(parsed.rejected)
                if parsed.rejected and not accept_partial:
                    raise _Refused  # rolls back everything this transaction wrote
                batch.accepted, batch.rejected, batch.report = (parsed.accepted, len(parsed.rejected),
                                                                _stored_report(parsed))
            tx.audit("import", "import_batch", batch.id, None,
                     {"kind": parsed.kind.value, "file": parsed.name, "sha256": parsed.sha256,
                      "accepted": parsed.accepted, "rejected": len(parsed.rejected), **summary})
            outcome.batch_id, outcome.status = batch.id, "committed"
            outcome.message = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in summary.items() if v)
            done += parsed.accepted
        progress.progress(total, total, "Committing…")
    return done


def import_paths(ws: Workspace, paths: Sequence[str | Path], *, kind: ImportKind | str | None = None,
                 dry_run: bool = False, accept_partial: bool = False, progress: Progress | None = None,
                 include_deleted: bool = False, strict: bool = False,
                 chunk_bytes: int | None = None) -> ImportReport:
    """Preview, then (unless ``dry_run``) commit: what the CLI does. ``include_deleted`` keeps deleted MLflow
    runs (marked deleted); ``strict`` rejects metrics rows that repeat the series and time of another row.
    A metrics CSV larger than ``chunk_bytes`` (default ``metrics_table.CHUNK_BYTES``) is read, checked and
    written in chunks of that size in one pass and one transaction (memory stays flat whatever its size)."""
    plan = preview(ws, paths, kind, progress, ReadOptions(include_deleted=include_deleted, strict=strict,
                                                          chunk_bytes=chunk_bytes), check_on_write=not dry_run)
    if dry_run:
        report = plan.report()
        report.dry_run = True
        report.message = "dry run: nothing was written"
        return report
    return commit(ws, plan, accept_partial=accept_partial, progress=progress)


def _plural(n: int, word: str) -> str:
    return word if n == 1 else word + "s"


def _stored_report(parsed: ParsedFile) -> dict[str, object]:
    return {"rejected_count": len(parsed.rejected), "warning_count": len(parsed.warnings),
            "rejected": [i.to_json() for i in parsed.rejected[:STORED_ISSUES]],
            "warnings": [i.to_json() for i in parsed.warnings[:STORED_ISSUES]]}


@dataclass(frozen=True)
class BatchDTO:
    id: int
    kind: ImportKind
    file_name: str
    sha256: str
    accepted: int
    rejected: int
    imported_at: object
    actor: str


def list_batches(ws: Workspace) -> list[BatchDTO]:
    from opsdesk.store import records

    with ws.read() as s:
        return [records.to_dto(BatchDTO, b) for b in s.scalars(select(ImportBatch).order_by(ImportBatch.id))]
