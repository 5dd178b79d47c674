"""FOCUS in every shape agencies have: Parquet exports, versions 1.0–1.3 detected from the columns."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.detect import detect_kind, read_path
from opsdesk.services.finance import costs
from opsdesk.services.imports import runs
from tests.conftest import TEST_DATA
from tests.ingest.conftest import write

OFFICIAL = TEST_DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv"


def _as_parquet(tmp_path: Path) -> Path:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    frame = pd.read_csv(OFFICIAL, dtype=str, keep_default_na=False)
    frame = frame.replace({"NULL": None, "": None})
    for col in ("ChargePeriodStart", "ChargePeriodEnd", "BillingPeriodStart", "BillingPeriodEnd"):
        frame[col] = pd.to_datetime(frame[col]).dt.tz_localize("UTC")
    for col in ("BilledCost", "EffectiveCost", "ListCost", "ContractedCost", "PricingQuantity"):
        frame[col] = frame[col].astype(float)
    buf = io.BytesIO()
    frame.to_parquet(buf, engine="pyarrow", index=False)
    return write(tmp_path, "focus.parquet", buf.getvalue())


def test_parquet_export_imports_like_its_csv(ws, tmp_path: Path):
    path = _as_parquet(tmp_path)
    assert detect_kind(path) is ImportKind.FOCUS
    parsed = read_path(path)
    assert not parsed.rejected and parsed.accepted == 1000
    assert any("Parquet" in w.reason for w in parsed.warnings)
    runs.import_paths(ws, [path])
    t = costs.totals(ws)
    assert abs(t["currencies_billed"]["USD"] - Decimal("20.52022672899")) < Decimal("1e-9")
    assert abs(t["currencies"]["USD"] - Decimal("14.97651418586")) < Decimal("1e-9")


def test_version_is_detected_and_unread_columns_named(tmp_path: Path):
    v10 = read_path(OFFICIAL)
    note = next(w for w in v10.warnings if w.kind == "version")
    assert "FOCUS 1.0" in note.reason and "Id" in note.reason
    v13 = write(tmp_path, "v13.csv", "ChargePeriodStart,BilledCost,EffectiveCost,BillingCurrency,ServiceProviderName,"
                                     "HostProviderName,AllocatedMethodId,ContractApplied,InvoiceId\n"
                                     "2026-01-01T00:00:00Z,5,4,USD,Acme Cloud,Acme,even,{},INV-1\n")
    parsed = read_path(v13)
    note = next(w for w in parsed.warnings if w.kind == "version")
    assert "FOCUS 1.3" in note.reason
    assert "AllocatedMethodId" in note.reason and "ContractApplied" in note.reason and "extra" in note.reason
    row = parsed.data.rows[0]
    assert row["provider_name"] == "Acme Cloud"
    assert row["extra"]["HostProviderName"] == "Acme" and row["extra"]["InvoiceId"] == "INV-1"
    v12 = write(tmp_path, "v12.csv", "ChargePeriodStart,BilledCost,BillingCurrency,PricingCurrency\n"
                                     "2026-01-01T00:00:00Z,5,USD,USD\n")
    assert "FOCUS 1.2" in next(w for w in read_path(v12).warnings if w.kind == "version").reason


def test_the_validators_own_parquet_sample_is_read_and_refused_for_what_it_lacks(ws):
    """The FinOps Foundation validator's tests/samples/sample.parquet (MIT, copied with its SOURCES.md): two rows
    in the pre-1.0 (0.5) column names InvoiceIssuer, ResourceID and ChargeType, with no cost, currency or period.
    It is read as Parquet, named as FOCUS 0.5, and refused for the 1.x columns every cost row needs."""
    pytest.importorskip("pyarrow")
    path = TEST_DATA / "focus-validator-samples" / "sample.parquet"
    assert detect_kind(path) is ImportKind.FOCUS
    parsed = read_path(path)
    reasons = [w.reason for w in parsed.warnings]
    assert "read as Parquet (2 rows, 3 columns)" in reasons
    version = next(w.reason for w in parsed.warnings if w.kind == "version")
    assert "FOCUS 0.5" in version and "ChargeType" in version and "InvoiceIssuer" in version
    assert sorted(r.column for r in parsed.rejected) == ["BilledCost", "BillingCurrency", "ChargePeriodStart"]
    report = runs.import_paths(ws, [path])
    assert not report.committed
    assert costs.totals(ws)["currencies"] == {}  # nothing imported: no money appeared
