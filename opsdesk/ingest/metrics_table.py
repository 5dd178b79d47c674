"""Tidy metrics (timestamp, series or initiative + metric, value, unit) from CSV or XLSX.

Clean, unquoted CSV is split in C (``str.split``) and parsed with ``datetime.fromisoformat`` and ``float``, also
in C (a million rows in about a second, without pandas); anything irregular goes through the careful
line-by-line reader so every broken line gets its own reason. Either way the same checks decide what is
accepted.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import numpy as np

from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.report import ParsedFile
from opsdesk.ingest.textfile import (
    decode,
    header_index,
    parse_decimal,
    parse_timestamp,
    read_table,
    short,
    sniff_delimiter,
)

ALIASES = {
    "timestamp": ("timestamp", "ts", "time", "datetime", "date", "at"),
    "value": ("value", "val", "measurement"),
    "metric": ("series", "metric", "metricname", "seriesname", "name", "kpi"),
    "initiative": ("initiative", "initiativecode", "code"),
    "unit": ("unit", "units"),
    "discipline": ("discipline",),
}
KNOWN_UNITS = frozenset({"", "%", "percent", "ratio", "score", "count", "h", "hours", "min", "minutes", "s",
                         "seconds", "ms", "psi", "rows", "requests", "gb", "mb", "tb", "kwh", "days", "points"})
_CURRENCY_UNIT = re.compile(r"^[A-Z]{3}$")
PREVIEW_ROWS = 25


@dataclass(frozen=True)
class SeriesKey:
    initiative: str
    name: str
    unit: str
    discipline: str


@dataclass
class MetricsData:
    """Accepted points as parallel arrays; ``key_idx`` points into ``keys``."""

    lines: np.ndarray
    ts: np.ndarray
    values: np.ndarray
    key_idx: np.ndarray
    keys: list[SeriesKey]


def read_metrics(path: str, name: str, data: bytes, sha256: str, *, strict: bool = False) -> ParsedFile:
    parsed = ParsedFile(ImportKind.METRICS, path, name, sha256)
    if name.lower().endswith((".xlsx", ".xlsm")):
        columns, lines = _xlsx_columns(data, parsed)
    else:
        columns, lines = _fast_csv_columns(data) or _careful_csv_columns(data, parsed)
    if columns is not None:
        validate(columns, lines, parsed)
        if isinstance(parsed.data, MetricsData):
            found: MetricsData = parsed.data
            dropped = repeated_rows(parsed, found, strict)
            if dropped is not None:
                keep = np.setdiff1d(np.arange(len(found.ts)), dropped)
                found.lines, found.ts, found.values, found.key_idx = (found.lines[keep], found.ts[keep],
                                                                      found.values[keep], found.key_idx[keep])
                parsed.accepted = len(keep)
    return parsed


def repeated_rows(parsed: ParsedFile, data: MetricsData, strict: bool) -> np.ndarray | None:
    """Rows that give the same series and timestamp as another row would overwrite it in the store (the key is
    series and time). By default the last one is kept and the others are named in a warning; ``strict`` rejects
    every repeated row instead (so nothing is imported unless the user accepts a partial import). Returns the
    indexes of the rows that are not stored (None when there are none); ``data.values`` is not used."""
    n = len(data.ts)
    if n < 2:
        return None
    order = np.lexsort((np.arange(n), data.ts, data.key_idx))
    k, t = data.key_idx[order], data.ts[order]
    same_as_next = (k[1:] == k[:-1]) & (t[1:] == t[:-1])
    if not same_as_next.any():
        return None
    superseded = order[:-1][same_as_next]  # every row a later row with the same key replaces
    later = order[1:][same_as_next]
    lines = data.lines
    if strict:
        repeated = np.union1d(superseded, later)
        group_start = np.concatenate(([True], ~same_as_next))
        first = order[np.maximum.accumulate(np.where(group_start, np.arange(n), 0))]
        first_of = dict(zip(order.tolist(), first.tolist(), strict=True))
        for i in repeated.tolist():
            key = data.keys[int(data.key_idx[i])]
            where = f"'{key.name}'" + (f" of {key.initiative}" if key.initiative else "")
            other = first_of[i] if first_of[i] != i else int(later[superseded == i][0])
            parsed.reject(int(lines[i]), "timestamp", f"{where} has another value at this time on line "
                                                      f"{int(lines[other])}; strict reading (--strict) keeps neither")
        dropped = repeated
    else:
        pairs = ", ".join(f"line {int(lines[a])} by line {int(lines[b])}"
                          for a, b in list(zip(superseded.tolist(), later.tolist(), strict=True))[:5])
        more = len(superseded) - 5
        parsed.warn(int(lines[superseded[0]]), "timestamp",
                    f"{len(superseded)} rows give a series a value at a time another row also gives; the later "
                    f"row is kept ({pairs}{f', and {more} more' if more > 0 else ''}); import with --strict to "
                    "reject them instead", "duplicate")
        dropped = np.unique(superseded)
    dropped_lines = set(lines[dropped].tolist())
    parsed.preview = [(line, text) for line, text in parsed.preview if line not in dropped_lines]
    parsed.rejected.sort(key=lambda i: (i.line or 0))
    return dropped


#: The columns of a table as read: each header name and its cells as text, top to bottom.
Columns = dict[str, list[str]]


def _fast_csv_columns(data: bytes) -> tuple[Columns, np.ndarray] | None:
    """Regular files split in C (``str.split``): UTF-8, no quotes, no NUL, lines ending in LF or CRLF, every line
    with as many values as the header. None when irregular (the careful reader then names every broken line)."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not body or b'"' in body or b"\x00" in body or body[:1] in b"\r\n":
        return None
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:  # a lone CR: the careful reader decides what it ends
            return None
    if text.endswith("\n"):
        text = text[:-1]
    first, _sep, rest = text.partition("\n")
    delimiter = sniff_delimiter(first)
    header = [h.strip() for h in first.split(delimiter)]
    width = len(header)
    if width < 2 or not all(header) or len(set(header)) != width:
        return None
    if not _sep:
        return {h: [] for h in header}, np.zeros(0, dtype=np.int64)
    n = _regular_lines(body, delimiter, width)
    if n is None:
        return None
    cells = rest.replace("\n", delimiter).split(delimiter)
    columns = {h: cells[j::width] for j, h in enumerate(header)}
    return columns, np.arange(2, n + 2, dtype=np.int64)


