"""Reading the text of exported files as they really are: BOMs, CRLF, wrong encodings, broken lines, NUL bytes,
huge fields; and the lenient value parsers shared by the importers (numbers, money, timestamps)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from opsdesk.ingest.report import ParsedFile

#: A field longer than this is refused (a real export never has one; garbage often does).
MAX_FIELD = 1_000_000
NULLS = frozenset({"", "null", "NULL", "Null", "None", "none", "N/A", "n/a", "NA", "#N/A"})
FORMULA_START = ("=", "+", "-", "@")


def _cp1252_or_latin1(exc: UnicodeError) -> tuple[str, int]:
    """Error handler: the five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D) read as Latin-1."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(chr(b) for b in exc.object[exc.start:exc.end]), exc.end


codecs.register_error("opsdesk-latin1", _cp1252_or_latin1)

def decode(data: bytes, parsed: ParsedFile) -> str:
    """Bytes to text: UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1252 with a warning (the few
    bytes Windows-1252 does not define read as Latin-1)."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        undefined = sum(data.count(bytes([b])) for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D))
        parsed.warn(line, "", "the file is not valid UTF-8; it was read as Windows-1252 (Western European "
                              "Windows) text" + (f", {undefined} bytes Windows-1252 does not define as Latin-1"
                                                 if undefined else "") + " — check accented letters", "encoding")
        return data.decode("cp1252", errors="opsdesk-latin1")

_LINE_END = re.compile(r"\r\n|\r|\n")

def split_lines(text: str) -> list[str]:
    """Lines ended by CR, LF or CRLF only (``str.splitlines`` also splits on U+2028, U+0085 and other separators
    that may sit inside a quoted field). The ends are kept."""
    out = []
    pos = 0
    for m in _LINE_END.finditer(text):
        out.append(text[pos:m.end()])
        pos = m.end()
    if pos < len(text):
        out.append(text[pos:])
    return out


@dataclass
class Table:
    """The rows of a delimited file: header names and (line number, fields) for every data row."""

    header: list[str] = field(default_factory=list)
    header_line: int = 1
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def read_table(text: str, parsed: ParsedFile) -> Table:
    """Split ``text`` into header and rows. Broken lines become rejections with their line; nothing raises."""
    table = Table()
    first = next((ln for ln in split_lines(text) if ln.strip()), "")
    delimiter = sniff_delimiter(first)
    csv.field_size_limit(MAX_FIELD)
    lines = _PhysicalLines(text.replace("\x00", "\ufffd"))
    reader = csv.reader(lines, delimiter=delimiter, strict=False)
    width = 0
    while True:
        start = lines.line + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            parsed.reject(start, "", f"the line cannot be read as CSV ({exc})")
            continue
        if not any(f.strip() for f in fields):
            continue
        if not table.header:
            table.header = [h.strip().lstrip("\ufeff") for h in fields]
            table.header_line = start
            while table.header and not table.header[-1]:
                table.header.pop()
            width = len(table.header)
            continue
        if any("\ufffd" in f and "\x00" in text for f in fields):
            parsed.reject(start, "", "the line holds NUL bytes (binary data, not text)")
            continue
        if len(fields) > width and not any(f.strip() for f in fields[width:]):
            fields = fields[:width]
        if len(fields) != width:
            what = "is cut short" if len(fields) < width else "has too many values"
            parsed.reject(start, "", f"the line {what}: {len(fields)} values where the header has {width}")
            continue
        table.rows.append((start, fields))
    return table


class _PhysicalLines:
    """Feeds csv.reader line by line while counting physical lines, so errors name the right line."""

    def __init__(self, text: str) -> None:
        self._it: Iterator[str] = iter(split_lines(text))
        self.line = 0

    def __iter__(self) -> _PhysicalLines:
        return self

    def __next__(self) -> str:
        value = next(self._it)
        self.line += 1
        return value


def header_index(header: list[str]) -> dict[str, int]:
    """Column name (lower case, no spaces/underscores) → position; the first of duplicate names wins."""
    out: dict[str, int] = {}
    for i, name in enumerate(header):
        out.setdefault(norm(name), i)
    return out


def norm(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name).lower()


def is_null(value: str | None) -> bool:
    return value is None or value.strip() in NULLS


def looks_like_formula(value: str) -> bool:
    return value.lstrip()[:1] in FORMULA_START


_THOUSANDS = re.compile(r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$")
_CURRENCY = re.compile(r"^[\s$€£¥]+|[\s$€£¥]+$")


def parse_decimal(text: str) -> tuple[Decimal | None, bool, str]:
    """(value, lenient, problem). ``lenient`` says a currency sign, thousands separators, spaces or accounting
    brackets had to be removed; ``problem`` is a plain reason when it is not a number at all."""
    raw = text.strip()
    try:
        value = Decimal(raw)
        if value.is_finite() and in_range(value):
            return value, False, ""
        if value.is_finite():
            return None, False, f"'{_short(raw)}' is out of range"
        return None, False, f"'{raw}' is not a finite number"
    except (InvalidOperation, ValueError):
        pass
    s = raw
    negative = s.startswith("(") and s.endswith(")")
    if negative:
        s = s[1:-1]
    s = _CURRENCY.sub("", s)
    if s.startswith("-$") or s.startswith("-€") or s.startswith("-£"):
        s = "-" + s[2:]
    if _THOUSANDS.match(s):
        s = s.replace(",", "")
    try:
        value = Decimal(s)
    except (InvalidOperation, ValueError):
        if looks_like_formula(raw):
            return None, False, (f"'{_short(raw)}' looks like a spreadsheet formula; formulas are never "
                                 "evaluated, so it is not a number")
        return None, False, f"'{_short(raw)}' is not a number"
    if not value.is_finite():
        return None, False, f"'{_short(raw)}' is not a finite number"
    value = -value if negative else value
    return (value, True, "") if in_range(value) else (None, False, f"'{_short(raw)}' is out of range")


def in_range(value: Decimal) -> bool:
    """Money and measures beyond 10^18 or finer than 10^-18 are typing accidents or garbage."""
    return value == 0 or (value.adjusted() <= 18 and int(value.as_tuple().exponent) >= -24)


def _short(text: str, limit: int = 60) -> str:
    text = text.replace("\n", " ").replace("\r", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


short = _short

_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def parse_timestamp(text: str) -> tuple[dt.datetime | None, str, str]:
    """(UTC datetime, note, problem). ``note`` is "timezone" when no zone was given (UTC assumed) or
    "us_date" when a US month/day/year date was read; ``problem`` is the reason it is not a time at all."""
    raw = text.strip()
    if not raw:
        return None, "", "the time is empty"
    try:
        value = dt.datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        m = _US_DATE.match(raw)
        if not m:
            return None, "", f"'{_short(raw)}' is not a date and time (use ISO 8601, e.g. 2026-01-31T09:00:00Z)"
        month, day, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        year += 2000 if year < 100 else 0
        try:
            value = dt.datetime(year, month, day, int(m.group(4) or 0), int(m.group(5) or 0), int(m.group(6) or 0),
                                tzinfo=dt.UTC)
        except ValueError:
            return None, "", f"'{raw}' is not a real date"
        return value, "us_date", ""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC), "timezone", ""
    try:
        return value.astimezone(dt.UTC), "", ""
    except OverflowError:  # 9999-12-31T23:00-05:00 is past the last representable moment
        return None, "", f"'{_short(raw)}' is outside the range of dates OpsDesk keeps"
