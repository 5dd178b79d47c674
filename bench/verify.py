"""How long ``opsdesk verify`` takes, against raw chain hashing in the same run.

Two workspaces: the demo, and the demo plus 1 M metric points (20 series × 50,000 points, recorded through the
metrics service). For each, the median over ``--repeat`` runs of

* OpsDesk's verify (``integrity.verify``): chain recomputed, signed checkpoint and anchor checked, every audited
  record reconciled with its last event, ``integrity_check``, every text cell read;
* the same without the text read and ``integrity_check`` (chain + checkpoint + reconciliation);
* the baseline: raw ``sqlite3`` reading every audit event and recomputing its SHA-256 (json + hashlib), nothing
  else.

    .venv/bin/python bench/verify.py [--points 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def raw_chain_hashing(path: Path) -> int:
    """The baseline: every event read with sqlite3 and rehashed exactly as the chain is, nothing more."""
    conn = sqlite3.connect(path)
    prev = "0" * 64
    n = 0
    for seq, at, actor, action, entity, entity_id, before, after, note, prev_hash, digest, states in conn.execute(
            "SELECT seq, at, actor, action, entity, entity_id, before, after, note, prev_hash, hash, record_states "
            "FROM audit_event ORDER BY seq"):
        doc = {"seq": seq, "at": at.replace(" ", "T")[:19] + "Z", "actor": actor, "action": action,
               "entity": entity, "entity_id": entity_id, "before": json.loads(before) if before else None,
               "after": json.loads(after) if after else None, "note": note, "prev_hash": prev_hash}
        if states is not None:
            doc["record_states"] = json.loads(states)
        text = json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
        ok = hashlib.sha256(text.encode("utf-8")).hexdigest() == digest and prev_hash == prev
        assert ok, f"baseline: event {seq} does not hash"
        prev = digest
        n += 1
    conn.close()
    return n


def median_time(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def add_points(path: Path, total: int) -> None:
    from opsdesk.services.registry import metrics
    from opsdesk.services.workspace import lifecycle

    ws = lifecycle.open_workspace(path, actor="bench")
    per = total // 20
    base = 1_700_000_000
    for i in range(20):
        s = metrics.create_series(ws, {"discipline": "mlops", "name": f"bench-{i}", "unit": "",
                                       "subject_kind": "portfolio"})
        metrics.record_points(ws, s.id, [(base + 60 * k, float(k % 97)) for k in range(per)])
    ws.close()


def raw_chain_and_tables(path: Path) -> int:
    """The second baseline: the chain as above plus every reconciled table read whole with sqlite3."""
    from opsdesk.store import reconcile

    n = raw_chain_hashing(path)
    conn = sqlite3.connect(path)
    for name in reconcile.tables():
        n += len(conn.execute(f'SELECT * FROM "{name}"').fetchall())
    conn.close()
    return n


def measure(label: str, path: Path, repeat: int) -> None:
    from opsdesk.services.workspace import integrity, lifecycle

    def full() -> None:
        ws = lifecycle.open_workspace(path, read_only=True)
        try:
            report = integrity.verify(ws)
            assert report.ok, report.findings[:3]
        finally:
            ws.close()

    ws = lifecycle.open_workspace(path, read_only=True)
    try:
        def records_only() -> None:
            report = integrity.verify(ws, read_text=False, integrity_check=False)
            assert report.ok, report.findings[:3]

        t_records = median_time(records_only, repeat)
        t_text = median_time(lambda: integrity.unreadable_text(ws), repeat)
    finally:
        ws.close()
    conn = sqlite3.connect(path)
    events = conn.execute("SELECT count(*) FROM audit_event").fetchone()[0]
    points = conn.execute("SELECT count(*) FROM metric_point").fetchone()[0]
    t_check = median_time(lambda: conn.execute("PRAGMA integrity_check").fetchall(), repeat)
    conn.close()
    t_full = median_time(full, repeat)
    t_base = median_time(lambda: raw_chain_hashing(path), repeat)
    t_base2 = median_time(lambda: raw_chain_and_tables(path), repeat)
    print(f"{label}: {events} events, {points} metric points", flush=True)
    print(f"  opsdesk verify, whole command work (open with quick_check, all checks)  {t_full * 1000:7.0f} ms")
    print(f"  chain + signed head + reconciliation   {t_records * 1000:7.0f} ms  {t_records / t_base:5.1f}x baseline 1, "
          f"{t_records / t_base2:5.1f}x baseline 2")
    print(f"  read of every text cell                {t_text * 1000:7.0f} ms")
    print(f"  PRAGMA integrity_check (sqlite3)       {t_check * 1000:7.0f} ms")
    print(f"  baseline 1: raw sqlite3 chain hashing  {t_base * 1000:7.0f} ms")
    print(f"  baseline 2: the same + every reconciled table read with sqlite3  {t_base2 * 1000:7.0f} ms", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from opsdesk.services import demo

    with tempfile.TemporaryDirectory() as tmp:
        demo_path = Path(tmp) / "demo.opsdesk"
        demo.build(demo_path)
        measure("demo", demo_path, args.repeat)
        big = Path(tmp) / "big.opsdesk"
        shutil.copyfile(demo_path, big)
        add_points(big, args.points)
        measure(f"demo + {args.points:,} points", big, args.repeat)


if __name__ == "__main__":
    main()
