"""Import a metrics CSV (timestamp,series,value) into a workspace the way an importer does: one service
transaction writing the ImportBatch row, every point (bulk_upsert_points) and the audit event.

Run as a separate process by test_crash_safety.py, which kills it with SIGKILL at random moments. It touches
``MARKER.begun`` once the transaction has begun and ``MARKER.committed`` once it has committed, so the test
knows where each kill landed.

    python crash_import.py WORKSPACE CSV [--marker PREFIX]     one import
    python crash_import.py --serve                              a zygote forking one child per import
                                                                (see serve())
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import sys
from pathlib import Path

from sqlalchemy import select

from opsdesk.domain.enums import ImportKind
from opsdesk.services import metrics, workspace
from opsdesk.store.models import ImportBatch, MetricSeries


def run(ws_path: str, csv_path: str, marker: str | None) -> int:
    data = Path(csv_path).read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    rows: list[tuple[str, int, float]] = []
    with open(csv_path, newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            ts = int(dt.datetime.fromisoformat(rec["timestamp"].replace("Z", "+00:00")).timestamp())
            rows.append((rec["series"], ts, float(rec["value"])))
    ws = workspace.open_workspace(ws_path, actor="importer")
    try:
        with ws.write("metrics") as tx:
            if marker:
                Path(f"{marker}.begun").touch()
            if tx.session.scalar(select(ImportBatch).where(ImportBatch.sha256 == sha)) is not None:
                print("already imported")
                return 0
            series: dict[str, int] = {}
            for name in sorted({r[0] for r in rows}):
                found = tx.session.scalar(select(MetricSeries.id).where(MetricSeries.name == name))
                series[name] = found if found is not None else metrics.create_series_tx(
                    tx, {"discipline": "dataops", "name": name, "subject_kind": "portfolio"}).id
            batch = ImportBatch(kind=ImportKind.METRICS, file_name=Path(csv_path).name, sha256=sha,
                                accepted=len(rows), rejected=0, imported_at=ws.clock(), actor=ws.actor)
            tx.add(batch, "import_batch", key=sha)
            n = metrics.insert_points_tx(tx, ((series[s], t, v) for s, t, v in rows), batch.id)
            tx.audit("import", "import_batch", batch.id, after={"points": n, "file": batch.file_name})
        if marker:
            Path(f"{marker}.committed").touch()
    finally:
        ws.close()
    print(f"imported {n} points")
    return 0


def serve() -> int:
    """A zygote: everything is imported once; each import runs in a forked child. Commands on stdin:
    ``start WORKSPACE CSV PREFIX`` (prints the child's PID), ``kill`` (SIGKILL the child) and ``wait``; both
    print ``exit STATUS``. Only the zygote reaps its child, so a PID it kills can never be someone else's."""
    import signal

    child = 0
    for line in sys.stdin:
        command, *args = line.split()
        if command == "start":
            child = os.fork()
            if child == 0:
                try:
                    code = run(*args)
                finally:
                    sys.stdout.flush()
                os._exit(code)
            print(child, flush=True)
        elif command in ("kill", "wait"):
            if command == "kill":
                os.kill(child, signal.SIGKILL)  # an exited, unreaped child is a zombie: harmless
            _pid, status = os.waitpid(child, 0)
            print(f"exit {status}", flush=True)
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args == ["--serve"]:
        sys.exit(serve())
    mark = None
    if "--marker" in args:
        i = args.index("--marker")
        mark = args[i + 1]
        del args[i:i + 2]
    sys.exit(run(args[0], args[1], mark))
