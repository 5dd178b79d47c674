"""CSV written by OpsDesk never carries a live formula: a text cell that a spreadsheet would evaluate
(leading ``=``, ``+``, ``-``, ``@``, tab or carriage return, or their full-width forms) is prefixed with an
apostrophe (OWASP's advice). Numbers are written as numbers, so a negative amount stays a negative amount.

This module is the one CSV writer of OpsDesk (a test checks that no other module creates a ``csv.writer``); what
it escapes, :func:`unescape_cell` undoes, so OpsDesk reads its own exports back unchanged."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

_PLAIN_NUMBER = re.compile(r"^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def escape_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):  # plain notation at the value's own scale: "0.00000000000", never "0E-11"
        text = format(value, "f")
        return text[1:] if value == 0 and text.startswith("-") else text
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if _PLAIN_NUMBER.match(text):  # "-40.00" is a number to a spreadsheet, never a formula: kept as written
        return text
    return "'" + text if text.startswith(DANGEROUS) else text


def unescape_cell(text: str) -> str:
    """A cell as OpsDesk wrote it → the text it stands for (the apostrophe before a formula-like start removed)."""
    return text[1:] if text.startswith("'") and text[1:].startswith(DANGEROUS) else text


def write_rows(fh: IO[str], headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
               lineterminator: str = "\r\n") -> None:
    """Write a header and rows to an open text file, every cell escaped."""
    writer = csv.writer(fh, lineterminator=lineterminator)
    writer.writerow([escape_cell(h) for h in headers])
    for row in rows:
        writer.writerow([escape_cell(c) for c in row])


def write_file(path: Path, headers: Sequence[str], rows: Iterable[Sequence[Any]], *,
               encoding: str = "utf-8-sig") -> Path:
    """Write a CSV file (UTF-8 with a BOM by default, as spreadsheets expect)."""
    with path.open("w", encoding=encoding, newline="") as fh:
        write_rows(fh, headers, rows)
    return path


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    write_rows(out, headers, rows)
    return out.getvalue()
