"""Native cloud bills (AWS CUR legacy and 2.0, Azure EA/MCA cost details, Google Cloud billing export) turned
into FOCUS 1.2 rows.

Each source is recognised by its columns. The conversion follows the FinOps Foundation's ``focus_converters``
published mapping tables (``conversion_rules_export``): which source column fills which FOCUS column, and the
rules for the derived ones (BilledCost from the net unblended cost, EffectiveCost from the amortised savings-plan
and reservation columns, ChargeCategory from the line-item type…). The tables are carried over, not the code.
FOCUS columns a source cannot fill are named in the import report. Source columns the mapping does not use are
kept in ``extra`` under their own names, so no fact of the bill is dropped.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

#: The FOCUS 1.2 columns OpsDesk reads (and the export writes); the ones a converter leaves empty are reported.
FOCUS_12_MANDATORY = (
    "BilledCost", "BillingAccountId", "BillingAccountName", "BillingCurrency", "BillingPeriodEnd",
    "BillingPeriodStart", "ChargeCategory", "ChargeClass", "ChargeDescription", "ChargePeriodEnd",
    "ChargePeriodStart", "ContractedCost", "EffectiveCost", "InvoiceIssuerName", "ListCost", "PricingQuantity",
    "PricingUnit", "ProviderName", "PublisherName", "ServiceCategory", "ServiceName",
)

Row = dict[str, str]
#: Row keys that carry a tag column under its own name (``resourceTags/user:project`` → ``\0tag:user:project``).
TAG = "\0tag:"
_TAG_COLUMN = re.compile(r"^(?:resourceTags/|resource_tags_)(.+)$", re.IGNORECASE)


def key(name: str) -> str:
    """Column names compared without case, spaces, underscores, hyphens, slashes, colons or dots, so the legacy CUR
    ``lineItem/UnblendedCost`` and CUR 2.0 ``line_item_unblended_cost`` are the same column."""
    return re.sub(r"[\s_\-/:.]", "", name).lower()


@dataclass
class Converted:
    """FOCUS rows (FOCUS column name → text) with what the conversion could not do."""

    source: str
    header: list[str]
    rows: list[list[str]]
    unfilled: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Source:
    label: str
    signature: frozenset[str]
    convert: Callable[[Row], dict[str, str]]
    fills: tuple[str, ...]


def _dec(text: str | None) -> Decimal | None:
    if text is None or not text.strip() or text.strip().upper() == "NULL":
        return None
    try:
        return Decimal(text.strip().replace(",", ""))
    except InvalidOperation:
        return None


def _num(value: Decimal | None) -> str:
    return "" if value is None else format(value, "f")


def _first(row: Row, *names: str) -> str:
    for n in names:
        v = row.get(key(n), "")
        if v.strip() and v.strip().upper() != "NULL":
            return v.strip()
    return ""


# --- AWS Cost and Usage Report (legacy ``lineItem/…`` and CUR 2.0 ``line_item_…``) ------------------------------

AWS_CATEGORY = {
    "AmazonEC2": "Compute", "AWSLambda": "Compute", "AmazonECS": "Compute", "AmazonEKS": "Compute",
    "AmazonECR": "Compute", "AmazonLightsail": "Compute", "AWSOutposts": "Compute", "AmazonAppStream": "Compute",
    "AmazonS3": "Storage", "AmazonEBS": "Storage", "AmazonEFS": "Storage", "AmazonFSx": "Storage",
    "AmazonGlacier": "Storage", "AWSBackup": "Storage", "AWSStorageGateway": "Storage",
    "AmazonRDS": "Databases", "AmazonDynamoDB": "Databases", "AmazonRedshift": "Databases",
    "AmazonElastiCache": "Databases", "AmazonDocDB": "Databases", "AmazonNeptune": "Databases",
    "AmazonTimestream": "Databases", "AmazonMemoryDB": "Databases",
    "AmazonSageMaker": "AI and Machine Learning", "AmazonBedrock": "AI and Machine Learning",
    "AmazonRekognition": "AI and Machine Learning", "AmazonTextract": "AI and Machine Learning",
    "comprehend": "AI and Machine Learning", "transcribe": "AI and Machine Learning",
    "translate": "AI and Machine Learning", "AmazonKendra": "AI and Machine Learning",
    "AmazonPolly": "AI and Machine Learning", "AmazonLex": "AI and Machine Learning",
    "AmazonPersonalize": "AI and Machine Learning", "AmazonForecast": "AI and Machine Learning",
    "AWSGlue": "Analytics", "AmazonAthena": "Analytics", "AmazonKinesis": "Analytics",
    "AmazonKinesisFirehose": "Analytics", "AmazonQuickSight": "Analytics", "ElasticMapReduce": "Analytics",
    "AmazonMSK": "Analytics", "AmazonES": "Analytics", "AWSLakeFormation": "Analytics",
    "AmazonVPC": "Networking", "AWSDataTransfer": "Networking", "AmazonCloudFront": "Networking",
    "AmazonRoute53": "Networking", "AWSELB": "Networking", "AmazonApiGateway": "Networking",
    "AWSDirectConnect": "Networking", "AWSGlobalAccelerator": "Networking",
    "AWSQueueService": "Integration", "AmazonSNS": "Integration", "AmazonMQ": "Integration",
    "AmazonStates": "Integration", "AmazonMWAA": "Integration",
    "AmazonCloudWatch": "Management and Governance", "AWSCloudTrail": "Management and Governance",
    "AWSConfig": "Management and Governance", "AWSCloudFormation": "Management and Governance",
    "AWSSystemsManager": "Management and Governance", "AWSCostExplorer": "Management and Governance",
    "awskms": "Security", "AWSSecretsManager": "Security", "AmazonGuardDuty": "Security", "awswaf": "Security",
    "AWSSecurityHub": "Security", "AmazonCognito": "Security", "AWSCertificateManager": "Security",
    "AWSShield": "Security", "AmazonInspectorV2": "Security", "AmazonMacie": "Security",
    "AWSCodeCommit": "Developer Tools", "AWSCodePipeline": "Developer Tools", "CodeBuild": "Developer Tools",
    "AWSDatabaseMigrationSvc": "Migration", "AWSDataSync": "Migration", "AWSTransfer": "Migration",
    "AWSGreengrass": "Internet of Things", "AWSIoT": "Internet of Things",
}
_AWS_LOWER = {k.lower(): v for k, v in AWS_CATEGORY.items()}
AWS_CHARGE_CATEGORY = {
    "tax": "Tax", "fee": "Purchase", "savingsplanupfrontfee": "Purchase", "rifee": "Purchase",
    "savingsplanrecurringfee": "Purchase", "usage": "Usage", "savingsplancoveredusage": "Usage",
    "savingsplannegation": "Usage", "discountedusage": "Usage", "bundleddiscount": "Usage", "discount": "Usage",
    "privateratediscount": "Usage", "edpdiscount": "Usage", "credit": "Credit", "refund": "Adjustment",
}
AWS_FREQUENCY = {"refund": "One-Time", "purchase": "One-Time", "anniversary": "Recurring"}


def _aws(row: Row) -> dict[str, str]:
    kind = _first(row, "lineItem/LineItemType")
    k = kind.lower()
    unblended = _dec(_first(row, "lineItem/UnblendedCost"))
    net = _dec(_first(row, "lineItem/NetUnblendedCost"))
    billed = net if net is not None else unblended
    sp_arn = _first(row, "savingsPlan/SavingsPlanARN")
    ri_arn = _first(row, "reservation/ReservationARN")
    # EffectiveCost: the amortised cost, as the mapping's SQL_QUERY step computes it
    if k == "savingsplancoveredusage":
        effective = _dec(_first(row, "savingsPlan/SavingsPlanEffectiveCost"))
    elif k == "savingsplanrecurringfee":
        total, used = (_dec(_first(row, "savingsPlan/TotalCommitmentToDate")),
                       _dec(_first(row, "savingsPlan/UsedCommitment")))
        effective = (total - used) if total is not None and used is not None else None
    elif k in ("savingsplannegation", "savingsplanupfrontfee") or (k == "fee" and ri_arn):
        effective = Decimal(0)
    elif k == "discountedusage":
        effective = _dec(_first(row, "reservation/EffectiveCost"))
    elif k == "rifee":
        a, b = (_dec(_first(row, "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod")),
                _dec(_first(row, "reservation/UnusedRecurringFee")))
        effective = (a or Decimal(0)) + (b or Decimal(0)) if a is not None or b is not None else None
    else:
        effective = unblended
    rate, amount = _dec(_first(row, "pricing/publicOnDemandRate")), _dec(_first(row, "lineItem/UsageAmount"))
    list_cost = rate * amount if rate is not None and amount is not None else _dec(
        _first(row, "pricing/publicOnDemandCost"))
    product = _first(row, "lineItem/ProductCode")
    category = AWS_CHARGE_CATEGORY.get(k, "")
    frequency = AWS_FREQUENCY.get(_first(row, "bill/BillType").lower(), "Usage-Based" if category == "Usage" else "")
    tags = {}
    for name, value in row.items():
        if name.startswith(TAG) and value.strip():
            tags[name[len(TAG):]] = value.strip()
    raw_tags = row.get("resourcetags", "").strip()
    if raw_tags:
        try:
            parsed = json.loads(raw_tags)
            if isinstance(parsed, dict):
                tags.update({str(a): str(b) for a, b in parsed.items()})
        except ValueError:
            tags["_raw"] = raw_tags
    return {
        "BilledCost": _num(billed), "EffectiveCost": _num(effective), "ListCost": _num(list_cost),
        "BillingAccountId": _first(row, "bill/PayerAccountId"),
        "BillingAccountName": _first(row, "bill/PayerAccountName"),
        "SubAccountId": _first(row, "lineItem/UsageAccountId"),
        "SubAccountName": _first(row, "lineItem/UsageAccountName"),
        "BillingCurrency": _first(row, "lineItem/CurrencyCode"),
        "BillingPeriodStart": _first(row, "bill/BillingPeriodStartDate"),
        "BillingPeriodEnd": _first(row, "bill/BillingPeriodEndDate"),
        "ChargePeriodStart": _first(row, "lineItem/UsageStartDate"),
        "ChargePeriodEnd": _first(row, "lineItem/UsageEndDate"),
        "ChargeDescription": _first(row, "lineItem/LineItemDescription"),
        "ChargeCategory": category, "ChargeFrequency": frequency,
        "CommitmentDiscountId": sp_arn or ri_arn,
        "CommitmentDiscountCategory": "Spend" if sp_arn else ("Usage" if ri_arn else ""),
        "CommitmentDiscountType": "Savings Plan" if sp_arn else ("Reserved Instances (RI)" if ri_arn else ""),
        "InvoiceId": _first(row, "bill/InvoiceId"), "InvoiceIssuerName": _first(row, "bill/InvoicingEntity"),
        "PublisherName": _first(row, "lineItem/LegalEntity"),
        "ProviderName": "AWS",
        "PricingQuantity": _first(row, "reservation/TotalReservedUnits", "lineItem/UsageAmount"),
        "PricingUnit": _first(row, "pricing/unit"),
        "ConsumedQuantity": _first(row, "lineItem/UsageAmount"),
        "ConsumedUnit": _first(row, "pricing/unit"),
        "ListUnitPrice": _first(row, "pricing/publicOnDemandRate"),
        "RegionId": _first(row, "product/regionCode", "product/region"),
        "AvailabilityZone": _first(row, "lineItem/AvailabilityZone"),
        "ResourceId": _first(row, "lineItem/ResourceId"),
        "ServiceName": _first(row, "product/ProductName") or product,
        "ServiceCategory": _AWS_LOWER.get(product.lower(), "Other" if product else ""),
        "SkuId": _first(row, "product/sku"),
        "SkuPriceId": _first(row, "pricing/RateCode", "pricing/RateId"),
        "Tags": json.dumps(tags, sort_keys=True) if tags else "",
    }


AWS_USES = ("lineItem/LineItemType", "lineItem/UnblendedCost", "lineItem/NetUnblendedCost",
            "savingsPlan/SavingsPlanARN", "reservation/ReservationARN", "savingsPlan/SavingsPlanEffectiveCost",
            "savingsPlan/TotalCommitmentToDate", "savingsPlan/UsedCommitment", "reservation/EffectiveCost",
            "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", "reservation/UnusedRecurringFee",
            "pricing/publicOnDemandRate", "lineItem/UsageAmount", "pricing/publicOnDemandCost",
            "lineItem/ProductCode", "bill/BillType", "bill/PayerAccountId", "bill/PayerAccountName",
            "lineItem/UsageAccountId", "lineItem/UsageAccountName", "lineItem/CurrencyCode",
            "bill/BillingPeriodStartDate", "bill/BillingPeriodEndDate", "lineItem/UsageStartDate",
            "lineItem/UsageEndDate", "lineItem/LineItemDescription", "bill/InvoiceId", "bill/InvoicingEntity",
            "lineItem/LegalEntity",
            "reservation/TotalReservedUnits", "pricing/unit", "product/regionCode", "product/region",
            "lineItem/AvailabilityZone", "lineItem/ResourceId", "product/ProductName", "product/sku",
            "pricing/RateCode", "pricing/RateId", "resourceTags")

# --- Azure cost details (EA and MCA) -----------------------------------------------------------------------------

AZURE_CATEGORY = {
    "microsoft.compute": "Compute", "microsoft.web": "Web", "microsoft.containerservice": "Compute",
    "microsoft.containerinstance": "Compute", "microsoft.storage": "Storage", "microsoft.sql": "Databases",
    "microsoft.documentdb": "Databases", "microsoft.dbforpostgresql": "Databases",
    "microsoft.dbformysql": "Databases", "microsoft.cache": "Databases",
    "microsoft.cognitiveservices": "AI and Machine Learning",
    "microsoft.machinelearningservices": "AI and Machine Learning", "microsoft.synapse": "Analytics",
    "microsoft.databricks": "Analytics", "microsoft.datafactory": "Analytics", "microsoft.kusto": "Analytics",
    "microsoft.network": "Networking", "microsoft.cdn": "Networking", "microsoft.insights": "Management and Governance",
    "microsoft.operationalinsights": "Management and Governance", "microsoft.keyvault": "Security",
    "microsoft.security": "Security", "microsoft.servicebus": "Integration", "microsoft.eventhub": "Analytics",
    "microsoft.logic": "Integration", "microsoft.devices": "Internet of Things",
}
AZURE_CHARGE = {"usage": "Usage", "purchase": "Purchase", "refund": "Credit", "tax": "Tax",
                "roundingadjustment": "Adjustment", "unusedreservation": "Usage", "unusedsavingsplan": "Usage"}
AZURE_FREQUENCY = {"onetime": "One-Time", "recurring": "Recurring", "usagebased": "Usage-Based"}
AZURE_PRICING = {"ondemand": "Standard", "spot": "Dynamic", "reservation": "Committed", "savingsplan": "Committed",
                 "savingsplans": "Committed"}


def _azure_date(text: str) -> str:
    """Azure writes MM/DD/YYYY (the mapping's ``%m/%d/%Y``) or ISO dates; both become ISO 8601 UTC."""
    text = text.strip()
    m = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})", text)
    if m:
        return f"{int(m.group(3)):04d}-{int(m.group(1)):02d}-{int(m.group(2)):02d}T00:00:00Z"
    return text


