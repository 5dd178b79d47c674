"""Conformance matrix for a large portfolio against a baseline in the same run.

Baseline: one raw ``sqlite3`` query that reads every conformance row with its initiative and requirement (the
least any matrix needs). Measured: ``opsdesk.services.standards.conformance.matrix`` (reads, applies the stage and tier
rules, judges waivers, scores). Prints both figures and the ratio.

    .venv/bin/python bench/bench_conformance.py [initiatives] [requirements]
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
import tempfile
import time
from pathlib import Path


def build(path: Path, n_init: int, n_req: int) -> None:
    from opsdesk.domain.enums import ConformanceStatus, StandardStatus
    from opsdesk.services.registry import initiatives
    from opsdesk.services.standards import catalog
    from opsdesk.services.workspace import lifecycle
    from opsdesk.store.models import Conformance, Initiative

    ws = lifecycle.create(path, organisation="Bench", actor="bench")
    std = catalog.create_standard(
        ws, {"code": "BENCH", "title": "Bench", "category": "other", "status": StandardStatus.ADOPTED},
        [{"code": f"R-{j}", "text": f"Requirement {j}", "stages": ["proposed", "pilot"]} for j in range(n_req)])
    for i in range(n_init):
        initiatives.create(ws, {"code": f"AI-{i + 1:04d}", "name": f"Initiative {i}"})
    statuses = list(ConformanceStatus)
    with ws.write() as tx:  # bulk rows for the bench only; the app records them one by one
        ids = [x for (x,) in tx.session.query(Initiative.id)]
        for n, init_id in enumerate(ids):
            for k, req in enumerate(std.requirements):
                st = statuses[(n + k) % len(statuses)]
                tx.session.add(Conformance(initiative_id=init_id, requirement_id=req.id, status=st,
                                           waiver_expires=dt.date(2026, 1, 1) if st is ConformanceStatus.WAIVED
                                           else None))
        tx.session.flush()
    ws.close()


def main() -> None:
    from opsdesk.services.standards import conformance
    from opsdesk.services.workspace import lifecycle

    n_init = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    n_req = int(sys.argv[2]) if len(sys.argv) > 2 else 60
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.opsdesk"
        build(path, n_init, n_req)
        t0 = time.perf_counter()
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT i.code, r.code, c.status, c.waiver_expires FROM conformance c "
                                "JOIN initiative i ON i.id = c.initiative_id "
                                "JOIN requirement r ON r.id = c.requirement_id").fetchall()
        conn.close()
        baseline = time.perf_counter() - t0
        ws = lifecycle.open_workspace(path, read_only=True)
        t0 = time.perf_counter()
        m = conformance.matrix(ws, as_of=dt.date(2026, 6, 1))
        measured = time.perf_counter() - t0
        ws.close()
    print(f"{n_init} initiatives × {n_req} requirements = {len(rows)} conformance rows")
    print(f"baseline raw sqlite3 read of the rows: {baseline * 1000:.1f} ms")
    print(f"conformance.matrix (cells {len(m.cells)}):  {measured * 1000:.1f} ms")
    print(f"ratio: {measured / baseline:.1f}×")


if __name__ == "__main__":
    main()
