"""Structure-aware mutations for fuzz tests: real sample files changed the way broken exports and attackers
change them (types swapped, numbers at their limits, impossible dates, deeper nesting, cut short)."""

from __future__ import annotations

import copy
import json
from typing import Any

from hypothesis import strategies as st

#: Values that broke readers before, or sit at the edge of what a parser or a database column takes.
SPECIAL_VALUES: list[Any] = [
    None, True, False, 0, -1, 1e308, -1e308, 2**64, -(2**63) - 1, 10**400, 0.1, "", " ", "x", "NaN", "Infinity",
    "2024-13-45T00:00:00Z", "2024-02-30", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00+01:00",
    "20200322T170247.671855Z", "1e308", "-0", "\x00", "a\x00b", "\ud800", "=HYPERLINK(\"http://x\")", "x" * 5000,
    [], {}, [None], [1], [[[]]], {"name": 5}, {"name": None}, {"": ""}, [{"name": "d"}], {"a": {"b": {"c": [1]}}},
]

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                         st.text(max_size=30))
json_values = st.one_of(st.sampled_from(SPECIAL_VALUES),
                        st.recursive(json_scalars, lambda inner: st.one_of(
                            st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                            max_leaves=8))


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document (the first few items of long lists only)."""
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value[:4]):
            out += paths(v, (*prefix, i))
    return out


def _replace(doc: Any, where: tuple[Any, ...], new: Any, delete: bool = False) -> Any:
    if not where:
        return new
    parent = doc
    for step in where[:-1]:
        parent = parent[step]
    if delete and isinstance(parent, dict):
        del parent[where[-1]]
    elif delete and isinstance(parent, list):
        parent.pop(where[-1])
    else:
        parent[where[-1]] = new
    return doc


@st.composite
def mutated_json(draw: st.DrawFn, base: Any) -> Any:
    """``base`` with one to three of its nodes replaced, removed, wrapped or nested deeper."""
    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        places = paths(doc)
        where = draw(st.sampled_from(places))
        op = draw(st.sampled_from(["replace", "replace", "replace", "delete", "wrap", "nest"]))
        current = doc
        for step in where:
            current = current[step]
        if op == "replace":
            doc = _replace(doc, where, copy.deepcopy(draw(json_values)))  # never the shared sample object
        elif op == "delete" and where:
            doc = _replace(doc, where, None, delete=True)
        elif op == "wrap":
            doc = _replace(doc, where, [copy.deepcopy(current)])
        else:
            doc = _replace(doc, where, {"value": copy.deepcopy(current), "items": [copy.deepcopy(current)]})
    return doc


@st.composite
def json_bytes(draw: st.DrawFn, base: Any) -> bytes:
    """A mutated document as UTF-8 JSON, sometimes cut short or with stray bytes."""
    data = json.dumps(draw(mutated_json(base)), ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    tail = draw(st.sampled_from(["none", "none", "truncate", "bytes"]))
    if tail == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    if tail == "bytes":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=20)) + data[at:]
    return data


CELL_VALUES = ["", "NULL", "x", "-1", "1e308", "1e-400", "NaN", "-inf", "99999999999999999999999999999", "12,5",
               "$1,000.00 ", "(5.00)", "2024-13-45", "2024-02-30T00:00:00Z", "9999-12-31T23:59:59-05:00",
               "0001-01-01T00:00:00+01:00", "13/13/2024", "=1+1", "@SUM(A1)", "\"", "a\"b", "\x00", "x" * 300,
               "2026-01-01T00:00:00Z", "AI-0001", "USD", "usd", "Usage", "{\"team\": \"ml\"}", "{bad json", "é"]


@st.composite
def mutated_csv(draw: st.DrawFn, text: str, keep_lines: int = 12) -> bytes:
    """A real CSV cut to its first lines, with cells replaced, columns dropped or duplicated, lines cut."""
    lines = text.splitlines()[:keep_lines]
    delimiter = ";" if lines and lines[0].count(";") > lines[0].count(",") else ","
    rows = [ln.split(delimiter) for ln in lines]
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cell", "cell", "cell", "drop_column", "dup_column", "cut_line", "dup_line"]))
        r = draw(st.integers(0, len(rows) - 1))
        if not rows[r]:
            continue
        c = draw(st.integers(0, len(rows[r]) - 1))
        if op == "cell":
            rows[r][c] = draw(st.one_of(st.sampled_from(CELL_VALUES), st.text(max_size=12)))
        elif op == "drop_column":
            for row in rows:
                if c < len(row):
                    row.pop(c)
        elif op == "dup_column":
            for row in rows:
                if c < len(row):
                    row.insert(c, row[c])
        elif op == "cut_line":
            rows[r] = rows[r][:c]
        else:
            rows.insert(r, list(rows[r]))
    out = "\n".join(delimiter.join(row) for row in rows) + "\n"
    data = out.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 4)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data
