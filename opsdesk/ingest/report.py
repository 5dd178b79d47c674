"""The common shape every importer returns: validated data plus an import report a person can read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from opsdesk.domain.enums import ImportKind

#: How many rejections and warnings an ImportBatch keeps in its stored report (the counts are always exact).
STORED_ISSUES = 1000


@dataclass(frozen=True)
class ReadOptions:
    """What the user chose about how a file is read: keep deleted MLflow runs (marked), and whether a metrics row
    that repeats the series and time of another row rejects the file (``strict``) or only warns (the last wins)."""

    include_deleted: bool = False
    strict: bool = False
    chunk_bytes: int | None = None  # metrics CSV larger than this are read in chunks of it (None: the default)


@dataclass(frozen=True)
class Issue:
    """A rejected row or a warning: where it is (file, line, column) and a plain reason."""

    file: str
    line: int | None
    column: str
    reason: str
    kind: str = ""  # warnings: "timezone", "unit", "number", "format", "duplicate"…

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "reason": self.reason,
                **({"kind": self.kind} if self.kind else {})}

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line is not None else "")
        return f"{where}{f' [{self.column}]' if self.column else ''}: {self.reason}"


@dataclass
class ParsedFile:
    """One file (or MLflow store) read and validated, not yet written anywhere.

    ``data`` is the kind-specific payload the import service knows how to store; ``preview`` holds a few
    accepted rows as (line, summary) for people to look at before committing.
    """

    kind: ImportKind
    path: str
    name: str
    sha256: str
    accepted: int = 0
    rejected: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    data: Any = None
    preview: list[tuple[int | None, str]] = field(default_factory=list)
    fatal: bool = False  # the whole file was refused (no usable header, unreadable…)

    def reject(self, line: int | None, column: str, reason: str) -> None:
        self.rejected.append(Issue(self.name, line, column, reason))

    def warn(self, line: int | None, column: str, reason: str, kind: str = "") -> None:
        self.warnings.append(Issue(self.name, line, column, reason, kind))


@dataclass
class FileOutcome:
    """What happened to one file at commit: stored as a new batch, skipped as already imported, or refused."""

    name: str
    kind: ImportKind
    sha256: str
    accepted: int
    rejected: int
    batch_id: int | None = None
    status: str = "preview"  # preview | committed | duplicate | refused | cancelled
    message: str = ""


@dataclass
class ImportReport:
    """The report shown to the user (and printed by the CLI) after a preview or a commit."""

    files: list[FileOutcome] = field(default_factory=list)
    rejected: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    committed: bool = False
    dry_run: bool = False
    message: str = ""

    @property
    def accepted(self) -> int:
        return sum(f.accepted for f in self.files if f.status != "duplicate")

    @property
    def batch_ids(self) -> list[int]:
        return [f.batch_id for f in self.files if f.batch_id is not None]

    @property
    def batch_id(self) -> int | None:
        ids = self.batch_ids
        return ids[0] if len(ids) == 1 else (ids[-1] if ids else None)

    def to_json(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "rejected": [i.to_json() for i in self.rejected],
            "warnings": [i.to_json() for i in self.warnings],
            "batch_id": self.batch_id,
            "batch_ids": self.batch_ids,
            "committed": self.committed,
            "dry_run": self.dry_run,
            "message": self.message,
            "files": [{"file": f.name, "kind": f.kind.value, "sha256": f.sha256, "accepted": f.accepted,
                       "rejected": f.rejected, "batch_id": f.batch_id, "status": f.status, "message": f.message}
                      for f in self.files],
        }


class Progress(Protocol):
    """What a long import reports to and learns from its caller (the GUI's TaskState fits this)."""

    def progress(self, done: int, total: int, text: str = "") -> None: ...

    @property
    def cancelled(self) -> bool: ...


class NoProgress:
    def progress(self, done: int, total: int, text: str = "") -> None:
        pass

    @property
    def cancelled(self) -> bool:
        return False
