"""What an all-or-nothing CSV import reports (skills, training, risks, incidents): each problem with its file,
row and field, the refusal that lists them, and the counts of an import that went through."""

from __future__ import annotations

from dataclasses import dataclass

from opsdesk.errors import OpsDeskError


@dataclass(frozen=True)
class RowProblem:
    file: str
    row: int  # line in the file (the header is line 1)
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, row {self.row}, {self.field}: {self.reason}"


class CsvImportError(OpsDeskError):
    """The file was rejected; nothing was written. ``problems`` names file, row and field of each."""

    def __init__(self, problems: list[RowProblem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{len(problems)} problem(s), nothing imported: {shown}{more}")


@dataclass(frozen=True)
class ImportResult:
    file_name: str
    rows: int
    created: int
    updated: int
    unchanged: int
    already_imported: bool = False
