"""CSV written by OpsDesk never carries a live formula: a text cell that a spreadsheet would evaluate
(leading ``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed with an apostrophe (OWASP's advice).
Numbers are written as numbers, so a negative amount stays a negative amount."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

DANGEROUS = ("=", "+", "-", "@", "\t", "\r")


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
    return "'" + text if text.startswith(DANGEROUS) else text


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in headers])
    for row in rows:
        writer.writerow([escape_cell(c) for c in row])
    return out.getvalue()
