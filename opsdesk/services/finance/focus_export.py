"""FOCUS out: the workspace's cost records as a FOCUS 1.2 CSV — imported, converted from a native bill, or
allocated to initiatives (each allocated share on its own row, the initiative in ``x_OpsDeskInitiative``; the
part no rule allocates on a row of its own with that column empty).

Columns OpsDesk keeps (the cost record's own) are written from the record; the other FOCUS 1.2 columns from the
source's own column of that name when the import kept it (``extra``); the billing period, when the source had
none, is the calendar month of the charge period. Amounts of a split row are the record's amounts times the
allocation's share, exactly."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import re
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from opsdesk.errors import ValidationError
from opsdesk.store.models import Allocation, CostRecord, Initiative
from opsdesk.store.workspace import Workspace

#: Every FOCUS 1.2 column, in the specification's order.
FOCUS_12_COLUMNS = (
    "AvailabilityZone", "BilledCost", "BillingAccountId", "BillingAccountName", "BillingAccountType",
    "BillingCurrency", "BillingPeriodEnd", "BillingPeriodStart", "CapacityReservationId",
    "CapacityReservationStatus", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargeFrequency",
    "ChargePeriodEnd", "ChargePeriodStart", "CommitmentDiscountCategory", "CommitmentDiscountId",
    "CommitmentDiscountName", "CommitmentDiscountQuantity", "CommitmentDiscountStatus", "CommitmentDiscountType",
    "CommitmentDiscountUnit", "ConsumedQuantity", "ConsumedUnit", "ContractedCost", "ContractedUnitPrice",
    "EffectiveCost", "InvoiceId", "InvoiceIssuerName", "ListCost", "ListUnitPrice", "PricingCategory",
    "PricingCurrency", "PricingCurrencyContractedUnitPrice", "PricingCurrencyEffectiveCost",
    "PricingCurrencyListUnitPrice", "PricingQuantity", "PricingUnit", "ProviderName", "PublisherName", "RegionId",
    "RegionName", "ResourceId", "ResourceName", "ResourceType", "ServiceCategory", "ServiceName",
    "ServiceSubcategory", "SkuId", "SkuMeter", "SkuPriceDetails", "SkuPriceId", "SubAccountId", "SubAccountName",
    "SubAccountType", "Tags",
)
#: FOCUS 1.2's mandatory columns: always written. Other columns are written when some row has a value.
MANDATORY = frozenset({
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
    "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity",
    "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName"})
INITIATIVE_COLUMN = "x_OpsDeskInitiative"
OWN = {"BilledCost": "billed_cost", "EffectiveCost": "effective_cost", "ListCost": "list_cost",
       "ContractedCost": "contracted_cost", "BillingCurrency": "billing_currency",
       "ServiceCategory": "service_category", "ServiceName": "service_name", "ProviderName": "provider_name",
       "BillingAccountId": "billing_account_id", "SubAccountId": "sub_account_id",
       "ChargeCategory": "charge_category", "ChargeDescription": "charge_description", "ResourceId": "resource_id",
       "SkuId": "sku_id", "PricingQuantity": "pricing_quantity", "PricingUnit": "pricing_unit"}
DECIMALS = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingQuantity", "ConsumedQuantity",
            "ContractedUnitPrice", "ListUnitPrice", "CommitmentDiscountQuantity", "PricingCurrencyContractedUnitPrice",
            "PricingCurrencyEffectiveCost", "PricingCurrencyListUnitPrice")
SPLIT = ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingQuantity", "ConsumedQuantity",
         "PricingCurrencyEffectiveCost", "CommitmentDiscountQuantity")


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _month(value: dt.datetime) -> tuple[str, str]:
    start = value.astimezone(dt.UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + start.month // 12, month=start.month % 12 + 1)
    return _time(start), _time(end)


def _amount(value: Any) -> str:
    if value is None or value == "":
        return ""
    d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    text = format(d, "f")
    return text[1:] if d == 0 and text.startswith("-") else text


def _row(rec: CostRecord) -> dict[str, str]:
    extra = {str(k): "" if v is None else str(v) for k, v in (rec.extra or {}).items()}
    out = {c: extra.get(c, "") for c in FOCUS_12_COLUMNS}
    out[SOURCE_PREFIX + "ProviderName"] = extra.get(SOURCE_PREFIX + "ProviderName", "")  # read back from an export
    for col, attr in OWN.items():
        value = getattr(rec, attr)
        out[col] = _amount(value) if isinstance(value, Decimal) else ("" if value is None else str(value))
    out["ChargePeriodStart"], out["ChargePeriodEnd"] = _time(rec.charge_period_start), _time(rec.charge_period_end)
    for col in ("BillingPeriodStart", "BillingPeriodEnd"):
        if out[col]:
            try:
                out[col] = _time(dt.datetime.fromisoformat(out[col].replace("Z", "+00:00")).replace(
                    tzinfo=dt.UTC) if "+" not in out[col] and "Z" not in out[col] else
                    dt.datetime.fromisoformat(out[col].replace("Z", "+00:00")))
            except ValueError:
                out[col] = ""
    if not out["BillingPeriodStart"] or not out["BillingPeriodEnd"]:
        out["BillingPeriodStart"], out["BillingPeriodEnd"] = _month(rec.charge_period_start)
    out["Tags"] = json.dumps(rec.tags, sort_keys=True, ensure_ascii=False) if rec.tags else ""
    if not out["ServiceSubcategory"] and out["ServiceCategory"]:
        out["ServiceSubcategory"] = f"Other ({out['ServiceCategory']})"  # FOCUS's own catch-all per category
    for col in DECIMALS:
        out[col] = _decimal_text(out[col])
    return out


def _decimal_text(text: str) -> str:
    """A FOCUS decimal column is typed from its text: "5" would read as an integer, so whole numbers get ".0"."""
    text = text.strip()
    if not text:
        return ""
    try:
        Decimal(text)
    except ArithmeticError:
        return text
    return text if any(ch in text for ch in ".eE") else text + ".0"


def _scaled(row: dict[str, str], share: Decimal) -> dict[str, str]:
    out = dict(row)
    for col in SPLIT:
        if out.get(col):
            with contextlib.suppress(ArithmeticError):
                out[col] = _decimal_text(_amount(Decimal(out[col]) * share))
    return out


#: Columns 1.2 recommends that are written even when every value is null (the validator expects them).
ALWAYS = frozenset({"InvoiceId"})
SOURCE_PREFIX = "x_Source"  # the source's own value, where the export wrote a derived one

_SIZE = "b|Kb|Mb|Gb|Tb|Pb|Eb|B|KB|MB|GB|TB|PB|EB|Kib|Mib|Gib|Tib|Pib|Eib|KiB|MiB|GiB|TiB|PiB|EiB"
_ONE = "Year|Month|Day|Hour|Minute|Second"
_MANY = "Years|Months|Days|Hours|Minutes|Seconds"
_COUNT = r"[A-Za-z][A-Za-z0-9]*(?:\s+[A-Za-z][A-Za-z0-9]*)*"
_UNIT = re.compile(rf"^(?:(?:{_SIZE}|{_ONE}|{_MANY}|{_COUNT})|(?:{_SIZE}|{_COUNT})-(?:{_MANY})"
                   rf"|(?:{_SIZE}|{_COUNT}|{_MANY})/(?:{_ONE})|\d+\s+(?:{_SIZE}|{_COUNT}))$")


def focus_unit(unit: str) -> str:
    """``unit`` in the FOCUS UnitFormat when a spelling change gets it there without changing what it says: a
    rate inside a time-based unit spelled with "per" ("GiB/Second-Months" → "GiB per Second-Months"), a
    thousand written out ("1K tokens" → "1000 tokens"), hyphens
    inside a unit's name as spaces ("Lambda-GB-Seconds" → "Lambda GB-Seconds"); otherwise as written."""
    if not unit or _UNIT.match(unit):
        return unit
    short = re.match(r"^(\d+)\s*([KkM])\s+(.+)$", unit)  # "1K tokens" → "1000 tokens"
    if short:
        n = int(short.group(1)) * (1_000_000 if short.group(2) == "M" else 1000)
        candidate = f"{n} {short.group(3)}"
        if _UNIT.match(candidate):
            return candidate
    head, sep, tail = unit.rpartition("-")
    if sep and re.fullmatch(_MANY, tail):
        candidate = head.replace("/", " per ").replace("-", " ") + "-" + tail
    else:
        candidate = unit.replace("/", " per ").replace("-", " ")
    candidate = " ".join(candidate.split())
    return candidate if _UNIT.match(candidate) else unit


