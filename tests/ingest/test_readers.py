"""Each reader on the real files copied from shared/data (see tests/data/README.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.detect import detect_kind, read_path
from tests.ingest.conftest import DATA, write


def test_focus_official_sample_reads_every_row_with_its_defects():
    parsed = read_path(DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv")
    assert parsed.kind is ImportKind.FOCUS and parsed.accepted == 1000 and not parsed.rejected
    rows = parsed.data.rows
    first = rows[0]
    assert first["charge_period_start"] == dt.datetime(2024, 9, 18, 22, tzinfo=dt.UTC)
    assert isinstance(first["billed_cost"], Decimal) and first["billed_cost"] == Decimal("0.00000080000")
    assert first["tags"] == {} and first["list_cost"] == Decimal("0.0000008")  # NULL tags → no tags
    assert "Id" in first["extra"] and "AvailabilityZone" not in first["extra"]  # NULL extras are not kept
    assert any(r["billed_cost"] < 0 for r in rows), "credits stay negative"
    assert any(r["tags"].get("environment") == "dev" for r in rows)
    kinds = {w.kind for w in parsed.warnings}
    assert "timezone" in kinds  # "2024-09-18 22:00:00" has no T and no Z
    assert any("Usage-based" in w.reason and "Usage-Based" in w.reason for w in parsed.warnings)
    assert all(r["extra"].get("ChargeFrequency") != "Usage-based" for r in rows)


def test_focus_spec_example_with_us_dates_and_dollar_amounts():
    parsed = read_path(DATA / "focus-spec-examples" / "simple_saas_agreements_c.csv")
    assert parsed.accepted == 3 and not parsed.rejected
    row = parsed.data.rows[0]
    assert row["billed_cost"] == Decimal("10100.00")  # "$10,100.00 "
    assert row["charge_period_start"] == dt.datetime(2025, 4, 1, tzinfo=dt.UTC)  # 4/1/25
    assert {"number", "format"} <= {w.kind for w in parsed.warnings}


def test_focus_spec_example_with_bom_and_crlf_keeps_virtual_currency_columns():
    parsed = read_path(DATA / "focus-spec-examples" / "virtual_currency_pricing_model_a2.csv")
    assert parsed.accepted == 3 and not parsed.rejected
    row = parsed.data.rows[0]
    assert row["billed_cost"] == Decimal("0.00") and row["effective_cost"] == Decimal("490.00")
    assert row["extra"]["PricingCurrency"] == "Token"
    assert not any(k.startswith("\ufeff") for k in row["extra"])


def test_focus_fragment_without_currency_is_refused_as_a_whole():
    parsed = read_path(DATA / "focus-spec-examples" / "commitment_discount_purchase_scenario_1.csv",
                       ImportKind.FOCUS)
    assert parsed.fatal and parsed.accepted == 0
    assert parsed.rejected[0].column == "BillingCurrency" and "missing" in parsed.rejected[0].reason


def test_focus_several_currencies_and_short_lines(tmp_path: Path):
    parsed = read_path(DATA / "focus-validator-samples" / "all_pass_0.5.csv", ImportKind.FOCUS)
    assert {r["billing_currency"] for r in parsed.data.rows} == {"AUD", "USD"}
    assert any(w.kind == "currency" for w in parsed.warnings)
    cut = read_path(DATA / "focus-validator-samples" / "billedCostTest.csv", ImportKind.FOCUS)
    assert cut.rejected and all(i.reason for i in cut.rejected)


def test_focus_x_columns_and_bad_amounts_with_line_and_column(tmp_path: Path):
    path = write(tmp_path, "export.csv",
                 "ChargePeriodStart,ChargePeriodEnd,BilledCost,EffectiveCost,BillingCurrency,ServiceName,x_Team,Env\r\n"
                 "2026-01-01T00:00:00Z,2026-02-01T00:00:00Z,12.50,12.50,EUR,=cmd|' /C calc'!A0,ml,prod\r\n"
                 "2026-01-01T00:00:00Z,2026-02-01T00:00:00Z,twelve,12.50,EUR,Compute,ml,prod\r\n"
                 "2026-01-01T00:00:00Z,2026-02-01T00:00:00Z,-3.10,-3.10,usd,Compute,ml,prod\r\n")
    parsed = read_path(path)
    assert parsed.kind is ImportKind.FOCUS and parsed.accepted == 2
    (bad,) = parsed.rejected
    assert (bad.line, bad.column) == (3, "BilledCost") and "'twelve' is not a number" in bad.reason
    first, credit = parsed.data.rows
    assert first["service_name"] == "=cmd|' /C calc'!A0"  # stored as text, never evaluated
    assert first["extra"] == {"x_Team": "ml", "Env": "prod"}
    assert credit["billing_currency"] == "USD" and credit["effective_cost"] == Decimal("-3.10")


def test_metrics_csv_and_its_rejections(tmp_path: Path):
    path = write(tmp_path, "m.csv", "timestamp,initiative,metric,value,unit\n"
                                    "2026-01-01T00:00:00Z,AI-0001,Latency,120,ms\n"
                                    "2026-01-02 00:00:00,AI-0001,Latency,130,ms\n"
                                    "yesterday,AI-0001,Latency,1,ms\n"
                                    "2026-01-03T00:00:00Z,AI-0001,Latency,=1+2,ms\n"
                                    "2026-01-04T00:00:00Z,AI-0001,Latency,\"1,250\",ms\n"
                                    "2026-01-05T00:00:00Z,AI-0001,Latency,nan,ms\n")
    parsed = read_path(path)
    assert parsed.kind is ImportKind.METRICS and parsed.accepted == 3
    reasons = {(i.line, i.column): i.reason for i in parsed.rejected}
    assert "not a date and time" in reasons[(4, "timestamp")]
    assert "formula" in reasons[(5, "value")] and "never evaluated" in reasons[(5, "value")]
    assert "finite" in reasons[(7, "value")]
    assert {"timezone", "number"} <= {w.kind for w in parsed.warnings}
    assert parsed.data.values.tolist() == [120.0, 130.0, 1250.0]
    assert parsed.data.ts.tolist()[0] == int(dt.datetime(2026, 1, 1, tzinfo=dt.UTC).timestamp())


def test_metrics_xlsx_through_openpyxl(tmp_path: Path):
    import openpyxl

    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.append(["Timestamp", "Series", "Value", "Unit"])
    sheet.append([dt.datetime(2026, 3, 1, 12, 0), "Pipeline success rate", 99.5, "%"])
    sheet.append([dt.datetime(2026, 3, 2, 12, 0), "Pipeline success rate", "=A1*2", "%"])
    sheet.append([dt.datetime(2026, 3, 3, 12, 0), "Pipeline success rate", 97, "furlongs"])
    path = tmp_path / "metrics.xlsx"
    wb.save(path)
    assert detect_kind(path) is ImportKind.METRICS
    parsed = read_path(path)
    assert parsed.accepted == 2
    assert parsed.rejected[0].line == 3 and "formula" in parsed.rejected[0].reason
    assert {"timezone", "unit"} <= {w.kind for w in parsed.warnings}


def test_mlflow_file_store_runs_metrics_and_registry():
    parsed = read_path(DATA / "mlflow-generated-filestore" / "mlruns")
    assert parsed.kind is ImportKind.MLFLOW and not parsed.rejected
    data = parsed.data
    assert {r.status for r in data.runs} == {"FINISHED", "FAILED"}
    run = next(r for r in data.runs if r.name == "lr-0.1")
    assert run.params["notes"] == "café – unicode ✓" and run.tags["owner"] == "data-science"
    assert [s for _t, s, _v in run.metrics["train/loss"]] == [0, 1, 2, 3, 4]  # nested metric name
    assert "grad_norm" in run.metrics and not run.metrics["grad_norm"]  # NaN left out …
    assert any("NaN" in w.reason for w in parsed.warnings)  # … and said so
    assert [(v.version, v.aliases) for v in data.versions] == [("1", []), ("2", ["champion"])]
    assert data.versions[0].tags == {"deprecated": "true", "validated": "true"}


def test_mlflow_old_file_store_and_sqlite_store():
    old = read_path(DATA / "mlflow-mlruns-packt" / "mlruns")
    assert len(old.data.runs) == 2 and all(r.status == "FINISHED" for r in old.data.runs)
    db = DATA / "mlflow-generated-sqlite" / "mlflow.db"
    assert detect_kind(db) is ImportKind.MLFLOW
    parsed = read_path(db)
    assert {r.name for r in parsed.data.runs} == {"lr-0.1", "lr-0.01", "crashed"}
    assert next(v for v in parsed.data.versions if v.version == "2").aliases == ["champion"]
    # 26 rows less 2 NaN; the extra val_auc logged within the same second as step 0 (at step 2) is kept too
    assert sum(len(h) for r in parsed.data.runs for h in r.metrics.values()) == 24
    assert not any(w.kind == "duplicate" for w in parsed.warnings)
    run = next(r for r in parsed.data.runs if r.name == "lr-0.1")
    assert [(s, v) for _t, s, v in run.metrics["val_auc"]][:3] == [(0, 0.5), (2, 0.81), (1, 0.55)]


def test_openlineage_marquez_seed_without_schema_url():
    parsed = read_path(DATA / "marquez-openlineage-seed" / "metadata.json")
    assert parsed.kind is ImportKind.OPENLINEAGE and parsed.accepted == 26 and not parsed.rejected
    assert any("schemaURL" in w.reason for w in parsed.warnings)
    events = parsed.data.events
    assert events[0].line == 2 and events[0].job_name == "etl_menus"
    assert any(e.inputs and e.outputs for e in events)


def test_openlineage_ndjson_and_events_without_a_job(tmp_path: Path):
    good = (DATA / "openlineage" / "serde_example_run_event.json").read_text().replace("\n", " ").strip()
    path = write(tmp_path, "events.ndjson", good + "\n{not json\n" + '{"eventTime": "2026-01-01T00:00:00Z"}\n')
    parsed = read_path(path)
    assert parsed.kind is ImportKind.OPENLINEAGE and parsed.accepted == 1
    assert [(i.line, i.column) for i in parsed.rejected] == [(2, ""), (3, "job")]
    dataset_event = read_path(DATA / "openlineage" / "serde_example_dataset_event.json", ImportKind.OPENLINEAGE)
    # a DatasetEvent needs no job: it is static lineage (see test_more_tool_outputs)
    assert not dataset_event.rejected and [d.name for d in dataset_event.data.datasets] == ["name"]


def test_gx_results_1x_and_legacy_0x():
    current = read_path(DATA / "great-expectations-results" / "gx_validation_result_complete.json")
    assert current.kind is ImportKind.GX
    (point,) = current.data.points
    assert point.asset == "orders" and round(point.score, 2) == 42.86 and point.failed == 4
    legacy = read_path(DATA / "great-expectations-results" / "BasicDatasetProfiler_evrs.json")
    (old,) = legacy.data.points
    assert old.at == dt.datetime(2020, 3, 22, 17, 2, 47, 671855, tzinfo=dt.UTC) and round(old.score, 1) == 84.3
    broken = read_path(DATA / "great-expectations-results" / "BasicDatasetProfiler_evrs_with_exception.json")
    assert broken.accepted == 0 and "validation time" in broken.rejected[0].reason
    checkpoint = read_path(DATA / "great-expectations-results" / "gx_checkpoint_result.json")
    # a GX 1.x CheckpointResult summary: the asset from the expectations' batch id (see test_more_tool_outputs)
    assert checkpoint.accepted == 1 and not checkpoint.rejected


def test_unknown_or_missing_file_is_refused_with_a_reason(tmp_path: Path):
    path = write(tmp_path, "notes.json", '{"hello": "world"}')
    parsed = read_path(path)
    assert parsed.fatal and "cannot tell" in parsed.rejected[0].reason
    missing = read_path(tmp_path / "nope.csv")
    assert missing.fatal and "no file or folder" in missing.rejected[0].reason