def _regular_lines(body: bytes, delimiter: str, width: int) -> int | None:
    """How many lines follow the header in ``body`` (the UTF-8 of a table with a header line, LF or CRLF, the last
    line ending or not) when every one of them (a blank one too) holds exactly ``width - 1`` delimiters, else None.
    Counted in the bytes (an ASCII delimiter is never part of another character in UTF-8), without a string per
    line."""
    raw = np.frombuffer(body, dtype=np.uint8)
    ends = np.flatnonzero(raw == 10)
    if body.endswith(b"\n"):
        ends = ends[:-1]  # the last line's end, not a line between two
    cuts = np.flatnonzero(raw == ord(delimiter))
    before = np.searchsorted(cuts, ends)  # the delimiters before each line break
    per_line = np.diff(np.append(before, len(cuts)))  # in each line after the header
    if not len(per_line) or np.any(per_line != width - 1):
        return None
    return len(per_line)


def _careful_csv_columns(data: bytes, parsed: ParsedFile) -> tuple[Columns | None, np.ndarray]:
    table = read_table(decode(data, parsed), parsed)
    if not table.header:
        parsed.reject(None, "", "the file is empty: no header line with column names")
        parsed.fatal = True
        return None, np.empty(0, dtype=np.int64)
    return (_by_column(table.header, [fields for _line, fields in table.rows]),
            np.asarray([line for line, _f in table.rows], dtype=np.int64))


def _by_column(header: list[str], rows: list[list[str]]) -> Columns:
    cols = list(zip(*rows, strict=True)) if rows else []
    return {h: list(cols[i]) if cols else [] for i, h in enumerate(header)}