def _one_per_service(rows: list[tuple[dict[str, str], str]], column: str) -> tuple[int, list[str]]:
    """FOCUS 1.2 gives each ServiceName one ServiceCategory (and one ServiceSubcategory): where the records give a
    service several, write the one carrying most EffectiveCost (its primary purpose) and keep each row's own in
    ``x_Source<column>``. Returns the rows changed and the services concerned."""
    weight: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for row, _code in rows:
        if row["ServiceName"] and row[column]:
            with contextlib.suppress(ArithmeticError):
                weight[row["ServiceName"]][row[column]] += abs(Decimal(row["EffectiveCost"] or "0"))
    primary = {name: max(sorted(values), key=lambda v: values[v]) for name, values in weight.items()
               if len(values) > 1}
    changed = 0
    for row, _code in rows:
        chosen = primary.get(row["ServiceName"])
        row[SOURCE_PREFIX + column] = row[column] if chosen and chosen != row[column] else ""
        if chosen and chosen != row[column]:
            row[column] = chosen
            changed += 1
    return changed, sorted(primary)


#: Names a provider writes itself under, as ProviderName or InvoiceIssuerName. A name is the company's when,
#: compared without case or punctuation, it is one of these or one followed by more words (a legal entity: "Amazon
#: Web Services EMEA SARL", "Google Cloud EMEA Limited"); a name with "marketplace" in it is nobody's here.
COMPANIES = {
    "Amazon Web Services": ("aws", "amazon web services"),
    "Microsoft": ("microsoft", "azure", "microsoft azure"),
    "Google Cloud": ("google", "google cloud", "gcp"),
    "Oracle": ("oracle", "oci", "oracle cloud infrastructure"),
    "IBM": ("ibm", "ibm cloud"),
    "Alibaba Cloud": ("alibaba", "alibaba cloud", "aliyun"),
}


