"""FOCUS 1.0–1.2 cost exports, read by column name and tolerant of what real exports do.

``NULL`` and empty cells are nulls; timestamps without ``T``/``Z`` are UTC (with a warning); BOMs, CRLF and
US short dates are accepted; ``"$10,100.00 "`` amounts are read leniently (with a warning); enum values that
differ only in case are normalised; every column OpsDesk does not map (``x_`` or not) is kept in ``extra``.
Money is Decimal throughout.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from opsdesk.domain.cost_fingerprint import fingerprint
from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.report import ParsedFile
from opsdesk.ingest.textfile import decode, is_null, norm, parse_decimal, parse_timestamp, read_table, short

#: FOCUS column → CostRecord attribute, and whether a row without it is refused.
MAPPED: dict[str, tuple[str, bool]] = {
    "ChargePeriodStart": ("charge_period_start", True),
    "ChargePeriodEnd": ("charge_period_end", False),
    "BilledCost": ("billed_cost", True),
    "EffectiveCost": ("effective_cost", False),
    "ListCost": ("list_cost", False),
    "ContractedCost": ("contracted_cost", False),
    "BillingCurrency": ("billing_currency", True),
    "ServiceCategory": ("service_category", False),
    "ServiceName": ("service_name", False),
    "ProviderName": ("provider_name", False),
    "BillingAccountId": ("billing_account_id", False),
    "SubAccountId": ("sub_account_id", False),
    "ChargeCategory": ("charge_category", False),
    "ChargeDescription": ("charge_description", False),
    "ResourceId": ("resource_id", False),
    "SkuId": ("sku_id", False),
    "PricingQuantity": ("pricing_quantity", False),
    "PricingUnit": ("pricing_unit", False),
    "Tags": ("tags", False),
}
MONEY = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingQuantity")
TIMES = ("ChargePeriodStart", "ChargePeriodEnd")
LIMITS = {"ResourceId": 500, "ChargeCategory": 40}
#: Older names some exports still use.
SYNONYMS = {"billedcurrency": "BillingCurrency", "provider": "ProviderName", "resourceid": "ResourceId",
            "amortizedcost": "EffectiveCost", "chargetype": "ChargeCategory"}
ENUMS: dict[str, tuple[str, ...]] = {
    "ChargeCategory": ("Usage", "Purchase", "Tax", "Credit", "Adjustment"),
    "ChargeClass": ("Correction",),
    "ChargeFrequency": ("One-Time", "Recurring", "Usage-Based"),
    "PricingCategory": ("Standard", "Dynamic", "Committed", "Other"),
    "CommitmentDiscountStatus": ("Used", "Unused"),
    "ServiceCategory": ("AI and Machine Learning", "Analytics", "Business Applications", "Compute", "Databases",
                        "Developer Tools", "Multicloud", "Identity", "Integration", "Internet of Things",
                        "Management and Governance", "Media", "Migration", "Mobile", "Networking", "Security",
                        "Storage", "Web", "Other"),
}
SIGNATURE = {"billedcost", "chargeperiodstart", "effectivecost", "billingcurrency", "chargecategory"}
PREVIEW_ROWS = 25
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")


@dataclass
class FocusData:
    rows: list[dict[str, Any]]


def looks_like_focus(header: list[str]) -> bool:
    names = {norm(h) for h in header}
    return len(names & SIGNATURE) >= 2


def read_focus(path: str, name: str, data: bytes, sha256: str) -> ParsedFile:  # noqa: C901
    parsed = ParsedFile(ImportKind.FOCUS, path, name, sha256)
    table = read_table(decode(data, parsed), parsed)
    if not table.header:
        parsed.reject(None, "", "the file is empty: no header line with FOCUS column names")
        parsed.fatal = True
        return parsed
    canon = {norm(c): c for c in list(MAPPED) + [c for e in ENUMS for c in (e,)]}
    positions: dict[str, int] = {}
    extra_cols: list[tuple[int, str]] = []
    for i, h in enumerate(table.header):
        key = norm(h)
        focus = canon.get(key) or SYNONYMS.get(key)
        if focus in MAPPED and focus not in positions:
            positions[focus] = i
        elif h:
            extra_cols.append((i, h))
    missing = [c for c, (_a, required) in MAPPED.items() if required and c not in positions]
    if missing:
        for col in missing:
            parsed.reject(table.header_line, col, f"the FOCUS column {col} is missing, so no row can be read")
        parsed.fatal = True
        return parsed
    enum_pos = {e: i for i, h in enumerate(table.header) for e in ENUMS if norm(h) == norm(e)}
    drift: Counter[str] = Counter()
    notes: Counter[str] = Counter()
    first_note: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for line, fields in table.rows:
        row: dict[str, Any] = {"row_number": line}
        problem = None
        for col, (attr, required) in MAPPED.items():
            pos = positions.get(col)
            raw = fields[pos] if pos is not None else ""
            if is_null(raw):
                if required:
                    problem = (col, f"{col} is empty or NULL, but every cost row needs it")
                    break
                row[attr] = None
                continue
            if col in MONEY:
                value, lenient, why = parse_decimal(raw)
                if value is None:
                    problem = (col, why)
                    break
                if lenient:
                    notes["number"] += 1
                    first_note.setdefault("number", line)
                row[attr] = value
            elif col in TIMES:
                stamp, note, why = parse_timestamp(raw)
                if stamp is None:
                    problem = (col, why)
                    break
                if note:
                    notes[note] += 1
                    first_note.setdefault(note, line)
                row[attr] = stamp
            elif col == "BillingCurrency":
                code = raw.strip()
                if not _CURRENCY.match(code):
                    problem = (col, f"'{short(code)}' is not a three-letter currency code")
                    break
                row[attr] = code.upper()
            elif col == "Tags":
                row[attr] = _tags(raw, parsed, line)
            else:
                text = raw.strip()
                if len(text) > LIMITS.get(col, 200) and attr != "charge_description":
                    problem = (col, f"{col} is longer than {LIMITS.get(col, 200)} characters")
                    break
                row[attr] = text
        if problem is not None:
            parsed.reject(line, problem[0], problem[1])
            continue
        if row.get("effective_cost") is None:
            row["effective_cost"] = row["billed_cost"]
            notes["effective"] += 1
            first_note.setdefault("effective", line)
        if row.get("charge_period_end") is None:
            row["charge_period_end"] = row["charge_period_start"]
        for col, pos in enum_pos.items():
            raw = fields[pos].strip()
            if is_null(raw):
                continue
            fixed = next((v for v in ENUMS[col] if v.lower() == raw.lower()), None)
            if fixed is not None and fixed != raw:
                drift[f"{col} '{raw}' → '{fixed}'"] += 1
                if col in positions:
                    row[MAPPED[col][0]] = fixed
                else:
                    fields[pos] = fixed
        for attr in ("service_category", "service_name", "provider_name", "billing_account_id", "sub_account_id",
                     "charge_category", "charge_description", "resource_id", "sku_id", "pricing_unit"):
            if row.get(attr) is None:
                row[attr] = ""
        row["tags"] = row.get("tags") or {}
        row["extra"] = {h: fields[i] for i, h in extra_cols if not is_null(fields[i])}
        if row["charge_period_end"] < row["charge_period_start"]:
            notes["inverted"] += 1
            first_note.setdefault("inverted", line)
        row["fingerprint"] = fingerprint(row)
        rows.append(row)
    parsed.data = FocusData(rows)
    parsed.accepted = len(rows)
    _warnings(parsed, notes, first_note, drift)
    currencies = sorted({r["billing_currency"] for r in rows})
    if len(currencies) > 1:
        parsed.warn(None, "BillingCurrency", f"several currencies ({', '.join(currencies)}): totals are kept "
                                             "per currency, never added together", "currency")
    for r in rows[:PREVIEW_ROWS]:
        parsed.preview.append((r["row_number"], f"{r['charge_period_start']:%Y-%m-%d} · {r['provider_name']} · "
                                                f"{r['service_name'] or r['service_category'] or '—'} · "
                                                f"{plain(r['effective_cost'])} {r['billing_currency']}"))
    return parsed


def plain(value: Decimal) -> str:
    """A decimal as people write it (no exponent), exactly."""
    return format(value.normalize() if value == value.to_integral_value() else value, "f")


def _tags(raw: str, parsed: ParsedFile, line: int) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except ValueError:
        parsed.warn(line, "Tags", f"the tags '{short(raw)}' are not JSON; kept as text under the key '_raw'",
                    "format")
        return {"_raw": raw}
    if not isinstance(value, dict):
        return {"_raw": raw}
    return {str(k): v for k, v in value.items()}


def _warnings(parsed: ParsedFile, notes: Counter[str], first: dict[str, int], drift: Counter[str]) -> None:
    if notes["timezone"]:
        parsed.warn(first["timezone"], "ChargePeriodStart",
                    f"{notes['timezone']} timestamps carry no time zone (no T/Z); UTC assumed", "timezone")
    if notes["us_date"]:
        parsed.warn(first["us_date"], "ChargePeriodStart",
                    f"{notes['us_date']} dates were read as US month/day/year", "format")
    if notes["number"]:
        parsed.warn(first["number"], "BilledCost", f"{notes['number']} amounts needed lenient number parsing "
                                                   "(currency signs, thousands separators or spaces removed)",
                    "number")
    if notes["inverted"]:
        parsed.warn(first["inverted"], "ChargePeriodEnd",
                    f"{notes['inverted']} rows end their charge period before it starts (kept as written; check "
                    "the export)", "period")
    if notes["effective"]:
        parsed.warn(first["effective"], "EffectiveCost",
                    f"{notes['effective']} rows had no EffectiveCost; BilledCost used instead", "format")
    for what, count in sorted(drift.items()):
        parsed.warn(None, what.split(" ", 1)[0], f"{count} values in another letter case: {what}", "case")