def _next_day(iso: str) -> str:
    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return ""
    return f"{day + dt.timedelta(days=1):%Y-%m-%d}T00:00:00Z"


def _azure_tags(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    candidate = text if text.startswith("{") else "{" + text + "}"
    try:
        value = json.loads(candidate)
    except ValueError:
        return json.dumps({"_raw": text})
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else json.dumps({"_raw": text})


def _azure(row: Row) -> dict[str, str]:
    cost = _first(row, "CostInBillingCurrency", "Cost", "PreTaxCost")
    day = _azure_date(_first(row, "Date", "UsageDateTime", "UsageDate"))
    service = _first(row, "ConsumedService", "MeterCategory")
    charge = _first(row, "ChargeType")
    pricing = _first(row, "PricingModel")
    return {
        "BilledCost": cost, "EffectiveCost": cost,
        "BillingAccountId": _first(row, "BillingAccountId"), "BillingAccountName": _first(row, "BillingAccountName"),
        "BillingCurrency": _first(row, "BillingCurrencyCode", "BillingCurrency", "Currency"),
        "BillingPeriodStart": _azure_date(_first(row, "BillingPeriodStartDate")),
        "BillingPeriodEnd": _azure_date(_first(row, "BillingPeriodEndDate")),
        "ChargePeriodStart": day, "ChargePeriodEnd": _next_day(day) if day else "",
        "ChargeDescription": _first(row, "ProductName", "Product"),
        "ChargeCategory": AZURE_CHARGE.get(charge.lower(), charge and "Usage"),
        "ChargeFrequency": AZURE_FREQUENCY.get(_first(row, "Frequency").lower(), ""),
        "PricingCategory": AZURE_PRICING.get(pricing.lower().replace(" ", ""), "Other" if pricing else ""),
        "CommitmentDiscountName": _first(row, "benefitName"),
        "CommitmentDiscountId": _first(row, "benefitId", "ReservationId"),
        "InvoiceId": _first(row, "InvoiceId"), "InvoiceIssuerName": "Microsoft", "ProviderName": "Microsoft",
        "PublisherName": _first(row, "PublisherName") or "Microsoft",
        "RegionName": _first(row, "ResourceLocation"),
        "ResourceId": _first(row, "ResourceId", "InstanceId", "InstanceName"),
        "ResourceName": _first(row, "ResourceName"),
        "ServiceName": service,
        "ServiceCategory": AZURE_CATEGORY.get(service.lower(), "Other" if service else ""),
        "SubAccountId": _first(row, "SubscriptionId", "SubscriptionGuid"),
        "SubAccountName": _first(row, "SubscriptionName"),
        "PricingQuantity": _first(row, "Quantity", "UsageQuantity"),
        "PricingUnit": _first(row, "UnitOfMeasure"),
        "ConsumedQuantity": _first(row, "Quantity", "UsageQuantity"),
        "ConsumedUnit": _first(row, "UnitOfMeasure"),
        "SkuId": _first(row, "ProductId", "MeterId"),
        "Tags": _azure_tags(_first(row, "Tags")),
    }


AZURE_USES = ("CostInBillingCurrency", "Cost", "PreTaxCost", "Date", "UsageDateTime", "UsageDate", "ConsumedService",
              "MeterCategory", "ChargeType", "PricingModel", "BillingAccountId", "BillingAccountName",
              "BillingCurrencyCode", "BillingCurrency", "Currency", "BillingPeriodStartDate", "BillingPeriodEndDate",
              "ProductName", "Product", "Frequency", "benefitName", "benefitId", "ReservationId", "PublisherName",
              "ResourceLocation", "ResourceId", "InstanceId", "InstanceName", "ResourceName", "SubscriptionId",
              "SubscriptionGuid", "SubscriptionName", "Quantity", "UsageQuantity", "UnitOfMeasure", "ProductId",
              "MeterId", "InvoiceId", "Tags")

# --- Google Cloud billing export ---------------------------------------------------------------------------------

GCP_CATEGORY = {
    "compute engine": "Compute", "kubernetes engine": "Compute", "cloud run": "Compute", "cloud functions": "Compute",
    "app engine": "Compute", "cloud storage": "Storage", "filestore": "Storage", "cloud sql": "Databases",
    "cloud spanner": "Databases", "firestore": "Databases", "cloud bigtable": "Databases", "memorystore": "Databases",
    "bigquery": "Analytics", "dataflow": "Analytics", "dataproc": "Analytics", "pub/sub": "Integration",
    "cloud pub/sub": "Integration", "vertex ai": "AI and Machine Learning", "cloud vision api": "AI and Machine Learning",
    "cloud natural language api": "AI and Machine Learning", "cloud translation api": "AI and Machine Learning",
    "networking": "Networking", "cloud dns": "Networking", "cloud cdn": "Networking", "cloud logging": "Management and Governance",
    "cloud monitoring": "Management and Governance", "secret manager": "Security",
    "cloud key management service (kms)": "Security",
}
GCP_CHARGE = {"tax": "Tax", "regular": "Usage", "adjustment": "Adjustment", "rounding_error": "Adjustment"}


def _gcp_month(text: str) -> tuple[str, str]:
    """invoice.month (YYYYMM, in America/Los_Angeles as the mapping says) → billing period start and end in UTC."""
    m = re.match(r"^(\d{4})(\d{2})$", text.strip())
    if not m:
        return "", ""
    from zoneinfo import ZoneInfo

    try:
        zone: dt.tzinfo = ZoneInfo("America/Los_Angeles")
    except Exception:  # no time-zone database on this machine: Pacific Standard Time
        zone = dt.timezone(dt.timedelta(hours=-8))
    year, month = int(m.group(1)), int(m.group(2))
    start = dt.datetime(year, month, 1, tzinfo=zone)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=zone)
    return (start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            end.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def _gcp_credits(text: str) -> Decimal:
    total = Decimal(0)
    if not text.strip():
        return total
    try:
        value = json.loads(text)
    except ValueError:
        return total
    for credit in value if isinstance(value, list) else []:
        if isinstance(credit, dict):
            amount = _dec(str(credit.get("amount", "")))
            total += amount or Decimal(0)
    return total


def _gcp_labels(text: str) -> str:
    if not text.strip():
        return ""
    try:
        value = json.loads(text)
    except ValueError:
        return json.dumps({"_raw": text})
    if isinstance(value, list):
        return json.dumps({str(x.get("key")): x.get("value") for x in value if isinstance(x, dict)}, sort_keys=True)
    return json.dumps(value, sort_keys=True) if isinstance(value, dict) else ""


def _gcp(row: Row) -> dict[str, str]:
    cost = _dec(_first(row, "cost"))
    billed = cost + _gcp_credits(row.get(key("credits"), "")) if cost is not None else None
    start, end = _gcp_month(_first(row, "invoice.month"))
    service = _first(row, "service.description")
    return {
        "BilledCost": _num(billed),
        "BillingAccountId": _first(row, "billing_account_id"), "BillingCurrency": _first(row, "currency"),
        "BillingPeriodStart": start, "BillingPeriodEnd": end,
        "ChargePeriodStart": _first(row, "usage_start_time"), "ChargePeriodEnd": _first(row, "usage_end_time"),
        "ChargeCategory": GCP_CHARGE.get(_first(row, "cost_type").lower(), "Usage"),
        "ChargeDescription": _first(row, "sku.description"),
        "ListCost": _first(row, "cost_at_list"),
        "ProviderName": "Google Cloud", "PublisherName": _first(row, "seller_name") or "Google Cloud",
        "InvoiceIssuerName": "Google Cloud",
        "RegionId": _first(row, "location.region", "location.location"),
        "AvailabilityZone": _first(row, "location.zone"),
        "ResourceId": _first(row, "resource.global_name"), "ResourceName": _first(row, "resource.name"),
        "ServiceName": service,
        "ServiceCategory": GCP_CATEGORY.get(service.lower(), "Other" if service else ""),
        "SubAccountId": _first(row, "project.id"), "SubAccountName": _first(row, "project.name"),
        "SkuId": _first(row, "sku.id"),
        "PricingQuantity": _first(row, "usage.amount_in_pricing_units"),
        "PricingUnit": _first(row, "usage.pricing_unit"),
        "ConsumedQuantity": _first(row, "usage.amount"), "ConsumedUnit": _first(row, "usage.unit"),
        "Tags": _gcp_labels(row.get(key("labels"), "")),
    }


GCP_USES = ("cost", "credits", "invoice.month", "service.description", "billing_account_id", "currency",
            "usage_start_time", "usage_end_time", "cost_type", "sku.description", "cost_at_list", "seller_name",
            "location.region", "location.location", "location.zone", "resource.global_name", "resource.name",
            "project.id", "project.name", "sku.id", "usage.amount_in_pricing_units", "usage.pricing_unit",
            "usage.amount", "usage.unit", "labels")

SOURCES = (
    Source("AWS Cost and Usage Report 2.0",
           frozenset({"lineitemunblendedcost", "lineitemusagestartdate", "billpayeraccountid"}), _aws, AWS_USES),
    Source("Azure cost details export (EA/MCA)", frozenset({"costinbillingcurrency", "date", "subscriptionid"}),
           _azure, AZURE_USES),
    Source("Azure cost details export (EA, legacy)", frozenset({"pretaxcost", "usagedatetime", "subscriptionguid"}),
           _azure, AZURE_USES),
    Source("Azure usage details export (EA)", frozenset({"cost", "date", "metercategory", "subscriptionid"}),
           _azure, AZURE_USES),
    Source("Google Cloud billing export", frozenset({"cost", "currency", "usagestarttime", "servicedescription"}),
           _gcp, GCP_USES),
)


def recognise(header: list[str]) -> Source | None:
    keys = {key(h) for h in header}
    for source in SOURCES:
        if source.signature <= keys:
            if source.convert is _aws:
                legacy = any("/" in h for h in header)
                return Source("AWS Cost and Usage Report (legacy)" if legacy else source.label, source.signature,
                              source.convert, source.fills)
            return source
    return None


def convert(source: Source, header: list[str], rows: list[tuple[int, list[str]]]) -> Converted:
    """FOCUS rows from the source rows; columns the mapping does not use travel on as extra columns."""
    keys = [key(h) for h in header]
    used_keys = {key(u) for u in source.fills}
    extra = [(i, h) for i, (h, k) in enumerate(zip(header, keys, strict=True))
             if k not in used_keys and not k.startswith("resourcetags") and h]
    focus_rows: list[dict[str, str]] = []
    tag_columns = [(i, m.group(1)) for i, h in enumerate(header) if (m := _TAG_COLUMN.match(h))]
    for _line, fields in rows:
        row = {k: v for k, v in zip(keys, fields, strict=False)}
        for i, tag in tag_columns:
            if i < len(fields):
                row[TAG + tag] = fields[i]
        focus_rows.append(source.convert(row))
    focus_cols = list(dict.fromkeys(c for r in focus_rows[:1] for c in r)) or list(source.convert({}))
    filled = {c for r in focus_rows for c, v in r.items() if v}
    unfilled = [c for c in FOCUS_12_MANDATORY if c not in filled]
    extra_names = [f"x_{h}" if not h.startswith("x_") else h for _i, h in extra]
    out_header = focus_cols + extra_names
    out_rows = [[r.get(c, "") for c in focus_cols] + [fields[i] if i < len(fields) else "" for i, _h in extra]
                for r, (_line, fields) in zip(focus_rows, rows, strict=True)]
    return Converted(source.label, out_header, out_rows, unfilled)