def company(name: str) -> str | None:
    """The company of ``name`` by the COMPANIES alias table, or None when it names none of them."""
    plain = " ".join(re.sub(r"[^0-9a-z]+", " ", name.lower()).split())
    if not plain or "marketplace" in plain:
        return None
    for firm, aliases in COMPANIES.items():
        if any(plain == a or plain.startswith(a + " ") for a in aliases):
            return firm
    return None


def _first_party(rows: list[tuple[dict[str, str], str]]) -> list[str]:
    """Provider, invoice issuer and publisher as FOCUS 1.2 reads them. A record naming no InvoiceIssuerName or
    PublisherName is the provider's own charge: the provider is written. Where the provider and the invoice issuer
    are one company under two names ("AWS" invoiced by "Amazon Web Services, Inc."), the issuer's name is written
    as ProviderName — FOCUS reads a ProviderName unlike the InvoiceIssuerName as a third party's (marketplace)
    charge that must bill 0 — and the source's kept in ``x_SourceProviderName``."""
    said: list[str] = []
    for column in ("InvoiceIssuerName", "PublisherName"):
        filled = 0
        for row, _code in rows:
            if not row[column] and row["ProviderName"]:
                row[column] = row["ProviderName"]
                filled += 1
        if filled:
            said.append(f"{column}: {filled} rows had none; written as their ProviderName (the provider's own "
                        "charge, as a record naming no other party is read)")
    renamed: dict[tuple[str, str], int] = defaultdict(int)
    for row, _code in rows:
        provider, issuer = row["ProviderName"], row["InvoiceIssuerName"]
        same = bool(provider and issuer and provider != issuer and company(provider) == company(issuer) is not None)
        if same:
            row[SOURCE_PREFIX + "ProviderName"], row["ProviderName"] = provider, issuer
            renamed[(provider, issuer)] += 1
    if renamed:
        said.append(f"ProviderName: {sum(renamed.values())} rows written as their InvoiceIssuerName, the same "
                    "company under another name ("
                    + ", ".join(f"'{a}' as '{b}' ({n})" for (a, b), n in sorted(renamed.items()))
                    + "), so that FOCUS 1.2 does not read them as a third party's charges; the source's in "
                    f"{SOURCE_PREFIX}ProviderName")
    described = 0
    for row, _code in rows:
        if not row["ChargeDescription"] and row["ServiceName"]:
            sku = f" ({row['SkuId']})" if row["SkuId"] else ""
            row["ChargeDescription"] = f"{row['ChargeCategory'] or 'Charge'}: {row['ServiceName']}{sku}"
            described += 1
    if described:
        said.append(f"ChargeDescription: {described} rows had none; written as '<ChargeCategory>: <ServiceName> "
                    "(<SkuId>)'")
    return said


