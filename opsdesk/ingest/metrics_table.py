"""Tidy metrics (timestamp, series or initiative + metric, value, unit) from CSV or XLSX.

Clean, unquoted CSV goes through pandas' C parser and vectorised checks (a million rows in a couple of
seconds); anything irregular goes through the careful line-by-line reader so every broken line gets its own
reason. Either way the same checks decide what is accepted.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.report import ParsedFile
from opsdesk.ingest.textfile import decode, header_index, parse_decimal, parse_timestamp, read_table, short

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


def read_metrics(path: str, name: str, data: bytes, sha256: str) -> ParsedFile:
    parsed = ParsedFile(ImportKind.METRICS, path, name, sha256)
    if name.lower().endswith((".xlsx", ".xlsm")):
        columns, lines = _xlsx_columns(data, parsed)
    else:
        columns, lines = _fast_csv_columns(data) or _careful_csv_columns(data, parsed)
    if columns is not None:
        validate(columns, lines, parsed)
    return parsed


def _fast_csv_columns(data: bytes) -> tuple[dict[str, Any], np.ndarray] | None:
    """pandas' C parser for regular files: UTF-8, no quotes, no blank lines, no NUL. None when irregular."""
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if not body or b'"' in body or b"\x00" in body or b"\n\n" in body or b"\n\r\n" in body or body[:1] in b"\r\n":
        return None
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    import pandas as pd

    first = body.split(b"\n", 1)[0].decode("utf-8")
    from opsdesk.ingest.textfile import sniff_delimiter

    try:
        frame = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, na_filter=False, engine="c",
                            sep=sniff_delimiter(first), skip_blank_lines=False)
    except Exception:  # any parser complaint: let the careful reader name the line
        return None
    if frame.isna().to_numpy().any() or any(str(c).startswith("Unnamed: ") for c in frame.columns):
        return None
    columns = {str(c).strip(): frame[c] for c in frame.columns}
    return columns, np.arange(2, len(frame) + 2, dtype=np.int64)


def _careful_csv_columns(data: bytes, parsed: ParsedFile) -> tuple[dict[str, Any] | None, np.ndarray]:
    import pandas as pd

    table = read_table(decode(data, parsed), parsed)
    if not table.header:
        parsed.reject(None, "", "the file is empty: no header line with column names")
        parsed.fatal = True
        return None, np.empty(0, dtype=np.int64)
    cols = list(zip(*[fields for _line, fields in table.rows], strict=True)) if table.rows else []
    columns = {h: pd.Series(cols[i] if cols else [], dtype=object) for i, h in enumerate(table.header)}
    return columns, np.asarray([line for line, _f in table.rows], dtype=np.int64)


def _xlsx_columns(data: bytes, parsed: ParsedFile) -> tuple[dict[str, Any] | None, np.ndarray]:
    import datetime as dt

    import openpyxl
    import pandas as pd

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
    cols = list(zip(*rows, strict=True)) if rows else []
    columns = {h: pd.Series(cols[i] if cols else [], dtype=object) for i, h in enumerate(header)}
    return columns, np.asarray(lines, dtype=np.int64)


def _find(columns: dict[str, Any], role: str) -> str | None:
    index = header_index(list(columns))
    for alias in ALIASES[role]:
        if alias in index:
            return list(columns)[index[alias]]
    return None


