"""`opsdesk import` of a metrics CSV reads it without pandas (whose import alone costs half a second) nor the readers
of the other kinds (MLflow, Great Expectations, OpenLineage), whole or in chunks, and still names every broken row."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, runpy, sys
from opsdesk.ingest import metrics_table
metrics_table.CHUNK_BYTES = int(sys.argv[1])  # the large file below is then read, checked and written in chunks
sys.argv = ["opsdesk", "import", "--json", *sys.argv[2:]]
try:
    runpy.run_module("opsdesk", run_name="__main__")
except SystemExit as exc:
    code = exc.code
others = ("opsdesk.ingest.mlflow_store", "opsdesk.ingest.gx", "opsdesk.ingest.openlineage")  # readers of other kinds
print(json.dumps({"code": code, "heavy": sorted(m for m in ("pandas", "pyarrow", *others) if m in sys.modules)}))
"""


def _import(ws: Path, csv: Path, chunk_bytes: int) -> tuple[dict, dict]:
    r = subprocess.run([sys.executable, "-c", SCRIPT, str(chunk_bytes), "--workspace", str(ws), str(csv)],
                       capture_output=True, text=True, timeout=180, env=os.environ | {"QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr
    *report, last = r.stdout.strip().splitlines()
    return json.loads("\n".join(report)), json.loads(last)


def test_a_metrics_csv_import_does_not_import_pandas(tmp_path: Path):
    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle

    ws_path = tmp_path / "w.opsdesk"
    ws = lifecycle.create(ws_path, organisation="Test Org", actor="tester")
    initiatives.create(ws, {"code": "AI-0001", "name": "Claims triage"})
    ws.close()
    small = tmp_path / "small.csv"
    small.write_text("timestamp,initiative,metric,value,unit\n2026-01-01T00:00:00Z,AI-0001,Uptime,99.5,%\n"
                     "2026-01-02T00:00:00Z,AI-0001,Uptime,99.7,%\n", encoding="utf-8")
    report, run = _import(ws_path, small, 8 * 1024 * 1024)
    assert run == {"code": 0, "heavy": []}
    assert report["accepted"] == 2 and report["rejected"] == []

    large = tmp_path / "large.csv"
    rows = [f"2026-02-01T{h:02d}:{m:02d}:00Z,AI-0001,Latency,{h * 60 + m}.5,ms" for h in range(24) for m in range(60)]
    rows[700] = "2026-02-01T11:40:00Z,AI-0001,Latency,fast,ms"
    large.write_text("timestamp,initiative,metric,value,unit\n" + "\n".join(rows) + "\n", encoding="utf-8")
    report, run = _import(ws_path, large, 4096)  # about fifty chunks
    assert run == {"code": 1, "heavy": []}
    assert [(i["line"], i["column"]) for i in report["rejected"]] == [(702, "value")]
    assert "'fast' is not a number" in report["rejected"][0]["reason"] and report["batch_id"] is None
