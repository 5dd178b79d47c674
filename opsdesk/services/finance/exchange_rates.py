"""The exchange-rate table the user maintains. Totals in different currencies are only ever added together
through it, and a conversion without a rate is refused with the missing pair named."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from opsdesk.errors import ValidationError
from opsdesk.store import records
from opsdesk.store.models import ExchangeRate
from opsdesk.store.workspace import Workspace

ENTITY = "exchange_rate"
_CODE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True)
class RateDTO:
    id: int
    from_currency: str
    to_currency: str
    rate: Decimal
    valid_from: dt.date


def _code(value: str, field: str) -> str:
    code = str(value or "").strip().upper()
    if not _CODE.match(code):
        raise ValidationError(field, f"'{value}' is not a three-letter currency code", entity=ENTITY)
    return code


def set_rate(ws: Workspace, from_currency: str, to_currency: str, rate: Decimal | str,
             valid_from: dt.date | str) -> RateDTO:
    """Add a rate, or replace the rate of the same pair and date. 1 ``from`` = ``rate`` ``to``."""
    src, dst = _code(from_currency, "from_currency"), _code(to_currency, "to_currency")
    if src == dst:
        raise ValidationError("to_currency", "must differ from the currency converted from", entity=ENTITY)
    try:
        value = rate if isinstance(rate, Decimal) else Decimal(str(rate).strip())
    except InvalidOperation:
        raise ValidationError("rate", f"'{rate}' is not a number", entity=ENTITY) from None
    if not value.is_finite() or value <= 0:
        raise ValidationError("rate", "must be a positive number", entity=ENTITY)
    try:
        day = valid_from if isinstance(valid_from, dt.date) else dt.date.fromisoformat(str(valid_from).strip())
    except ValueError:
        raise ValidationError("valid_from", f"'{valid_from}' is not a date (YYYY-MM-DD)", entity=ENTITY) from None
    with ws.write("costs") as tx:
        existing = tx.session.scalar(select(ExchangeRate).where(
            ExchangeRate.from_currency == src, ExchangeRate.to_currency == dst, ExchangeRate.valid_from == day))
        if existing is None:
            existing = tx.add(ExchangeRate(from_currency=src, to_currency=dst, rate=value, valid_from=day), ENTITY,
                              key=f"{src}->{dst}@{day}")
        else:
            tx.update(existing, ENTITY, {"rate": value}, key=f"{src}->{dst}@{day}")
        return records.to_dto(RateDTO, existing)


def delete_rate(ws: Workspace, rate_id: int) -> None:
    with ws.write("costs") as tx:
        obj = records.get_by(tx.session, ExchangeRate, ENTITY, id=rate_id)
        tx.delete(obj, ENTITY, key=f"{obj.from_currency}->{obj.to_currency}@{obj.valid_from}")


def list_rates(ws: Workspace) -> list[RateDTO]:
    with ws.read() as s:
        return [records.to_dto(RateDTO, r) for r in s.scalars(select(ExchangeRate).order_by(
            ExchangeRate.from_currency, ExchangeRate.to_currency, ExchangeRate.valid_from))]


def rate_for(rates: list[RateDTO], src: str, dst: str, on: dt.date) -> Decimal | None:
    """The latest rate valid on ``on`` for src → dst, or the inverse of dst → src; None when there is none."""
    if src == dst:
        return Decimal(1)
    direct = [r for r in rates if r.from_currency == src and r.to_currency == dst and r.valid_from <= on]
    if direct:
        return max(direct, key=lambda r: r.valid_from).rate
    inverse = [r for r in rates if r.from_currency == dst and r.to_currency == src and r.valid_from <= on]
    if inverse:
        return Decimal(1) / max(inverse, key=lambda r: r.valid_from).rate
    return None


def convert(ws: Workspace, amounts: Mapping[str, Decimal], to_currency: str, on: dt.date | None = None) -> Decimal:
    """Add amounts held in several currencies as one amount in ``to_currency``, using the rate table."""
    dst = _code(to_currency, "to_currency")
    rates = list_rates(ws)
    day = on or dt.date.max
    total = Decimal(0)
    for currency, amount in sorted(amounts.items()):
        rate = rate_for(rates, currency, dst, day)
        if rate is None:
            raise ValidationError("to_currency", f"there is no exchange rate from {currency} to {dst}; add one "
                                                 f"with 'opsdesk rates set {currency} {dst} RATE'", entity=ENTITY)
        total += amount * rate
    return total.quantize(Decimal("0.01"))