def validate(columns: dict[str, Any], lines: np.ndarray, parsed: ParsedFile) -> None:  # noqa: C901
    import pandas as pd

    names = {role: _find(columns, role) for role in ALIASES}
    missing = [r for r in ("timestamp", "metric", "value") if names[r] is None]
    if missing:
        found = ", ".join(columns) or "none"
        for role in missing:
            parsed.reject(1, role, f"the column '{role}' is missing (columns found: {short(found, 120)})")
        parsed.fatal = True
        return
    tcol, vcol, mcol = str(names["timestamp"]), str(names["value"]), str(names["metric"])
    n = len(lines)
    ok = np.ones(n, dtype=bool)
    reasons: dict[int, tuple[str, str]] = {}

    # timestamps: vectorised ISO 8601, then the lenient parser for what is left
    ts_text = columns[tcol].astype(str)
    stamp = pd.to_datetime(ts_text, utc=True, errors="coerce", format="ISO8601")
    seconds = np.zeros(n, dtype=np.int64)
    good = ~stamp.isna().to_numpy()
    if good.any():
        seconds[good] = stamp[good].dt.tz_convert(None).to_numpy().astype("datetime64[s]").astype(np.int64)
    zone = ts_text.str.contains(r"(?:[zZ]|[+-]\d\d:?\d\d)\s*$", regex=True, na=False).to_numpy()
    naive = int((good & ~zone).sum())
    first_naive = int(lines[np.argmax(good & ~zone)]) if naive else None
    us_dates = 0
    for i in np.flatnonzero(~good).tolist():
        value, note, problem = parse_timestamp(ts_text.iat[i])
        if value is None:
            ok[i] = False
            reasons[i] = (tcol, problem)
            continue
        seconds[i] = int(value.timestamp())
        if note == "timezone":
            naive += 1
            first_naive = first_naive or int(lines[i])
        elif note == "us_date":
            us_dates += 1
    if naive:
        parsed.warn(first_naive, tcol, f"{naive} timestamps carry no time zone; UTC assumed",
                    "timezone")
    if us_dates:
        parsed.warn(None, tcol, f"{us_dates} dates were read as US month/day/year", "format")

    # values: vectorised float parsing, lenient parsing for the rest
    v_text = columns[vcol].astype(str)
    values = pd.to_numeric(v_text, errors="coerce").to_numpy(dtype=np.float64, copy=True)
    lenient = 0
    for i in np.flatnonzero(~np.isfinite(values)).tolist():
        if i in reasons:
            continue
        dec, was_lenient, problem = parse_decimal(v_text.iat[i])
        if dec is None or v_text.iat[i].strip().lower() in ("nan", "inf", "-inf", "infinity", "-infinity"):
            ok[i] = False
            reasons[i] = (vcol, problem or f"'{short(v_text.iat[i])}' is not a finite number")
            continue
        values[i] = float(dec)
        lenient += was_lenient
    if lenient:
        parsed.warn(None, vcol, f"{lenient} values needed lenient number parsing (currency signs, "
                                                 "thousands separators or spaces removed)", "number")

    # series keys
    def text_col(role: str) -> np.ndarray:
        col = names[role]
        if col is None:
            return np.full(n, "", dtype=object)
        return columns[col].astype(str).str.strip().to_numpy(dtype=object)

    metric, initiative, unit, discipline = (text_col(r) for r in ("metric", "initiative", "unit", "discipline"))
    empty_metric = metric == ""
    for i in np.flatnonzero(empty_metric & ok).tolist():
        ok[i] = False
        reasons[i] = (mcol, "the metric name is empty")
    long_name = np.fromiter((len(m) > 200 for m in metric), dtype=bool, count=n) if n else np.zeros(0, bool)
    for i in np.flatnonzero(long_name & ok).tolist():
        ok[i] = False
        reasons[i] = (mcol, "the metric name is longer than 200 characters")
    long_unit = np.fromiter((len(u) > 40 for u in unit), dtype=bool, count=n) if n else np.zeros(0, bool)
    for i in np.flatnonzero(long_unit & ok).tolist():
        ok[i] = False
        reasons[i] = (names["unit"] or "", "the unit is longer than 40 characters")

    for i in sorted(reasons):
        column, reason = reasons[i]
        parsed.reject(int(lines[i]), column, reason)

    keep = np.flatnonzero(ok)
    codes = [pd.factorize(a[keep])[0].astype(np.int64) for a in (initiative, metric, unit, discipline)]
    combined = np.zeros(len(keep), dtype=np.int64)
    for c in codes:  # re-factorise after each column so the combined code never overflows
        combined = pd.factorize(combined * (int(c.max()) + 1 if len(c) else 1) + c)[0].astype(np.int64)
    if len(keep):
        _uniques, first_pos, inverse = np.unique(combined, return_index=True, return_inverse=True)
    else:
        first_pos, inverse = np.zeros(0, np.int64), np.zeros(0, np.int64)
    first_rows = keep[first_pos]
    keys = [SeriesKey(str(initiative[r]), str(metric[r]), str(unit[r]), str(discipline[r])) for r in first_rows]
    parsed.data = MetricsData(lines=lines[keep], ts=seconds[keep], values=values[keep],
                              key_idx=inverse.astype(np.int64), keys=keys)
    parsed.accepted = len(keep)
    for u in sorted({k.unit for k in keys}):
        if u.lower() not in KNOWN_UNITS and not _CURRENCY_UNIT.match(u):
            parsed.warn(None, names["unit"] or "unit", f"the unit '{short(u)}' is not one OpsDesk recognises; "
                                                       "it is kept as written", "unit")
    for j in range(min(PREVIEW_ROWS, len(keep))):
        r = keep[j]
        when = np.datetime64(int(seconds[r]), "s").astype(str).replace("T", " ")
        key = keys[int(inverse[j])]
        parsed.preview.append((int(lines[r]), f"{when} · {key.initiative or 'portfolio'} · {key.name} = "
                                              f"{values[r]:g}{(' ' + key.unit) if key.unit else ''}"))
