"""Field schemas that clean raw form/CLI input into typed values, or say which field is wrong and why.

Pure Python: the services use these before they touch the store, and the GUI forms use the same schemas to show
the reason next to a field while the user types.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from opsdesk.errors import ValidationError

Check = Callable[[Any], str | None]


@dataclass(frozen=True)
class Field:
    name: str
    kind: str = "str"  # str, text, int, decimal, date, bool, enum, list, json
    required: bool = False
    max_len: int | None = 200
    enum: type[Enum] | None = None
    minimum: Decimal | int | None = None
    maximum: Decimal | int | None = None
    pattern: re.Pattern[str] | None = None
    pattern_hint: str = ""
    checks: tuple[Check, ...] = ()
    default: Any = None


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def clean_value(f: Field, value: Any) -> Any:  # noqa: C901 - a flat dispatch on the field kind
    """Return the typed value for one field or raise ValidationError."""
    if _blank(value):
        if f.required:
            raise ValidationError(f.name, "is required")
        if f.kind in ("str", "text"):
            return f.default if isinstance(f.default, str) else ""
        if f.kind == "list":
            return []
        return f.default
    try:
        if f.kind in ("str", "text"):
            out: Any = str(value).strip()
            limit = f.max_len if f.kind == "str" else None
            if limit and len(out) > limit:
                raise ValidationError(f.name, f"is longer than {limit} characters")
            if f.pattern and not f.pattern.match(out):
                raise ValidationError(f.name, f"'{out}' does not look like {f.pattern_hint or f.pattern.pattern}")
        elif f.kind == "int":
            out = int(str(value).strip()) if not isinstance(value, int) else value
        elif f.kind == "decimal":
            out = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
            if not out.is_finite():
                raise ValidationError(f.name, "must be a finite number")
        elif f.kind == "date":
            out = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
        elif f.kind == "bool":
            if isinstance(value, bool):
                out = value
            else:
                text = str(value).strip().lower()
                if text not in ("true", "false", "yes", "no", "1", "0", "y", "n"):
                    raise ValidationError(f.name, f"'{value}' is not yes or no")
                out = text in ("true", "yes", "1", "y")
        elif f.kind == "enum":
            assert f.enum is not None
            out = f.enum.parse(value) if hasattr(f.enum, "parse") else f.enum(value)
        elif f.kind == "list":
            if isinstance(value, str):
                out = [t.strip() for t in value.split(",") if t.strip()]
            else:
                out = [str(t) for t in value]
        else:
            out = value
    except ValidationError:
        raise
    except (ValueError, InvalidOperation, TypeError) as exc:
        what = {"int": "a whole number", "decimal": "a number", "date": "a date (YYYY-MM-DD)"}.get(f.kind)
        reason = f"'{value}' is not {what}" if what else str(exc)
        raise ValidationError(f.name, reason) from None
    if f.minimum is not None and out < f.minimum:
        raise ValidationError(f.name, f"must be at least {f.minimum}")
    if f.maximum is not None and out > f.maximum:
        raise ValidationError(f.name, f"must be at most {f.maximum}")
    for check in f.checks:
        problem = check(out)
        if problem:
            raise ValidationError(f.name, problem)
    return out


def clean(schema: tuple[Field, ...], values: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Clean ``values`` against ``schema``.

    With ``partial`` only the given keys are cleaned (an update); otherwise every field of the schema is, so a
    missing required field is reported. Unknown keys are refused, so a typo is never silently dropped.
    """
    known = {f.name: f for f in schema}
    unknown = [k for k in values if k not in known]
    if unknown:
        raise ValidationError(unknown[0], "is not a field of this record")
    out: dict[str, Any] = {}
    for f in schema:
        if partial and f.name not in values:
            continue
        out[f.name] = clean_value(f, values.get(f.name))
    return out


def problems(schema: tuple[Field, ...], values: Mapping[str, Any]) -> dict[str, str]:
    """Every field's problem at once, for a form that shows them all while the user types."""
    found: dict[str, str] = {}
    for f in schema:
        if f.name not in values:
            continue
        try:
            clean_value(f, values[f.name])
        except ValidationError as exc:
            found[f.name] = exc.reason
    return found