def _derive(rows: list[tuple[dict[str, str], str]]) -> list[str]:
    """Fill what FOCUS 1.2 requires and the records lack, as the specification allows; say what and how."""
    said = _first_party(rows)
    for cost, price in (("ContractedCost", "ContractedUnitPrice"), ("ListCost", "ListUnitPrice")):
        filled = 0
        for row, _code in rows:
            if not row[cost] and not row[price] and row["BilledCost"]:
                row[cost] = row["BilledCost"]  # FOCUS 1.2: with no unit price, a charge's cost matches BilledCost
                filled += 1
        if filled:
            said.append(f"{cost}: {filled} rows had none and no {price}; written equal to BilledCost, as FOCUS 1.2 "
                        f"says of {cost} when {price} is null")
    frequency = 0
    for row, _code in rows:
        if not row["ChargeFrequency"] and row["ChargeCategory"]:
            row["ChargeFrequency"] = "Usage-Based" if row["ChargeCategory"] == "Usage" else "One-Time"
            frequency += 1
    if frequency:
        said.append(f"ChargeFrequency: {frequency} rows had none; written from ChargeCategory (Usage → "
                    "Usage-Based, any other → One-Time)")
    for column in ("ServiceCategory", "ServiceSubcategory"):
        if column == "ServiceSubcategory":
            for row, _code in rows:  # the catch-all follows the category written
                if row["ServiceSubcategory"].startswith("Other (") and row["ServiceCategory"]:
                    row["ServiceSubcategory"] = f"Other ({row['ServiceCategory']})"
        changed, services = _one_per_service(rows, column)
        if changed:
            said.append(f"{column}: {', '.join(services)} had several; {changed} rows written with the one "
                        f"carrying most EffectiveCost (FOCUS 1.2: one per ServiceName), the source's in "
                        f"{SOURCE_PREFIX}{column}")
    units: dict[str, str] = {}
    for row, _code in rows:
        written = focus_unit(row["PricingUnit"])
        if written != row["PricingUnit"]:
            units[row["PricingUnit"]] = written
            row["PricingUnit"] = written
    if units:
        said.append("PricingUnit: spelled in the FOCUS UnitFormat: "
                    + ", ".join(f"'{a}' as '{b}'" for a, b in sorted(units.items())))
    no_invoice = sum(1 for row, _code in rows if not row["InvoiceId"])
    if no_invoice:
        said.append(f"InvoiceId: empty (null) on {no_invoice} rows whose source named no invoice")
    return said