def _xlsx_columns(data: bytes, parsed: ParsedFile) -> tuple[Columns | None, np.ndarray]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many types for a broken workbook
        parsed.reject(None, "", f"the workbook cannot be opened ({type(exc).__name__}: {short(str(exc))})")
        parsed.fatal = True
        return None, np.empty(0, dtype=np.int64)
    try:
        ws = wb.worksheets[0]
        header: list[str] = []
        rows: list[list[str]] = []
        lines: list[int] = []
        naive = 0
        for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = []
            for v in values:
                if isinstance(v, dt.datetime):
                    naive += v.tzinfo is None
                    cells.append((v if v.tzinfo else v.replace(tzinfo=dt.UTC)).isoformat())
                else:
                    cells.append("" if v is None else str(v))
            if not any(c.strip() for c in cells):
                continue
            if not header:
                header = [c.strip() for c in cells]
                continue
            cells = (cells + [""] * len(header))[: len(header)]
            rows.append(cells)
            lines.append(number)
    finally:
        wb.close()
    if not header:
        parsed.reject(None, "", "the first sheet is empty: no header row with column names")
        parsed.fatal = True
        return None, np.empty(0, dtype=np.int64)
    if naive:
        parsed.warn(None, "timestamp", f"{naive} spreadsheet date-times carry no time zone; UTC assumed",
                    "timezone")
    return _by_column(header, rows), np.asarray(lines, dtype=np.int64)


def _find(columns: dict[str, Any], role: str) -> str | None:
    index = header_index(list(columns))
    for alias in ALIASES[role]:
        if alias in index:
            return list(columns)[index[alias]]
    return None


@dataclass
class Tally:
    """What becomes one warning for the whole file, however many chunks it is read in."""

    tcol: str = "timestamp"
    vcol: str = "value"
    ucol: str = "unit"
    naive: int = 0
    first_naive: int | None = None
    us_dates: int = 0
    lenient: int = 0
    units: set[str] = field(default_factory=set)

    def warn(self, parsed: ParsedFile) -> None:
        if self.naive:
            parsed.warn(self.first_naive, self.tcol, f"{self.naive} timestamps carry no time zone; UTC assumed",
                        "timezone")
        if self.us_dates:
            parsed.warn(None, self.tcol, f"{self.us_dates} dates were read as US month/day/year", "format")
        if self.lenient:
            parsed.warn(None, self.vcol, f"{self.lenient} values needed lenient number parsing (currency signs, "
                                         "thousands separators or spaces removed)", "number")
        for u in sorted(self.units):
            if u.lower() not in KNOWN_UNITS and not _CURRENCY_UNIT.match(u):
                parsed.warn(None, self.ucol, f"the unit '{short(u)}' is not one OpsDesk recognises; "
                                             "it is kept as written", "unit")


def missing_columns(header: list[str], parsed: ParsedFile) -> bool:
    """Reject the file (fatal) when a column it needs is missing; returns whether one was."""
    columns = dict.fromkeys(header)
    missing = [r for r in ("timestamp", "metric", "value") if _find(columns, r) is None]
    if missing:
        found = ", ".join(header) or "none"
        for role in missing:
            parsed.reject(1, role, f"the column '{role}' is missing (columns found: {short(found, 120)})")
        parsed.fatal = True
    return bool(missing)


def validate(columns: Columns, lines: np.ndarray, parsed: ParsedFile) -> None:
    """Check every row of a whole file: ``parsed.data`` holds the accepted points."""
    if missing_columns(list(columns), parsed):
        return
    tally = Tally()
    data = validate_chunk(columns, lines, parsed, tally)
    tally.warn(parsed)
    parsed.data = data
    parsed.accepted = len(data.ts)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_ZONE = attrgetter("tzinfo")
_SECOND = dt.timedelta(seconds=1)


def _seconds(text: list[str], tcol: str, lines: np.ndarray, reasons: dict[int, tuple[str, str]],
             tally: Tally) -> np.ndarray:
    """UTC seconds of every timestamp (0 where it is rejected, with its reason). ISO 8601 in one pass in C
    (``datetime.fromisoformat``); the lenient parser only for what that refuses."""
    fast = _usual_stamps(text)
    if fast is not None:
        return fast
    fromiso = dt.datetime.fromisoformat
    try:
        stamps: list[dt.datetime | None] = list(map(fromiso, text))
        if None not in set(map(_ZONE, stamps)):  # every one has a zone (the usual file): all in C
            floats = np.asarray(list(map(dt.datetime.timestamp, stamps)), dtype=np.float64)  # type: ignore[arg-type]
            return np.floor(floats).astype(np.int64)
    except (ValueError, TypeError):
        stamps = []
        for cell in text:
            try:
                stamps.append(fromiso(cell))
            except (ValueError, TypeError):
                stamps.append(None)
    out = [0] * len(stamps)
    for i, s in enumerate(stamps):
        note = ""
        if s is None:
            s, note, problem = parse_timestamp(text[i])
            if s is None:
                reasons[i] = (tcol, problem)
                continue
        elif s.tzinfo is None:
            s, note = s.replace(tzinfo=dt.UTC), "timezone"
        try:
            out[i] = (s - _EPOCH) // _SECOND
        except OverflowError:
            reasons[i] = (tcol, f"'{short(text[i].strip())}' is outside the range of dates OpsDesk keeps")
            continue
        if note == "timezone":
            tally.naive += 1
            tally.first_naive = tally.first_naive or int(lines[i])
        elif note == "us_date":
            tally.us_dates += 1
    return np.asarray(out, dtype=np.int64)


