"""The rows of an import preview: a few accepted rows per file, then every rejection and warning."""

from __future__ import annotations

from dataclasses import dataclass

from opsdesk.ingest.report import ParsedFile
from opsdesk.ui.models.rows import Column, RowsModel

MAX_ISSUES = 5000


@dataclass(frozen=True)
class PreviewRow:
    file: str
    line: int | None
    column: str
    status: str  # accepted | rejected | warning | file
    detail: str


def preview_rows(files: list[ParsedFile], statuses: list[str] | None = None) -> list[PreviewRow]:
    """Every rejection first (what the user must look at), then warnings, then sample accepted rows."""
    rejected: list[PreviewRow] = []
    warnings: list[PreviewRow] = []
    accepted: list[PreviewRow] = []
    for n, parsed in enumerate(files):
        if statuses and statuses[n] == "duplicate":
            continue
        rejected.extend(PreviewRow(i.file, i.line, i.column, "rejected", i.reason)
                        for i in parsed.rejected[:MAX_ISSUES])
        warnings.extend(PreviewRow(i.file, i.line, i.column, "warning", i.reason) for i in parsed.warnings)
        accepted.extend(PreviewRow(parsed.name, line, "", "accepted", text) for line, text in parsed.preview)
    return rejected + warnings + accepted


COLUMNS: list[Column[PreviewRow]] = [
    Column("File", lambda r: r.file),
    Column("Line", lambda r: r.line, align_right=True),
    Column("Column", lambda r: r.column),
    Column("Status", lambda r: r.status.capitalize()),
    Column("Detail", lambda r: r.detail, tooltip=lambda r: r.detail),
]


def make_model(parent=None) -> RowsModel[PreviewRow]:
    return RowsModel(COLUMNS, tone=lambda r: {"rejected": "bad", "warning": "warn"}.get(r.status, ""),
                     parent=parent)
