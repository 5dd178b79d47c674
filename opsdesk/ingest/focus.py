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
from opsdesk.ingest.textfile import (
    Table,
    decode,
    is_null,
    norm,
    parse_decimal,
    parse_timestamp,
    read_table,
    short,
)

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
            "amortizedcost": "EffectiveCost", "chargetype": "ChargeCategory",
            "serviceprovidername": "ProviderName"}  # FOCUS 1.3 names the provider ServiceProviderName
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


#: Columns each FOCUS version added (the 1.0 set is MAPPED and the rest of the 1.0 table); the newest version
#: whose columns a file has is the version it is read as.
VERSION_COLUMNS: dict[str, frozenset[str]] = {
    "1.1": frozenset({"CapacityReservationId", "CapacityReservationStatus", "CommitmentDiscountQuantity",
                      "CommitmentDiscountUnit", "ServiceSubcategory", "SkuMeter", "SkuPriceDetails"}),
    "1.2": frozenset({"BillingAccountType", "InvoiceId", "PricingCurrency", "PricingCurrencyContractedUnitPrice",
                      "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice", "SubAccountType"}),
    "1.3": frozenset({"AllocatedMethodDetails", "AllocatedMethodId", "AllocatedResourceId", "AllocatedResourceName",
                      "AllocatedTags", "ContractApplied", "HostProviderName", "ServiceProviderName"}),
}
#: Columns of the FOCUS 0.5 draft that 1.0 renamed (ChargeType → ChargeCategory, InvoiceIssuer → InvoiceIssuerName,
#: AmortizedCost → EffectiveCost, UsageQuantity → ConsumedQuantity, …): a file with them and none of the 1.0 names
#: it renamed is a 0.5 file, which OpsDesk names rather than reading it as 1.0.
DRAFT_05 = frozenset({"ChargeType", "InvoiceIssuer", "Provider", "Publisher", "AmortizedCost", "UsageQuantity",
                      "UsageUnit"})
PARQUET_MAGIC = b"PAR1"


def focus_version(header: list[str]) -> tuple[str, list[str]]:
    """(the FOCUS version the columns show, the columns that show it)."""
    names = {norm(h): h for h in header}
    for version in ("1.3", "1.2", "1.1"):
        found = sorted(names[norm(c)] for c in VERSION_COLUMNS[version] if norm(c) in names)
        if found:
            return version, found
    draft = sorted(names[norm(c)] for c in DRAFT_05 if norm(c) in names)
    if draft and not {"chargecategory", "invoiceissuername", "effectivecost"} & set(names):
        return "0.5", draft
    return "1.0", []


def read_focus(path: str, name: str, data: bytes, sha256: str) -> ParsedFile:
    parsed = ParsedFile(ImportKind.FOCUS, path, name, sha256)
    table = parquet_table(data, parsed) if data.startswith(PARQUET_MAGIC) else read_table(decode(data, parsed),
                                                                                         parsed)
    if parsed.fatal:
        return parsed
    if not table.header:
        parsed.reject(None, "", "the file is empty: no header line with FOCUS column names")
        parsed.fatal = True
        return parsed
    if not looks_like_focus(table.header):
        from opsdesk.ingest import native_bills

        source = native_bills.recognise(table.header)
        if source is not None:
            converted = native_bills.convert(source, table.header, table.rows)
            parsed.warn(None, "", f"recognised as {source.label} by its columns and converted to FOCUS 1.2 rows "
                                  "following the FinOps Foundation's focus_converters mapping tables", "format")
            if converted.unfilled:
                parsed.warn(None, ", ".join(converted.unfilled),
                            f"these FOCUS 1.2 mandatory columns could not be filled from a {source.label}: "
                            f"{', '.join(converted.unfilled)}", "unfilled")
            table = Table(converted.header, table.header_line,
                          [(line, row) for (line, _f), row in zip(table.rows, converted.rows, strict=True)])
            return _read_rows(parsed, table, source.label)
    return _read_rows(parsed, table, None)


def parquet_table(data: bytes, parsed: ParsedFile) -> Table:
    """A Parquet FOCUS export as the same header and text rows a CSV gives (pyarrow through pandas): timestamps
    as ISO 8601 UTC, numbers as written, maps and lists (Tags) as JSON."""
    import io

    table = Table()
    try:
        import pandas as pd

        frame = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
    except ImportError:
        parsed.reject(None, "", "this is a Parquet file, and reading Parquet needs the pyarrow package, which is "
                                "not installed")
        parsed.fatal = True
        return table
    except Exception as exc:  # pyarrow raises many types for a damaged file
        parsed.reject(None, "", f"the Parquet file cannot be read ({type(exc).__name__}: {short(str(exc))})")
        parsed.fatal = True
        return table
    table.header = [str(c) for c in frame.columns]
    columns = [_parquet_text(frame[c]) for c in frame.columns]
    table.rows = [(n + 2, [col[n] for col in columns]) for n in range(len(frame))]
    parsed.warn(None, "", f"read as Parquet ({len(frame)} rows, {len(table.header)} columns)", "format")
    return table


def _parquet_text(column: Any) -> list[str]:
    import datetime as dt

    import pandas as pd

    if isinstance(column.dtype, pd.DatetimeTZDtype):
        utc = column.dt.tz_convert("UTC")
        return ["" if pd.isna(v) else v.strftime("%Y-%m-%dT%H:%M:%S.%fZ") for v in utc]
    if column.dtype.kind == "M":
        return ["" if pd.isna(v) else v.strftime("%Y-%m-%dT%H:%M:%S.%f") for v in column]
    out = []
    for v in column.tolist():
        if v is None or (isinstance(v, float) and v != v):
            out.append("")
        elif isinstance(v, dict):
            out.append(json.dumps(v, sort_keys=True, default=str))
        elif isinstance(v, list | tuple) or type(v).__name__ == "ndarray":
            items = list(v)
            pairs = all(isinstance(x, tuple | list) and len(x) == 2 for x in items)
            out.append(json.dumps({str(k): val for k, val in items} if pairs and items else items, default=str))
        elif isinstance(v, dt.datetime):
            out.append((v.astimezone(dt.UTC) if v.tzinfo else v).isoformat())
        elif isinstance(v, float):
            out.append(repr(v))
        else:
            out.append(str(v))
    return out


def _read_rows(parsed: ParsedFile, table: Table, converted_from: str | None) -> ParsedFile:  # noqa: C901
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
    if converted_from is None:
        version, evidence = focus_version(table.header)
        unmapped = [h for _i, h in extra_cols]
        parsed.warn(None, "", f"read as FOCUS {version}"
                              + (f" (its columns include {', '.join(evidence[:4])})" if evidence else "")
                              + (", the draft before 1.0: its names are not the 1.x names OpsDesk maps"
                                 if version == "0.5" else "")
                              + (f"; {len(unmapped)} columns kept in extra: {short(', '.join(unmapped), 300)}"
                                 if unmapped else "; every column was read"), "version")
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
