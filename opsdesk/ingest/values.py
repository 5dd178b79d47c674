"""Typed, bounded access to untrusted parsed documents (JSON, YAML, rows of a foreign SQLite file).

A reader asks for what it needs — an object, a list, a piece of text, a finite number — and gets it, or an
empty value it can report on; it never calls ``.get`` on a list, iterates a number or ``str()``s a nested
structure of unknown size. Text comes back fit for every engine: no NUL characters (PostgreSQL refuses them),
no lone surrogates (UTF-8 cannot encode them).
"""

from __future__ import annotations

import math
from typing import Any

#: Nested JSON kept as a record's details (params, tags, facets) is cut at this depth.
MAX_DEPTH = 20


def mapping(value: Any) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def sequence(value: Any) -> list[Any]:
    """``value`` when it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def clean_text(text: str) -> str:
    """``text`` without NUL characters and lone surrogates (each becomes U+FFFD)."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join("\ufffd" if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


def text(value: Any, limit: int | None = None) -> str:
    """A scalar as text ('' for null, objects and arrays), cleaned and cut to ``limit`` characters."""
    if isinstance(value, bool):
        out = "true" if value else "false"
    elif isinstance(value, str):
        out = clean_text(value)
    elif isinstance(value, int):
        out = str(value) if abs(value) < 10**30 else ""
    elif isinstance(value, float):
        out = repr(value) if math.isfinite(value) else ""
    else:
        return ""
    return out if limit is None else out[:limit]


def number(value: Any) -> float | None:
    """A finite number (a JSON number, or text that is one), else None. Booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return float(value) if abs(value) < 10**300 else None
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, str) and len(value) < 100:
        try:
            out = float(value.strip())
        except ValueError:
            return None
        return out if math.isfinite(out) else None
    return None


#: Integers beyond a signed 64-bit column are never real counts, steps or times.
INT64 = 2**63 - 1


def whole(value: Any) -> int | None:
    """An integer that fits a 64-bit column (a JSON integer, an integral float, integer text), else None."""
    if isinstance(value, bool):
        return None
    out: int | None = None
    if isinstance(value, int):
        out = value
    elif isinstance(value, float):
        out = int(value) if math.isfinite(value) and value == int(value) else None
    elif isinstance(value, str) and len(value) < 40:
        try:
            out = int(value.strip())
        except ValueError:
            f = number(value)
            out = int(f) if f is not None and f == int(f) else None
    return out if out is not None and -INT64 <= out <= INT64 else None


#: At most this many nodes of a nested value are kept (YAML aliases can make a small file a huge tree).
MAX_NODES = 10_000


def plain(value: Any) -> Any:
    """A JSON value rebuilt with cleaned text and finite numbers, cut at ``MAX_DEPTH`` levels and ``MAX_NODES``
    nodes; safe to store on either engine."""
    budget = [MAX_NODES]

    def walk(v: Any, depth: int) -> Any:
        budget[0] -= 1
        if depth > MAX_DEPTH or budget[0] < 0:
            return None
        if isinstance(v, dict):
            return {clean_text(k) if isinstance(k, str) else text(k): walk(x, depth + 1) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [walk(x, depth + 1) for x in v]
        if isinstance(v, str):
            return clean_text(v)
        if isinstance(v, bool) or v is None:
            return v
        if isinstance(v, int | float):
            return v if number(v) is not None else None
        return text(v)

    return walk(value, 0)
