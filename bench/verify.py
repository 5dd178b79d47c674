"""``opsdesk verify`` as a whole process on a workspace of many audit events, against the bare same work.

The workspace: one initiative edited ``events`` times, its events written in bulk with a valid chain (the same
hash OpsDesk computes, full before/after snapshots), the record left as its last event says and the head signed by
OpsDesk (checkpoint and anchor), so verify has everything to check and finds nothing wrong.

OpsDesk: ``opsdesk verify -w FILE`` (a whole process: chain recomputed, signed checkpoint and anchor checked, every
audited record reconciled, every text cell read, ``integrity_check``). Baseline, alternating with it: a process
running raw ``sqlite3`` that reads every event, recomputes its SHA-256 (json + hashlib) and runs
``PRAGMA integrity_check``. Each process's peak RSS comes from ``wait4``.

    .venv/bin/python bench/verify.py [--events 1000000] [--repeat 3] [--quick] [--keep DIR]

``--keep DIR`` (or ``$OPSDESK_BENCH_KEEP``) builds the workspace in DIR (with its own user data folder: key and
anchor) and reuses it on the next run of the same size, so a 1 M-event chain is written once. With it, the quick
run (``run_all.py --quick``) also measures 1 M events once, against the issue's bound (< 15 s, < 200 MB).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import ROOT, Result, emit, median, python  # noqa: E402

BENCH = "verify"
TARGET_SECONDS_PER_MILLION = 15.0
TARGET_MB = 200.0
GENESIS = "0" * 64


def _hash(doc: dict) -> str:
    return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                                     default=str).encode("utf-8")).hexdigest()


def raw_chain_hashing(path: Path) -> int:
    """The baseline: every event read with sqlite3 and rehashed exactly as the chain is, then integrity_check."""
    conn = sqlite3.connect(path)
    prev = GENESIS
    n = 0
    cur = conn.execute("SELECT seq, at, actor, action, entity, entity_id, before, after, note, prev_hash, hash, "
                       "record_states FROM audit_event ORDER BY seq")
    while rows := cur.fetchmany(5000):
        for seq, at, actor, action, entity, entity_id, before, after, note, prev_hash, digest, states in rows:
            doc = {"seq": seq, "at": at.replace(" ", "T")[:19] + "Z", "actor": actor, "action": action,
                   "entity": entity, "entity_id": entity_id, "before": json.loads(before) if before else None,
                   "after": json.loads(after) if after else None, "note": note, "prev_hash": prev_hash}
            if states is not None:
                doc["record_states"] = json.loads(states)
            assert _hash(doc) == digest and prev_hash == prev, f"baseline: event {seq} does not hash"
            prev = digest
            n += 1
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    return n


def build(path: Path, events: int) -> None:
    """A workspace whose initiative AI-0001 was edited ``events`` times (written in bulk, valid chain, signed)."""
    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import checkpoints, lifecycle

    ws = lifecycle.create(path, organisation="Bench", actor="bench")
    initiatives.create(ws, {"code": "AI-0001", "name": "Bench"})
    ws.close()
    conn = sqlite3.connect(path, isolation_level=None)
    seq, prev, after_text = conn.execute("SELECT seq, hash, after FROM audit_event WHERE entity = 'initiative' "
                                         "ORDER BY seq DESC LIMIT 1").fetchone()
    last_seq = conn.execute("SELECT max(seq) FROM audit_event").fetchone()[0]
    prev = conn.execute("SELECT hash FROM audit_event WHERE seq = ?", (last_seq,)).fetchone()[0]
    seq = last_seq
    state = json.loads(after_text)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    conn.execute("BEGIN")
    batch = []
    for i in range(events):
        seq += 1
        before = state
        state = before | {"owner": f"owner {i}", "version": before["version"] + 1}
        at = start + dt.timedelta(seconds=i)
        doc = {"seq": seq, "at": at.strftime("%Y-%m-%dT%H:%M:%SZ"), "actor": "bench", "action": "update",
               "entity": "initiative", "entity_id": "AI-0001", "before": before, "after": state, "note": "",
               "prev_hash": prev}
        digest = _hash(doc)
        batch.append((seq, at.strftime("%Y-%m-%d %H:%M:%S.000000"), "bench", "update", "initiative", "AI-0001",
                      json.dumps(before), json.dumps(state), prev, digest, ""))
        prev = digest
        if len(batch) >= 20_000:
            _insert(conn, batch)
    _insert(conn, batch)
    conn.execute("UPDATE initiative SET owner = ?, version = ? WHERE code = 'AI-0001'",
                 (state["owner"], state["version"]))
    conn.execute("COMMIT")
    conn.close()
    ws = lifecycle.open_workspace(path, actor="bench")
    try:
        checkpoints.sign_current_head(ws)
    finally:
        ws.close()


def _insert(conn: sqlite3.Connection, batch: list[tuple]) -> None:
    conn.executemany('INSERT INTO audit_event (seq, at, actor, action, entity, entity_id, "before", "after", '
                     "prev_hash, hash, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", batch)
    batch.clear()


#: runs the measured command from a small interpreter and prints its peak RSS (KiB): a child forked from this
#: bench would start from the bench's own high-water mark (Linux keeps ``maxrss`` across fork and exec)
_WRAPPER = ("import os, subprocess, sys\n"
            "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
            "_, status, usage = os.wait4(p.pid, 0)\n"
            "print(os.waitstatus_to_exitcode(status), usage.ru_maxrss)\n")


def process(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one whole process, which must succeed."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    proc = subprocess.run([python(), "-c", _WRAPPER, *argv], env=env, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    code, maxrss = (int(v) for v in proc.stdout.split()[-2:]) if proc.returncode == 0 else (proc.returncode, 0)
    if code != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {code}: {proc.stderr[-2000:]}")
    return elapsed, maxrss / 1024


def run(quick: bool, events: int | None = None, repeat: int | None = None, keep: str | None = None) -> list[Result]:
    keep = keep or os.environ.get("OPSDESK_BENCH_KEEP") or None
    results = _measure(quick, events or (10_000 if quick else 1_000_000), repeat or 3, keep)
    if quick and keep and not events:  # affordable where the 1 M-event workspace is kept from an earlier run
        results += _measure(False, 1_000_000, repeat or 1, keep)
    return results


def _measure(quick: bool, events: int, repeat: int, keep: str | None) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(keep) if keep else Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        old = os.environ.get("OPSDESK_DATA_DIR")
        os.environ["OPSDESK_DATA_DIR"] = str(where / "userdata")  # its own keys and anchors
        try:
            path = where / f"events-{events}.opsdesk"
            if not (keep and path.exists()):
                path.unlink(missing_ok=True)
                build(path, events)
            verify = [python(), "-m", "opsdesk", "verify", "-w", str(path)]
            bare = [python(), str(Path(__file__).resolve()), "--baseline", str(path)]
            runs: dict[str, list[tuple[float, float]]] = {"opsdesk": [], "baseline": []}
            if quick:
                process(verify)  # warm-up: bytecode (the page cache is warm from building the file)
            for _ in range(repeat):
                runs["opsdesk"].append(process(verify))
                runs["baseline"].append(process(bare))
        finally:
            if old is None:
                os.environ.pop("OPSDESK_DATA_DIR", None)
            else:
                os.environ["OPSDESK_DATA_DIR"] = old
    total = events + 2
    note = f"median of {repeat} alternating runs, {total:,} events"
    # the bound is for a million events; a small chain is mostly the process's start, so no bound there
    target_s = TARGET_SECONDS_PER_MILLION * total / 1_000_000 if events >= 1_000_000 else None
    return [
        Result(BENCH, f"opsdesk verify, whole process, {total:,} events", median([t for t, _ in runs["opsdesk"]]),
               median([t for t, _ in runs["baseline"]]), target_abs=target_s,
               baseline_label="sqlite3 chain hashing + integrity_check", note=note),
        Result(BENCH, f"opsdesk verify, peak RSS, {total:,} events", median([m for _, m in runs["opsdesk"]]),
               median([m for _, m in runs["baseline"]]), unit="MB", target_abs=TARGET_MB,
               baseline_label="the same bare process", note=note),
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--keep", metavar="DIR", default=None, help="build the workspace in DIR and reuse it")
    ap.add_argument("--json", default=None, help="also write the results as JSON to this file")
    ap.add_argument("--baseline", metavar="FILE", help=argparse.SUPPRESS)  # the bare process itself
    args = ap.parse_args()
    if args.baseline:
        raw_chain_hashing(Path(args.baseline))
        return
    emit(run(args.quick, args.events, args.repeat, args.keep), args.json)


if __name__ == "__main__":
    main()
