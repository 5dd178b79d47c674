"""Every record of a bundle checked before anything is planned or applied, even when the signature is good.

A valid signature says who wrote a bundle, not that what they wrote fits this workspace: a trusted site running
a broken tool, or anyone holding its key, can sign a budget of ``"12,3.4.5"``, a stage that does not exist or a
record without its key. Each record is checked against its model's columns (type, length, enum, range: what the
database would refuse, on either engine) and against the field schema the services use for the same record;
the first problem is refused with the file, the record and the field.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Enum, Float, Integer, LargeBinary, Numeric, String, Text
from sqlalchemy import inspect as sa_inspect

from opsdesk.domain import schemas
from opsdesk.domain.evidence import safe_file_name
from opsdesk.domain.validation import Field, clean_value
from opsdesk.errors import OpsDeskError, ValidationError
from opsdesk.services.exchange import records as rec
from opsdesk.store.types import JSONText, Money, UTCDateTime

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_INT32 = 2**31 - 1
_INT64 = 2**63 - 1


class RecordProblem(OpsDeskError):
    """A record that cannot be taken: the file, the record (1-based, with its key when known) and the field."""

    def __init__(self, file: str, what: str, field: str, reason: str) -> None:
        self.file, self.what, self.field, self.reason = file, what, field, reason
        super().__init__(f"{file}, {what}{f', field {field}' if field else ''}: {reason}")


def file_of(kind_name: str) -> str:
    return f"records/{kind_name}.json"


def check_records(raw: Mapping[str, Any], evidence: Mapping[str, bytes]) -> dict[str, list[dict[str, Any]]]:
    """The records of every kind, checked; evidence file names made safe. Raises :class:`RecordProblem`."""
    out: dict[str, list[dict[str, Any]]] = {}
    for kind in rec.KINDS:
        if kind.name not in raw:
            continue
        items = raw[kind.name]
        if not isinstance(items, list):
            raise RecordProblem(file_of(kind.name), "the file", "", "must hold a list of records")
        seen: dict[str, int] = {}
        checked = []
        for n, item in enumerate(items, start=1):
            record = check_record(kind, n, item)
            key = rec.key_text(rec.key_of(kind, record))
            if key in seen:
                raise RecordProblem(file_of(kind.name), _what(kind, n, record), kind.key[0],
                                    f"repeats the key of record {seen[key]}")
            seen[key] = n
            if kind.name == "evidence_file":
                if record["sha256"] not in evidence:
                    raise RecordProblem(file_of(kind.name), _what(kind, n, record), "sha256",
                                        f"names evidence evidence/{record['sha256']} that is not in the bundle")
                record = {**record, "file_name": safe_file_name(record.get("file_name"))}
            if kind.name == "issued_paper_file" and record.get("sha256") not in evidence:
                raise RecordProblem(file_of(kind.name), _what(kind, n, record), "sha256",
                                    f"names the paper papers/{record.get('sha256')} that is not in the bundle")
            checked.append(record)
        out[kind.name] = checked
    return out


def check_points(raw: Any, series_keys: set[str]) -> list[dict[str, Any]]:
    """Metric points: a list of {series, points: [[unix seconds, value], …]} whose series travels in the bundle
    (or, checked when planning, exists here)."""
    where = "records/metric_point.json"
    if not isinstance(raw, list):
        raise RecordProblem(where, "the file", "", "must hold a list of series blocks")
    for n, block in enumerate(raw, start=1):
        what = f"block {n}"
        if not isinstance(block, dict) or set(block) != {"series", "points"}:
            raise RecordProblem(where, what, "", "must be an object with exactly 'series' and 'points'")
        if not _is_key(block["series"]):
            raise RecordProblem(where, what, "series", "is not the key of a metric series")
        points = block["points"]
        if not isinstance(points, list) or not all(_is_point(p) for p in points):
            raise RecordProblem(where, what, "points", "must be a list of [unix seconds, finite number] pairs "
                                                       "(or [seconds, number, milliseconds 0-999, step])")
    return raw


def _is_point(p: Any, _number: tuple[type, type] = (int, float)) -> bool:
    if type(p) is not list or len(p) not in (2, 4):
        return False
    t, v = p[0], p[1]
    if len(p) == 4 and not (type(p[2]) is int and 0 <= p[2] <= 999 and type(p[3]) is int and -_INT64 <= p[3] <= _INT64):
        return False
    return type(t) is int and -_INT64 <= t <= _INT64 and type(v) in _number and -1e300 < v < 1e300


def _is_key(value: Any, depth: int = 0) -> bool:
    """A natural key: a list of scalars and nested keys (as ``records.key_of`` builds them)."""
    if depth > 6 or not isinstance(value, list) or not value:
        return False
    return all(v is None or type(v) in (str, int, float, bool) or _is_key(v, depth + 1) for v in value)


def _what(kind: rec.Kind, n: int, record: Mapping[str, Any]) -> str:
    try:
        label = rec.label([record[f] for f in kind.key])
    except (KeyError, TypeError):
        label = ""
    return f"record {n}" + (f" ({label[:80]})" if label else "")


@functools.cache
def _shape(kind_name: str) -> tuple[list[str], frozenset[str], Any, frozenset[str]]:
    """(columns, the same as a set, the table's column objects, reference columns) of a kind, worked out once."""
    kind = rec.BY_NAME[kind_name]
    columns = kind.columns()
    refs = frozenset(n for n in columns if n in kind.refs or (kind_name == "metric_series" and n == "subject_id"))
    return columns, frozenset(columns), sa_inspect(kind.model).columns, refs


def check_record(kind: rec.Kind, n: int, record: Any) -> dict[str, Any]:
    file = file_of(kind.name)
    if not isinstance(record, dict):
        raise RecordProblem(file, f"record {n}", "", "is not a JSON object")
    columns, column_set, table, refs = _shape(kind.name)
    unknown = sorted(set(record) - column_set)
    if unknown:
        raise RecordProblem(file, _what(kind, n, {}), str(unknown[0])[:60], f"is not a field of {kind.name}")
    for name in columns:
        if name not in record:
            raise RecordProblem(file, _what(kind, n, {}), name, "is missing" + (" (it is part of the record's key)"
                                                                                 if name in kind.key else ""))
    for name in columns:  # plain values first: the subject kind of a series decides what its subject_id is
        if name in refs:
            continue
        problem = _column_problem(table[name], record[name], name in kind.key)
        if problem:
            raise RecordProblem(file, _what(kind, n, record), name, problem)
    for name in sorted(refs):
        raw = record[name]
        if raw is None:
            ref_kind = rec._ref_kind(kind, name, record)
            if not table[name].nullable or (name == "subject_id" and ref_kind is not None):
                raise RecordProblem(file, _what(kind, n, record), name,
                                    "is missing (it names the record this one belongs to)")
            continue
        if not _is_key(raw):
            raise RecordProblem(file, _what(kind, n, record), name,
                                "is not a reference to another record (a natural key)")
    for f in schemas.BY_KIND.get(kind.name, ()):
        if f.name in record and f.name not in refs:
            problem = _schema_problem(f, record[f.name])
            if problem:
                raise RecordProblem(file, _what(kind, n, record), f.name, problem)
    return record


def _schema_problem(f: Field, raw: Any) -> str | None:
    """The service's own rule for the field (patterns, ranges, enums, required). Length limits are the column's:
    records imported from files may be longer than a form allows, and travel as they are."""
    lenient = Field(f.name, kind=f.kind, required=f.required, max_len=None, enum=f.enum, minimum=f.minimum,
                    maximum=f.maximum, pattern=f.pattern, pattern_hint=f.pattern_hint, checks=f.checks)
    try:
        clean_value(lenient, raw)
    except ValidationError as exc:
        return exc.reason
    except (ValueError, TypeError, InvalidOperation, ArithmeticError) as exc:
        return str(exc) or type(exc).__name__
    return None


def _column_problem(column: Any, raw: Any, is_key: bool) -> str | None:  # noqa: C901 - one branch per column type
    col_type = column.type
    if raw is None:
        if column.nullable:
            return None
        return "is missing (it is part of the record's key)" if is_key else "is empty, but this field is required"
    if isinstance(col_type, Money):
        if type(raw) not in (str, int, float):
            return f"'{_short(raw)}' is not a decimal number"
        try:
            value = Decimal(str(raw))
        except InvalidOperation:
            return f"'{_short(raw)}' is not a decimal number"
        if not value.is_finite():
            return f"'{_short(raw)}' is not a finite number"
        if value != 0 and value.adjusted() > 25:
            return f"'{_short(raw)}' is too large for an amount"
        return None
    if isinstance(col_type, UTCDateTime):
        if not isinstance(raw, str):
            return f"'{_short(raw)}' is not a date and time"
        try:
            dt.datetime.fromisoformat(raw.rstrip("Z"))
        except ValueError:
            return f"'{_short(raw)}' is not a date and time (ISO 8601)"
        return None
    if isinstance(col_type, Date):
        if not isinstance(raw, str):
            return f"'{_short(raw)}' is not a date"
        try:
            dt.date.fromisoformat(raw)
        except ValueError:
            return f"'{_short(raw)}' is not a date (YYYY-MM-DD)"
        return None
    if isinstance(col_type, Enum) and col_type.enum_class is not None:
        allowed = [m.value for m in col_type.enum_class]
        if raw not in allowed:
            return f"'{_short(raw)}' is not one of {', '.join(map(str, allowed))}"
        return None
    if isinstance(col_type, Boolean):
        return None if isinstance(raw, bool) else f"'{_short(raw)}' is not true or false"
    if isinstance(col_type, Integer):
        limit = _INT64 if isinstance(col_type, BigInteger) else _INT32
        if type(raw) is not int or not -limit <= raw <= limit:
            return f"'{_short(raw)}' is not a whole number in range"
        return None
    if isinstance(col_type, Float | Numeric):
        if type(raw) not in (int, float) or not math.isfinite(raw):
            return f"'{_short(raw)}' is not a finite number"
        return None
    if isinstance(col_type, String | Text) and not isinstance(col_type, JSONText):
        if not isinstance(raw, str):
            return f"'{_short(raw)}' is not text"
        if "\x00" in raw:
            return "holds a NUL character"
        length = getattr(col_type, "length", None)
        if length is not None and len(raw) > length:
            return f"is longer than {length} characters"
        try:
            raw.encode("utf-8")
        except UnicodeEncodeError:
            return "is not valid Unicode text"
        return None
    if isinstance(col_type, LargeBinary):
        return "cannot travel inside a record"
    return None


def _short(value: Any, limit: int = 40) -> str:
    text = value if isinstance(value, str) else type(value).__name__ if isinstance(value, dict | list) else str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_sha256(text: Any) -> bool:
    return isinstance(text, str) and bool(_SHA256.match(text))