_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
_MONTH_DAYS = np.asarray([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _usual_stamps(text: list[str]) -> np.ndarray | None:
    """UTC seconds when every value has the usual exported form ``YYYY-MM-DDTHH:MM:SSZ`` (or a space for the T)
    and is a real time, computed for all at once in numpy; None otherwise (the general parser then decides, row
    by row). The same seconds as ``datetime.fromisoformat``."""
    n = len(text)
    if not n or set(map(len, text)) != {20}:
        return None
    try:
        raw = "".join(text).encode("ascii")
    except UnicodeEncodeError:
        return None
    a = np.frombuffer(raw, dtype=np.uint8).reshape(n, 20)
    if not ((a[:, 4] == 45) & (a[:, 7] == 45) & ((a[:, 10] == 84) | (a[:, 10] == 32)) & (a[:, 13] == 58)
            & (a[:, 16] == 58) & (a[:, 19] == 90)).all():
        return None
    d = a[:, _DIGITS] - np.uint8(48)  # a byte below '0' wraps past 9
    if not (d <= 9).all():
        return None
    d = d.astype(np.int64)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month, day = d[:, 4] * 10 + d[:, 5], d[:, 6] * 10 + d[:, 7]
    hour, minute, second = d[:, 8] * 10 + d[:, 9], d[:, 10] * 10 + d[:, 11], d[:, 12] * 10 + d[:, 13]
    if not ((year >= 1) & (month >= 1) & (month <= 12) & (hour <= 23) & (minute <= 59) & (second <= 59)).all():
        return None
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    if not ((day >= 1) & (day <= _MONTH_DAYS[month - 1] + (leap & (month == 2)))).all():
        return None
    # days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil)
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    days = era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468
    return days * 86400 + hour * 3600 + minute * 60 + second


def _values(text: list[str], vcol: str, reasons: dict[int, tuple[str, str]], tally: Tally) -> np.ndarray:
    """Every value as a float (NaN where it is rejected, with its reason): ``float`` in C, the lenient number
    parser only for what that refuses or reads as not finite."""
    try:
        values = np.asarray(list(map(float, text)), dtype=np.float64)
    except (ValueError, TypeError):
        values = np.asarray([_float_or_nan(s) for s in text], dtype=np.float64)
    for i in np.flatnonzero(~np.isfinite(values)).tolist():
        if i in reasons:
            continue
        raw = text[i]
        dec, was_lenient, problem = parse_decimal(raw)
        if dec is None or raw.strip().lower() in ("nan", "inf", "-inf", "infinity", "-infinity"):
            reasons[i] = (vcol, problem or f"'{short(raw)}' is not a finite number")
            continue
        values[i] = float(dec)
        tally.lenient += was_lenient
    return values


def _float_or_nan(text: str) -> float:
    try:
        return float(text)
    except (ValueError, TypeError):
        return math.nan


_KEY_ROLES = ("initiative", "metric", "unit", "discipline")
_LIMITS = {"metric": 200, "unit": 40}


def _distinct_rows(parts: list[list[str]], n: int) -> tuple[list[tuple[str, ...]], list[int]]:
    """The distinct rows of the parallel columns ``parts`` (``n`` cells each) in the order of their first row, and
    each row's index among them: what ``dict.fromkeys(zip(*parts))`` gives, worked out a column at a time (a file
    repeats a few values per column: no tuple per row, half the time)."""
    code = np.zeros(n, dtype=np.int64)
    for column in parts:
        distinct: dict[str, int] = dict.fromkeys(column, 0)
        if len(distinct) > 1:
            for i, value in enumerate(distinct):
                distinct[value] = i
            code = code * len(distinct) + np.fromiter(map(distinct.__getitem__, column), dtype=np.int64, count=n)
            code = np.unique(code, return_inverse=True)[1].reshape(n)  # back below n before the next column
    _codes, first, inverse = np.unique(code, return_index=True, return_inverse=True)
    order = np.argsort(first)  # the distinct rows by their first row
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    return [tuple(column[j] for column in parts) for j in first[order].tolist()], rank[inverse.reshape(n)].tolist()


def validate_chunk(columns: Columns, lines: np.ndarray, parsed: ParsedFile, tally: Tally) -> MetricsData:
    """Check the rows of one chunk (the columns are known to be there): rejections go to ``parsed`` by line,
    what is counted across the file to ``tally``; returns the accepted points, keys local to the chunk."""
    names = {role: _find(columns, role) for role in ALIASES}
    tcol, vcol = str(names["timestamp"]), str(names["value"])
    tally.tcol, tally.vcol, tally.ucol = tcol, vcol, names["unit"] or "unit"
    n = len(lines)
    reasons: dict[int, tuple[str, str]] = {}
    seconds = _seconds(columns[tcol], tcol, lines, reasons, tally)
    values = _values(columns[vcol], vcol, reasons, tally)

    # series keys: the distinct raw (initiative, metric, unit, discipline), each cleaned and checked once
    parts = [[""] * n if names[role] is None else columns[str(names[role])] for role in _KEY_ROLES]
    raw_keys, raw_ids = _distinct_rows(parts, n)
    clean = [SeriesKey(*(v.strip() for v in k)) for k in raw_keys]
    bad: dict[int, tuple[str, str]] = {}
    for r, key in enumerate(clean):
        if not key.name:
            bad[r] = (str(names["metric"]), "the metric name is empty")
        elif len(key.name) > _LIMITS["metric"]:
            bad[r] = (str(names["metric"]), f"the metric name is longer than {_LIMITS['metric']} characters")
        elif len(key.unit) > _LIMITS["unit"]:
            bad[r] = (str(names["unit"]), f"the unit is longer than {_LIMITS['unit']} characters")
    if bad:
        for i, r in enumerate(raw_ids):
            if r in bad and i not in reasons:
                reasons[i] = bad[r]
    for i in sorted(reasons):
        column, reason = reasons[i]
        parsed.reject(int(lines[i]), column, reason)

    if reasons:
        keep = np.asarray([i for i in range(n) if i not in reasons], dtype=np.int64)
        kept_raw = [raw_ids[i] for i in keep.tolist()]
        ts = seconds[keep]
        values, kept_lines = values[keep], lines[keep]
    else:
        kept_raw, kept_lines = raw_ids, lines
        ts = seconds
    # keys in the order of their first accepted row; " AI-0001" and "AI-0001" are one key
    to_key = np.zeros(len(clean), dtype=np.int64)
    index: dict[SeriesKey, int] = {}
    for r in dict.fromkeys(kept_raw):
        to_key[r] = index.setdefault(clean[r], len(index))
    keys = list(index)
    key_idx = to_key[np.asarray(kept_raw, dtype=np.int64)] if kept_raw else np.zeros(0, np.int64)
    tally.units.update(k.unit for k in keys)
    for j in range(min(PREVIEW_ROWS - len(parsed.preview), len(ts))):
        when = np.datetime64(int(ts[j]), "s").astype(str).replace("T", " ")
        key = keys[int(key_idx[j])]
        parsed.preview.append((int(kept_lines[j]), f"{when} · {key.initiative or 'portfolio'} · {key.name} = "
                                                   f"{values[j]:g}{(' ' + key.unit) if key.unit else ''}"))
    return MetricsData(lines=kept_lines, ts=ts, values=values, key_idx=key_idx, keys=keys)


# --- large files: read in chunks, in constant memory ------------------------------------------------------------

#: A regular CSV larger than this is read in chunks (of at most :data:`READ_BYTES`), each time it is needed, instead
#: of whole: memory stays flat whatever the file's size.
CHUNK_BYTES = 2 * 1024 * 1024
#: The bytes of one chunk (some 5,000 rows). A chunk's cells are a burst of small str objects (~6x its bytes):
#: past about a megabyte Python gives their arenas back to the system after each chunk and takes fresh, zeroed
#: pages for the next (1 M rows: ~36,000 page faults with 2 MB chunks, ~15,000 with 256 KiB), and a smaller chunk
#: also stays in the CPU's cache; the per-chunk work is a few C calls. 1 M rows: ~7 % less CPU than 2 MB chunks.
READ_BYTES = 256 * 1024
_PROBE = 1024 * 1024


@dataclass
class MetricsSource:
    """A metrics CSV too large to hold: its header, and where its rows start. :meth:`chunks` reads and checks
    the rows chunk by chunk; ``scanned`` says whether the whole file has been checked (rejections, warnings and
    the accepted count of its ParsedFile are then complete), ``excluded_lines`` the rows left out once the whole
    file was seen (rows that repeat the series and time of another under ``--strict``)."""

    path: str
    header_bytes: bytes
    body_start: int
    strict: bool
    chunk_bytes: int
    scanned: bool = False
    excluded_lines: np.ndarray | None = None

    def chunks(self, parsed: ParsedFile, tally: Tally) -> Any:
        """Yield the accepted points of each chunk (global line numbers, keys local to the chunk)."""
        with open(self.path, "rb") as fh:
            fh.seek(self.body_start)
            line, rest = 2, b""
            while True:
                block = fh.read(self.chunk_bytes)
                data = rest + block
                if not data:
                    return
                if block:
                    cut = data.rfind(b"\n") + 1
                    if cut == 0:
                        rest = data
                        continue
                    data, rest = data[:cut], data[cut:]
                else:
                    rest = b""
                count = data.count(b"\n") + (not data.endswith(b"\n"))
                columns, lines = self._columns(data, line, parsed)
                line += count
                if columns is not None and len(lines):
                    yield validate_chunk(columns, lines, parsed, tally)

    def _columns(self, block: bytes, first_line: int, parsed: ParsedFile) -> tuple[dict[str, Any] | None,
                                                                                    np.ndarray]:
        text = self.header_bytes + b"\n" + block
        if not block.startswith((b"\n", b"\r")):
            fast = _fast_csv_columns(text)
            if fast is not None:
                return fast[0], fast[1] + (first_line - 2)
        # an irregular chunk (blank lines, short or long rows): the careful reader names every broken line
        part = ParsedFile(parsed.kind, parsed.path, parsed.name, parsed.sha256)
        columns, lines = _careful_csv_columns(text, part)
        for issue in part.rejected:
            parsed.reject(None if issue.line is None else issue.line + first_line - 2, issue.column, issue.reason)
        return columns, lines + (first_line - 2)


def open_stream(path: str, name: str, *, strict: bool = False, chunk_bytes: int | None = None,
                limit: int | None = None) -> ParsedFile | None:
    """A ParsedFile whose ``data`` is a :class:`MetricsSource` (nothing checked yet) for a large, regular CSV:
    UTF-8, no quotes, no NUL, lines ending in LF or CRLF, a header first. None for anything else (it is read
    whole, by :func:`read_metrics`). The file's SHA-256 is taken on the way."""
    import codecs
    import hashlib
    import os

    chunk = chunk_bytes or CHUNK_BYTES
    size = os.path.getsize(path)
    if size <= chunk or (limit is not None and size > limit) or name.lower().endswith((".xlsx", ".xlsm")):
        return None
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    head = b""
    tail = b""
    block = bytearray(_PROBE)  # one buffer read into again and again: no fresh pages for every block
    with open(path, "rb") as fh:
        while n := fh.readinto(block):
            if n < len(block):
                del block[n:]
            digest.update(block)
            if not head:
                head = bytes(block[: block.find(b"\n") + 1]) if b"\n" in block else b""
                if not head:
                    return None
            if b'"' in block or b"\x00" in block:
                return None
            if b"\r" in block or tail:  # every CR must end a line (CRLF): a lone CR is read whole, carefully
                if b"\r" in (tail + block).replace(b"\r\n", b"")[:-1]:
                    return None
                tail = b"\r" if block.endswith(b"\r") else b""
            if not block.isascii() or decoder.getstate()[0]:  # ASCII is UTF-8: only other bytes are decoded
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    return None
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    if tail:
        return None
    header = head.rstrip(b"\r\n")
    if header.startswith(b"\xef\xbb\xbf"):
        header = header[3:]
    if not header.strip():
        return None
    parsed = ParsedFile(ImportKind.METRICS, path, name, digest.hexdigest())
    text = header.decode("utf-8")
    if missing_columns([h.strip() for h in text.split(sniff_delimiter(text))], parsed):
        return parsed
    parsed.data = MetricsSource(path, header, len(head), strict, min(chunk, READ_BYTES))
    return parsed
