"""Column types shared by the models: exact money, UTC datetimes, JSON text."""

from __future__ import annotations

import datetime as dt
import functools
import json
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Numeric, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine


class Money(TypeDecorator[Decimal]):
    """An exact decimal. NUMERIC on PostgreSQL; canonical text on SQLite, whose NUMERIC is a float."""

    impl = String(48)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(38, 12))
        return dialect.type_descriptor(String(48))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        if dialect.name == "postgresql":
            return value
        return canonical(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite's text: long columns repeat few amounts (hours, budgets)
            return _money_of_text(value)
        return Decimal(canonical(value if isinstance(value, Decimal) else Decimal(str(value))))


@functools.lru_cache(maxsize=4096)
def _money_of_text(text: str) -> Decimal:
    """The canonical Decimal of a stored text (Decimals are immutable: one object serves every row)."""
    return Decimal(canonical(Decimal(text)))


class WrittenMoney(Money):
    """An exact decimal that keeps the scale it was written with ("681.00" stays "681.00", "3.10" stays "3.10"):
    unconstrained NUMERIC on PostgreSQL (which keeps each value's scale), plain text as written on SQLite. Used for
    the amounts of imported cost records, whose totals are then reported at the scale the bill used."""

    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric())
        return dialect.type_descriptor(String(48))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal):
            value = Decimal(str(value))
        if dialect.name == "postgresql":
            return value
        return written(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        return value if isinstance(value, Decimal) else Decimal(str(value))


def written(value: Decimal) -> str:
    """Plain notation keeping the value's own scale: Decimal("681.00") → '681.00', Decimal("4.8E+5") → '480000'."""
    text = format(value, "f")
    return text[1:] if value == 0 and text.startswith("-") else text


def canonical(value: Decimal) -> str:
    """Plain notation without trailing zeros, the same on every engine: 1200.50 → '1200.5', 4.8E+5 → '480000'."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores naive UTC, returns aware UTC. Naive input is taken to be UTC already."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


class JSONText(TypeDecorator[Any]):
    """JSON kept as canonical text (sorted keys), identical on both engines and stable for hashing."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        return json.loads(value)