def _notes(rows: list[tuple[dict[str, str], str]]) -> list[str]:
    """What the export keeps as billed although a FOCUS 1.2 rule reads it otherwise."""
    third = sum(1 for row, _c in rows if row["ProviderName"] and row["InvoiceIssuerName"]
                and row["ProviderName"] != row["InvoiceIssuerName"] and row["BilledCost"]
                and Decimal(row["BilledCost"]) != 0)
    if not third:
        return []
    return [f"BilledCost kept as billed on {third} rows whose InvoiceIssuerName names another company than their "
            "ProviderName: FOCUS 1.2 wants BilledCost 0 where a third party is paid (marketplace), which the "
            "records do not say; the validator's BilledCost-C-005-C reports these rows"]


def export_focus(ws: Workspace, out: str | Path) -> dict[str, Any]:
    """Write every cost record as FOCUS 1.2 rows to ``out`` (CSV, UTF-8, LF). Returns the rows written and the
    file's SHA-256; the export is recorded in the audit trail."""
    path = Path(out)
    if path.suffix.lower() != ".csv":
        raise ValidationError("out", f"'{path.name}' must end in .csv (FOCUS is written as CSV)")
    out_rows: list[tuple[dict[str, str], str]] = []
    with ws.read() as s:
        codes = dict(s.execute(select(Initiative.id, Initiative.code)).all())
        shares: dict[int, list[tuple[str, Decimal]]] = defaultdict(list)
        for rec_id, init_id, share in s.execute(select(Allocation.cost_record_id, Allocation.initiative_id,
                                                       Allocation.share).order_by(Allocation.id)):
            shares[rec_id].append((codes[init_id], share))
        for rec in s.scalars(select(CostRecord).order_by(CostRecord.id)).yield_per(2000):
            base = _row(rec)
            left = Decimal(1)
            for code, share in shares.get(rec.id, []):
                out_rows.append((_scaled(base, share), code))
                left -= share
            if left != 0:
                out_rows.append((base if left == 1 else _scaled(base, left), ""))
    derived = _derive(out_rows)
    notes = _notes(out_rows)
    columns = [c for c in FOCUS_12_COLUMNS if c in MANDATORY or c in ALWAYS or any(r[c] for r, _code in out_rows)]
    columns += [SOURCE_PREFIX + c for c in ("ProviderName", "ServiceCategory", "ServiceSubcategory")
                if any(r.get(SOURCE_PREFIX + c) for r, _code in out_rows)]
    tmp = path.with_name(path.name + ".part")
    from opsdesk.domain.csv_safety import write_rows

    with tmp.open("w", encoding="utf-8", newline="") as fh:  # the one writer: text that looks like a formula escaped
        write_rows(fh, [*columns, INITIATIVE_COLUMN], ([*(row[c] for c in columns), code] for row, code in out_rows),
                   lineterminator="\n")
    rows_written = len(out_rows)
    tmp.replace(path)
    empty = sorted(c for c in columns if c in MANDATORY and not any(r[c] for r, _code in out_rows))
    missing = sorted(c for c in FOCUS_12_COLUMNS if c not in columns)
    if missing:
        derived.append("not written (no record has a value, and FOCUS 1.2 does not require them): "
                       + ", ".join(missing))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with ws.write("costs", audit_only=True) as tx:
        tx.audit("export_focus", "cost_record", "all", None,
                 {"file": path.name, "sha256": digest, "rows": rows_written, "version": "1.2"})
    return {"rows": rows_written, "sha256": digest, "path": str(path), "empty_mandatory": empty,
            "left_out": missing, "derived": derived, "notes": notes}
