"""MLflow as MLflow writes it: a store written in this test run by the real ``mlflow`` package (mlflow-skinny,
from the test extra), not only committed fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from opsdesk.ingest.detect import read_path
from opsdesk.ingest.report import ReadOptions
from opsdesk.services.imports import runs
from opsdesk.services.registry import metadata, metrics

pytest.importorskip("mlflow", reason="mlflow-skinny is in the test extra")
WRITER = Path(__file__).with_name("mlflow_writer.py")


@pytest.fixture(scope="module")
def fresh_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    root = tmp_path_factory.mktemp("mlflow")
    env = {**os.environ, "MLFLOW_ALLOW_FILE_STORE": "true", "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true",
           "MLFLOW_TRACKING_URI": "", "GIT_PYTHON_REFRESH": "quiet"}
    done = subprocess.run([sys.executable, str(WRITER), str(root)], capture_output=True, text=True, env=env,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    kept, deleted = done.stdout.split()[-2:]
    return root / "mlruns", kept, deleted


def test_two_hundred_steps_within_two_seconds_keep_every_point(ws, fresh_store):
    store, kept, _deleted = fresh_store
    report = runs.import_paths(ws, [store])
    assert report.committed, report.message
    model = next(m for m in metadata.list_models(ws) if m.name == "churn-fast")
    loss = next(s for s in metrics.list_series(ws) if s.subject_id == model.id and s.name == "loss")
    stamps, steps, values = metrics.history(ws, loss.id)
    assert len(values) == 200
    assert sorted(steps.tolist()) == list(range(200))
    assert np.allclose(values[np.argsort(steps)], [1.0 / (i + 1) for i in range(200)])
    # MLflow's own millisecond timestamps, not whole seconds
    assert (stamps % 1000 != 0).any()
    assert stamps.max() - stamps.min() < 30_000


def test_deleted_run_is_left_out_and_reported_unless_asked(fresh_store, ws):
    store, _kept, deleted = fresh_store
    parsed = read_path(store)
    assert deleted not in {r.run_id for r in parsed.data.runs}
    assert any(w.kind == "deleted" and "abandoned" in w.reason and "--include-deleted" in w.reason
               for w in parsed.warnings)
    with_deleted = read_path(store, options=ReadOptions(include_deleted=True))
    run = next(r for r in with_deleted.data.runs if r.run_id == deleted)
    assert run.lifecycle_stage == "deleted"
    runs.import_paths(ws, [store], include_deleted=True)
    marked = [m for m in metadata.list_models(ws) if "deleted" in m.version_label]
    assert len(marked) == 1 and marked[0].name == "fast-loop"


def test_experiments_framework_and_owner_come_from_mlflow(ws, fresh_store):
    store, _kept, _deleted = fresh_store
    runs.import_paths(ws, [store])
    experiments = {e.name: e for e in metadata.list_experiments(ws)}
    assert experiments["fast-loop"].tags == {"team": "risk-analytics"}
    assert experiments["fast-loop"].source_id.isdigit()
    model = next(m for m in metadata.list_models(ws) if m.name == "churn-fast")
    assert model.experiment == "fast-loop"
    assert model.framework == "python_function"  # the MLmodel's only flavor, not the source type "LOCAL"
    assert model.owner == "a.analyst"  # the run's mlflow.user tag


def test_framework_prefers_the_specific_flavor():
    from opsdesk.ingest.mlflow_store import flavors_of_history, framework_of

    history = ('[{"flavors": {"python_function": {}, "sklearn": {}}}, '
               '{"flavors": {"python_function": {}, "onnx": {}}}]')
    assert framework_of(flavors_of_history(history)) == "sklearn"
