"""Native cloud bills (AWS CUR legacy and 2.0, Azure EA/MCA, Google Cloud billing export) are recognised by their
columns and converted to FOCUS 1.2 rows as the FinOps Foundation's focus_converters mapping tables say. The
samples are made here from the published column lists, with made-up accounts and amounts."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.detect import detect_kind, read_path
from opsdesk.services.finance import costs
from opsdesk.services.imports import runs
from tests.ingest.conftest import write


def _csv(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


AWS_LEGACY = [
    {"identity/LineItemId": "a1", "bill/PayerAccountId": "111122223333", "bill/BillingPeriodStartDate":
     "2026-01-01T00:00:00Z", "bill/BillingPeriodEndDate": "2026-02-01T00:00:00Z", "bill/BillType": "Anniversary",
     "bill/InvoiceId": "EUINGB26-000123", "bill/InvoicingEntity": "Amazon Web Services, Inc.",
     "lineItem/UsageAccountId": "444455556666", "lineItem/LineItemType": "Usage", "lineItem/UsageStartDate": "2026-01-05T00:00:00Z",
     "lineItem/UsageEndDate": "2026-01-05T01:00:00Z", "lineItem/ProductCode": "AmazonSageMaker",
     "lineItem/UsageAmount": "2", "lineItem/CurrencyCode": "USD", "lineItem/UnblendedCost": "10.00",
     "lineItem/NetUnblendedCost": "9.50", "lineItem/LineItemDescription": "ml.g5.xlarge hours",
     "lineItem/ResourceId": "arn:aws:sagemaker:eu-west-1:444455556666:endpoint/churn",
     "lineItem/LegalEntity": "Amazon Web Services EMEA SARL", "product/region": "eu-west-1",
     "product/sku": "SKU1", "pricing/unit": "Hrs", "pricing/publicOnDemandRate": "5.50",
     "savingsPlan/SavingsPlanARN": "", "savingsPlan/SavingsPlanEffectiveCost": "", "reservation/ReservationARN": "",
     "resourceTags/user:project": "AI-0001"},
    {"identity/LineItemId": "a2", "bill/PayerAccountId": "111122223333", "bill/BillingPeriodStartDate":
     "2026-01-01T00:00:00Z", "bill/BillingPeriodEndDate": "2026-02-01T00:00:00Z", "bill/BillType": "Anniversary",
     "bill/InvoiceId": "EUINGB26-000123", "bill/InvoicingEntity": "Amazon Web Services, Inc.",
     "lineItem/UsageAccountId": "444455556666", "lineItem/LineItemType": "SavingsPlanCoveredUsage", "lineItem/UsageStartDate": "2026-01-05T00:00:00Z",
     "lineItem/UsageEndDate": "2026-01-05T01:00:00Z", "lineItem/ProductCode": "AmazonEC2",
     "lineItem/UsageAmount": "1", "lineItem/CurrencyCode": "USD", "lineItem/UnblendedCost": "4.00",
     "lineItem/NetUnblendedCost": "", "lineItem/LineItemDescription": "m5.large", "lineItem/ResourceId": "i-0abc",
     "lineItem/LegalEntity": "Amazon Web Services, Inc.", "product/region": "eu-west-1", "product/sku": "SKU2",
     "pricing/unit": "Hrs", "pricing/publicOnDemandRate": "4.00",
     "savingsPlan/SavingsPlanARN": "arn:aws:savingsplans::111122223333:savingsplan/sp-1",
     "savingsPlan/SavingsPlanEffectiveCost": "2.75", "reservation/ReservationARN": "",
     "resourceTags/user:project": ""},
]


AZURE = [{"BillingAccountId": "8611537", "BillingAccountName": "Agency", "BillingPeriodStartDate": "01/01/2026",
         "BillingPeriodEndDate": "01/31/2026", "Date": "01/15/2026", "SubscriptionId": "sub-1",
         "SubscriptionName": "AI pilots", "ConsumedService": "Microsoft.CognitiveServices",
         "MeterCategory": "Cognitive Services", "ResourceId": "/subscriptions/sub-1/rg/ai/openai",
         "ResourceLocation": "westeurope", "ChargeType": "Usage", "Frequency": "UsageBased",
         "PricingModel": "OnDemand", "Quantity": "1000", "UnitOfMeasure": "1K tokens",
         "CostInBillingCurrency": "12.345678", "BillingCurrencyCode": "EUR", "ProductName": "GPT tokens",
         "PublisherName": "Microsoft", "InvoiceId": "G012345678", "Tags": '"project": "AI-0002"'}]
GOOGLE = [{"billing_account_id": "01A2B3-C4D5E6-F7G8H9", "service.id": "6F81-5844-456A",
         "service.description": "Vertex AI", "sku.id": "AB12", "sku.description": "Prediction GPU",
         "usage_start_time": "2026-01-10 00:00:00 UTC".replace(" UTC", "Z").replace(" ", "T"),
         "usage_end_time": "2026-01-10T01:00:00Z", "project.id": "ai-pilot", "project.name": "AI pilot",
         "labels": '[{"key": "project", "value": "AI-0003"}]', "location.region": "europe-west4",
         "cost": "20.00", "currency": "EUR", "usage.amount_in_pricing_units": "1", "usage.pricing_unit": "hour",
         "credits": '[{"name": "Sustained use", "amount": -2.5}]', "invoice.month": "202601",
         "cost_type": "regular"}]


def test_aws_cur_legacy_becomes_focus(ws, tmp_path: Path):
    path = write(tmp_path, "cur.csv", _csv(AWS_LEGACY))
    assert detect_kind(path) is ImportKind.FOCUS
    parsed = read_path(path)
    assert not parsed.rejected, parsed.rejected
    assert any("AWS Cost and Usage Report (legacy)" in w.reason for w in parsed.warnings)
    unfilled = next(w for w in parsed.warnings if w.kind == "unfilled")
    assert "ContractedCost" in unfilled.reason and "BilledCost" not in unfilled.reason
    first, second = parsed.data.rows
    assert first["billed_cost"] == Decimal("9.50") and first["effective_cost"] == Decimal("10.00")
    assert first["list_cost"] == Decimal("11.00")  # publicOnDemandRate × UsageAmount
    assert first["service_category"] == "AI and Machine Learning" and first["provider_name"] == "AWS"
    assert first["billing_account_id"] == "111122223333" and first["sub_account_id"] == "444455556666"
    assert first["charge_category"] == "Usage" and first["tags"] == {"user:project": "AI-0001"}
    assert second["billed_cost"] == Decimal("4.00") and second["effective_cost"] == Decimal("2.75")
    assert second["extra"]["x_identity/LineItemId"] == "a2"  # an unmapped column is kept, not dropped
    assert first["extra"]["InvoiceId"] == "EUINGB26-000123"  # bill/InvoiceId is FOCUS's InvoiceId
    runs.import_paths(ws, [path])
    t = costs.totals(ws)
    assert t["currencies_billed"]["USD"] == Decimal("13.50") and t["currencies"]["USD"] == Decimal("12.75")


def test_aws_cur_2_columns_are_recognised(tmp_path: Path):
    rows = [{k.replace("/", "_").replace("lineItem", "line_item").replace("savingsPlan", "savings_plan")
             .replace("UsageAccountId", "usage_account_id"): v for k, v in r.items()} for r in AWS_LEGACY]
    rows = [{_snake(k): v for k, v in r.items()} for r in rows]
    parsed = read_path(write(tmp_path, "cur2.csv", _csv(rows)))
    assert any("AWS Cost and Usage Report 2.0" in w.reason for w in parsed.warnings)
    assert [r["billed_cost"] for r in parsed.data.rows] == [Decimal("9.50"), Decimal("4.00")]
    assert [r["extra"].get("InvoiceId") for r in parsed.data.rows] == ["EUINGB26-000123"] * 2  # bill_invoice_id


def _snake(name: str) -> str:
    import re

    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower().replace("__", "_")


def test_azure_cost_details_become_focus(tmp_path: Path):
    rows = AZURE
    parsed = read_path(write(tmp_path, "azure.csv", _csv(rows)))
    assert not parsed.rejected, parsed.rejected
    assert any("Azure cost details export" in w.reason for w in parsed.warnings)
    row = parsed.data.rows[0]
    assert row["billed_cost"] == row["effective_cost"] == Decimal("12.345678")
    assert row["billing_currency"] == "EUR" and row["service_category"] == "AI and Machine Learning"
    assert f"{row['charge_period_start']:%Y-%m-%d}" == "2026-01-15" and row["tags"] == {"project": "AI-0002"}
    assert row["extra"]["InvoiceId"] == "G012345678"
    assert any(w.kind == "unfilled" and "ContractedCost" in w.reason for w in parsed.warnings)


def test_google_cloud_billing_export_becomes_focus(tmp_path: Path):
    rows = GOOGLE
    parsed = read_path(write(tmp_path, "gcp.csv", _csv(rows)))
    assert not parsed.rejected, parsed.rejected
    assert any("Google Cloud billing export" in w.reason for w in parsed.warnings)
    row = parsed.data.rows[0]
    assert row["billed_cost"] == Decimal("17.50")  # cost + credits, as the mapping's SQL step adds them
    assert row["provider_name"] == "Google Cloud" and row["sub_account_id"] == "ai-pilot"
    assert row["tags"] == {"project": "AI-0003"}
    unfilled = next(w for w in parsed.warnings if w.kind == "unfilled")
    assert "EffectiveCost" in unfilled.reason  # the mapping defines none; BilledCost is used and said so
    assert any(w.column == "EffectiveCost" for w in parsed.warnings)


def test_a_metrics_file_is_still_a_metrics_file(tmp_path: Path):
    path = write(tmp_path, "m.csv", "timestamp,series,value\n2026-01-01T00:00:00Z,cost,1\n")
    assert detect_kind(path) is ImportKind.METRICS
