"""The pipeline as a user meets it: preview, commit in one transaction, batches, duplicates, partial runs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from opsdesk.domain.enums import NodeKind, SubjectKind
from opsdesk.errors import ImportCancelled
from opsdesk.services.finance import costs
from opsdesk.services.imports import runs
from opsdesk.services.registry import metrics
from opsdesk.store import audit
from opsdesk.store.models import (
    CostRecord,
    DataAsset,
    ImportBatch,
    Job,
    LineageLink,
    MetricPoint,
    MetricSeries,
    Model,
)
from tests.ingest.conftest import DATA, workspace_state, write

METRICS = ("timestamp,initiative,metric,value,unit\n"
           "2026-01-01T00:00:00Z,AI-0001,Data quality score,97.5,%\n"
           "2026-01-02T00:00:00Z,AI-0001,Data quality score,98.0,%\n"
           "2026-01-02T00:00:00Z,AI-0002,Inference latency p95,210,ms\n")


def test_preview_changes_nothing_and_commit_points_every_row_at_its_batch(ws2, tmp_path: Path):
    path = write(tmp_path, "metrics.csv", METRICS)
    before = workspace_state(ws2)
    plan = runs.preview(ws2, [path])
    assert workspace_state(ws2) == before
    assert plan.report().accepted == 3 and plan.files[0].preview
    report = runs.commit(ws2, plan)
    assert report.committed and report.batch_id is not None
    with ws2.read() as s:
        batch = s.get(ImportBatch, report.batch_id)
        assert (batch.kind.value, batch.file_name, batch.accepted, batch.rejected) == ("metrics", "metrics.csv", 3, 0)
        assert len(batch.sha256) == 64 and batch.actor == "tester" and batch.imported_at is not None
        assert {p.batch_id for p in s.scalars(select(MetricPoint))} == {batch.id}
    series = {s.name: s for s in metrics.list_series(ws2, "AI-0001")}
    assert series["Data quality score"].unit == "%"
    assert audit.verify(ws2).ok


def test_the_same_file_again_changes_nothing_and_says_so(ws2, tmp_path: Path):
    path = write(tmp_path, "metrics.csv", METRICS)
    first = runs.import_paths(ws2, [path])
    before = workspace_state(ws2)
    again = runs.import_paths(ws2, [write(tmp_path, "renamed.csv", METRICS)])
    assert not again.committed and workspace_state(ws2) == before
    assert again.files[0].status == "duplicate" and again.files[0].batch_id == first.batch_id
    assert "already imported" in again.files[0].message and "nothing" in again.message


def test_a_file_with_rejections_is_refused_unless_the_user_accepts_a_partial_import(ws2, tmp_path: Path):
    path = write(tmp_path, "metrics.csv", METRICS + "2026-01-03T00:00:00Z,AI-0009,Data quality score,90,%\n"
                                                    "2026-01-03T00:00:00Z,AI-0001,Data quality score,90,ratio\n")
    before = workspace_state(ws2)
    report = runs.import_paths(ws2, [path])
    assert not report.committed and workspace_state(ws2) == before
    reasons = {(i.line, i.column): i.reason for i in report.rejected}
    assert "AI-0009 does not exist" in reasons[(5, "initiative")]
    assert "given in '%' earlier in this file, not 'ratio'" in reasons[(6, "unit")]
    assert "nothing was imported" in report.message
    partial = runs.import_paths(ws2, [path], accept_partial=True)
    assert partial.committed and partial.accepted == 3
    with ws2.read() as s:
        assert s.scalar(select(ImportBatch.rejected).where(ImportBatch.id == partial.batch_id)) == 2


def test_a_unit_that_contradicts_the_series_is_rejected(ws2, tmp_path: Path):
    runs.import_paths(ws2, [write(tmp_path, "a.csv", METRICS)])
    report = runs.import_paths(ws2, [write(tmp_path, "b.csv", "timestamp,initiative,metric,value,unit\n"
                                                           "2026-02-01T00:00:00Z,AI-0001,Data quality score,0.9,ratio\n")])
    assert not report.committed and "measured in '%', not 'ratio'" in report.rejected[0].reason


def test_cancelling_a_commit_leaves_nothing_half_written(ws2, tmp_path: Path):
    class CancelOnFirstProgress:
        def __init__(self) -> None:
            self.calls = 0

        def progress(self, done: int, total: int, text: str = "") -> None:
            self.calls += 1

        @property
        def cancelled(self) -> bool:
            return self.calls > 0

    plan = runs.preview(ws2, [write(tmp_path, "metrics.csv", METRICS),
                                 DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv"])
    before = workspace_state(ws2)
    with pytest.raises(ImportCancelled):
        runs.commit(ws2, plan, progress=CancelOnFirstProgress())
    assert workspace_state(ws2) == before


def test_focus_import_allocates_and_keeps_money_exact(ws2, tmp_path: Path):
    from opsdesk.services.finance import allocation_rules

    allocation_rules.create_rule(ws2, {"name": "Lambda to claims", "priority": 5,
                                      "match": {"service": "AWS Lambda"}, "target": {"initiative": "AI-0001"}})
    path = DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv"
    report = runs.import_paths(ws2, [path])
    assert report.committed and report.accepted == 1000
    with ws2.read() as s:
        stored = list(s.scalars(select(CostRecord)))
        assert len(stored) == 1000 and all(r.batch_id == report.batch_id for r in stored)
        assert sum((r.effective_cost for r in stored), Decimal(0)) == sum(
            (r["effective_cost"] for r in runs.preview(ws2, [path]).files[0].data.rows), Decimal(0))
    t = costs.totals(ws2, "initiative")
    assert set(t["totals"]) >= {"unallocated"} and set(t["currencies"]) == {"USD"}
    assert t["unallocated"]["USD"] + t["totals"].get("AI-0001", {}).get("USD", Decimal(0)) == t["currencies"]["USD"]


def test_mlflow_folder_and_database_become_models_with_metric_series(ws, tmp_path: Path):
    report = runs.import_paths(ws, [DATA / "mlflow-generated-filestore" / "mlruns"])
    assert report.committed
    with ws.read() as s:
        models = {(m.name, m.version_label): m for m in s.scalars(select(Model))}
        champion = models[("churn-classifier", "2")]
        assert champion.aliases == ["champion"] and champion.batch_id == report.batch_id
        assert champion.params["run_status"] == "FINISHED" and champion.params["params"]["optimizer"] == "adam"
        crashed = next(m for (n, _v), m in models.items() if m.params.get("run_name") == "crashed")
        assert crashed.params["run_status"] == "FAILED"
        series = {x.name: x for x in s.scalars(select(MetricSeries).where(
            MetricSeries.subject_kind == SubjectKind.MODEL, MetricSeries.subject_id == champion.id))}
        assert {"train/loss", "val_auc", "cost_usd"} <= set(series) and "grad_norm" not in series
    ts, values = metrics.points(ws, series["train/loss"].id)
    assert len(ts) == 5 and list(ts) == sorted(ts)
    db = runs.import_paths(ws, [DATA / "mlflow-generated-sqlite" / "mlflow.db"])
    assert db.committed and db.batch_id != report.batch_id


def test_openlineage_builds_jobs_assets_and_links(ws, tmp_path: Path):
    report = runs.import_paths(ws, [DATA / "marquez-openlineage-seed" / "metadata.json"])
    assert report.committed and any("schemaURL" in w.reason for w in report.warnings)
    with ws.read() as s:
        jobs = list(s.scalars(select(Job)))
        assert len(jobs) == 13 and all(j.last_run_state == "COMPLETE" for j in jobs)
        assets = {a.name for a in s.scalars(select(DataAsset))}
        assert "public.menus" in assets
        links = list(s.scalars(select(LineageLink)))
        kinds = {(link.source_kind, link.target_kind) for link in links}
        assert {(NodeKind.DATA_ASSET, NodeKind.JOB), (NodeKind.JOB, NodeKind.DATA_ASSET)} <= kinds
        assert all(link.batch_id == report.batch_id for link in links)


def test_openlineage_output_named_like_a_model_links_job_to_model(ws, tmp_path: Path):
    from opsdesk.services.registry import metadata

    metadata.create_model(ws, {"name": "churn-classifier"})
    event = ('{"eventType": "COMPLETE", "eventTime": "2026-01-01T00:00:00Z", "job": {"namespace": "ml", "name": '
             '"train"}, "inputs": [{"namespace": "wh", "name": "features"}], "outputs": [{"namespace": "ml", '
             '"name": "churn-classifier"}]}')
    report = runs.import_paths(ws, [write(tmp_path, "run.json", event)])
    assert report.committed
    with ws.read() as s:
        kinds = {(link.source_kind, link.target_kind) for link in s.scalars(select(LineageLink))}
    assert kinds == {(NodeKind.DATA_ASSET, NodeKind.JOB), (NodeKind.JOB, NodeKind.MODEL)}


def test_gx_results_become_a_quality_series_per_asset(ws):
    report = runs.import_paths(ws, [DATA / "great-expectations-results" / "gx_validation_result_complete.json",
                                       DATA / "great-expectations-results" / "datetime_column_evrs.json"])
    assert report.committed and len(report.batch_ids) == 2
    with ws.read() as s:
        orders = s.scalar(select(DataAsset).where(DataAsset.name == "orders"))
        series = s.scalar(select(MetricSeries).where(MetricSeries.subject_kind == SubjectKind.DATA_ASSET,
                                                     MetricSeries.subject_id == orders.id))
        assert series.name == "Data quality score" and series.unit == "%"
    _ts, values = metrics.points(ws, series.id)
    assert round(float(values[0]), 2) == 42.86
