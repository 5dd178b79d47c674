"""What a cost record says, as one SHA-256: the same charge read from a file saved with other line endings, another
encoding or another column order has the same fingerprint, so importing it again is recognised."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

#: The facts a fingerprint covers (cost record attribute names); where the row came from (batch, line) is left out.
FIELDS = ("charge_period_start", "charge_period_end", "billed_cost", "effective_cost", "list_cost", "contracted_cost",
          "billing_currency", "service_category", "service_name", "provider_name", "billing_account_id",
          "sub_account_id", "charge_category", "charge_description", "resource_id", "sku_id", "pricing_quantity",
          "pricing_unit", "tags", "extra")
MONEY = frozenset({"billed_cost", "effective_cost", "list_cost", "contracted_cost", "pricing_quantity"})
TIMES = frozenset({"charge_period_start", "charge_period_end"})


def _time(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")


def _number(value: Any) -> str:
    if value is None or value == "":
        return ""
    try:
        d = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = format(d.normalize(), "f")
    return "0" if d == 0 else text


def fingerprint(row: Mapping[str, Any]) -> str:
    parts: dict[str, Any] = {}
    for name in FIELDS:
        value = row.get(name)
        if name in TIMES:
            parts[name] = _time(value)
        elif name in MONEY:
            parts[name] = _number(value)
        elif name in ("tags", "extra"):
            parts[name] = value or {}
        else:
            parts[name] = "" if value is None else str(value)
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
