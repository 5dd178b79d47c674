"""The rest of what the tools emit: OpenLineage DatasetEvent and JobEvent (static lineage), Great Expectations 1.x
CheckpointResult, and mlflow-export-import JSON."""

from __future__ import annotations

import json
from pathlib import Path

from opsdesk.domain.enums import ImportKind
from opsdesk.ingest.detect import detect_kind, read_path
from opsdesk.services.imports import runs
from opsdesk.services.registry import metadata, metrics
from tests.conftest import TEST_DATA
from tests.ingest.conftest import write

STATIC = TEST_DATA / "openlineage" / "static"
EXPORTS = TEST_DATA / "mlflow-export-import" / "single"


def test_dataset_and_job_events_give_static_lineage(ws):
    files = [STATIC / "serde_example_dataset_event.json", STATIC / "serde_example_job_event.json"]
    assert {detect_kind(f) for f in files} == {ImportKind.OPENLINEAGE}
    report = runs.import_paths(ws, files)
    assert report.committed and not report.rejected
    assets = {a.name for a in metadata.list_assets(ws)}
    assert {"name", "dataset_a", "dataset_b"} <= assets
    edges = {(e.source.label, e.target.label) for e in metadata.lineage_graph(ws)}
    assert ("dataset_a", "openlineage/name") in edges or any(s == "dataset_a" for s, _t in edges)
    with ws.read() as s:
        from opsdesk.store.models import Job

        job = s.query(Job).one()
        assert job.last_run_state == "" and job.last_run_at is None  # a JobEvent is a design, not a run


def test_gx_1x_checkpoint_result_gives_a_quality_point(ws, tmp_path: Path):
    summary = TEST_DATA / "great-expectations-results" / "gx_checkpoint_result.json"
    parsed = read_path(summary)
    assert not parsed.rejected and parsed.accepted == 1
    assert parsed.data.points[0].asset == "orders" and round(parsed.data.points[0].score, 1) == 42.9
    assert any("modification time" in w.reason for w in parsed.warnings)
    # the other shape GX 1.x writes: CheckpointResult.to_json_dict() with run_results keyed by identifier
    complete = json.loads((TEST_DATA / "great-expectations-results" / "gx_validation_result_complete.json")
                          .read_text(encoding="utf-8"))
    doc = {"run_id": {"run_name": None, "run_time": "2026-11-30T10:21:29+00:00"}, "success": False,
           "run_results": {"ValidationResultIdentifier::orders_suite/run/orders": complete},
           "checkpoint_config": {"name": "orders_cp"}}
    path = write(tmp_path, "cp.json", json.dumps(doc))
    assert detect_kind(path) is ImportKind.GX
    parsed = read_path(path)
    assert not parsed.rejected and [p.asset for p in parsed.data.points] == ["orders"]
    assert runs.import_paths(ws, [path]).committed


def test_mlflow_export_import_json_imports_like_a_store(ws):
    assert detect_kind(EXPORTS) is ImportKind.MLFLOW
    report = runs.import_paths(ws, [EXPORTS])
    assert report.committed, report.message
    experiments = {e.name for e in metadata.list_experiments(ws)}
    assert "sklearn_wine" in experiments
    models = metadata.list_models(ws)
    wine = [m for m in models if m.experiment == "sklearn_wine"]
    assert wine and all(m.framework == "sklearn" and m.owner == "andre" for m in wine)
    series = [s for s in metrics.list_series(ws) if s.subject_id in {m.id for m in wine} and s.name == "rmse"]
    stamps, steps, _values = metrics.history(ws, series[0].id)
    assert stamps.tolist() == [1684623849570] and steps.tolist() == [0]


def test_a_broken_export_file_is_named(tmp_path: Path):
    root = tmp_path / "export"
    (root / "runs" / "x").mkdir(parents=True)
    good = json.loads((EXPORTS / "experiments" / "basic" / "experiment.json").read_text(encoding="utf-8"))
    (root / "experiment.json").write_text(json.dumps(good))
    (root / "runs" / "x" / "run.json").write_text('{"system": {}, "mlflow": {"info": {"run_id": "1"')
    parsed = read_path(root)
    assert parsed.kind is ImportKind.MLFLOW
    assert any("run.json" in i.column and "not valid JSON" in i.reason for i in parsed.rejected)
