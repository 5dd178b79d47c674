"""One audited edit: ``initiatives.update`` through the service against raw sqlite3 doing the same write.

OpsDesk: the workspace as OpsDesk opens it (audit chain, signed checkpoint, anchor beside the key), one
single-field edit per transaction, the whole returned record built. Baseline, alternating with it in the same run:
raw ``sqlite3`` on a copy of the same workspace (WAL, the same ``synchronous``), per edit ``BEGIN IMMEDIATE``, read
the row, ``UPDATE`` it, read the chain's head, compute the same SHA-256 audit hash (json + hashlib, the row's
before and after) and ``INSERT`` the event, ``COMMIT``. Rounds of ``edits`` edits alternate; figures are the median
events/s over the rounds.

Results: edits/s with the default durability (``synchronous=NORMAL``) and with ``opsdesk settings durability
full`` (``synchronous=FULL``), each against its own baseline.

    .venv/bin/python bench/audit_write.py [--edits 300] [--repeat 7] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import shutil
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Result, alternate, emit, median  # noqa: E402

BENCH = "audit_write"
TARGET_EVENTS_PER_S = 1000.0


class RawEditor:
    """The bare version of the same edit: sqlite3, the same row, the same hash, the same event."""

    def __init__(self, path: Path, synchronous: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute(f"PRAGMA synchronous={synchronous}")
        cur = self.conn.execute("SELECT * FROM initiative WHERE code = 'AI-0001'")
        self.columns = [d[0] for d in cur.description]
        self.n = 0

    def edit(self, owner: str) -> None:
        c = self.conn
        c.execute("BEGIN IMMEDIATE")
        row = c.execute("SELECT * FROM initiative WHERE code = 'AI-0001'").fetchone()
        before = dict(zip(self.columns, row, strict=True))
        after = before | {"owner": owner, "version": before["version"] + 1}
        c.execute("UPDATE initiative SET owner = ?, version = ? WHERE id = ? AND version = ?",
                  (owner, after["version"], before["id"], before["version"]))
        seq, prev = c.execute("SELECT seq, hash FROM audit_event ORDER BY seq DESC LIMIT 1").fetchone()
        at = dt.datetime.now(dt.UTC).replace(microsecond=0)
        doc = {"seq": seq + 1, "at": at.isoformat().replace("+00:00", "Z"), "actor": "bench", "action": "update",
               "entity": "initiative", "entity_id": "AI-0001", "before": before, "after": after, "note": "",
               "prev_hash": prev}
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                                           default=str).encode("utf-8")).hexdigest()
        c.execute('INSERT INTO audit_event (seq, at, actor, action, entity, entity_id, "before", "after", prev_hash, '
                  "hash, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (seq + 1, at.replace(tzinfo=None).isoformat(sep=" "), "bench", "update", "initiative", "AI-0001",
                   json.dumps(before), json.dumps(after), prev, digest, ""))
        c.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def measure(tmp: Path, edits: int, repeat: int, durability: str) -> tuple[float, float]:
    """(OpsDesk events/s, baseline events/s), medians over ``repeat`` alternating rounds."""
    from opsdesk import settings
    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle

    settings.set_durability(durability)
    path = tmp / f"edits-{durability}.opsdesk"
    ws = lifecycle.create(path, organisation="Bench", actor="bench")
    initiatives.create(ws, {"code": "AI-0001", "name": "Bench"})
    ws.close()
    raw_path = tmp / f"raw-{durability}.opsdesk"
    shutil.copyfile(path, raw_path)
    ws = lifecycle.open_workspace(path, actor="bench")
    raw = RawEditor(raw_path, "FULL" if durability == "full" else "NORMAL")
    rounds = {"n": 0}

    def opsdesk() -> None:
        rounds["n"] += 1
        for i in range(edits):
            initiatives.update(ws, "AI-0001", {"owner": f"o{rounds['n']}-{i}"})

    def baseline() -> None:
        for i in range(edits):
            raw.edit(f"b{rounds['n']}-{i}")

    try:
        times = alternate({"opsdesk": opsdesk, "baseline": baseline}, repeat)
    finally:
        ws.close()
        raw.close()
        settings.set_durability("normal")
    return edits / median(times["opsdesk"]), edits / median(times["baseline"])


def run(quick: bool, edits: int | None = None, repeat: int | None = None) -> list[Result]:
    edits = edits or (100 if quick else 300)
    repeat = repeat or (3 if quick else 7)
    out = []
    with tempfile.TemporaryDirectory() as tmp:
        old = os.environ.get("OPSDESK_DATA_DIR")
        os.environ["OPSDESK_DATA_DIR"] = str(Path(tmp) / "userdata")  # its own keys, anchors and settings
        try:
            for durability, what in (("normal", "one audited edit (initiatives.update), events/s"),
                                     ("full", "one audited edit, durability full (synchronous=FULL), events/s")):
                ops, base = measure(Path(tmp), edits, repeat, durability)
                out.append(Result(BENCH, what, ops, base, unit="events/s", higher_is_better=True,
                                  target_abs=TARGET_EVENTS_PER_S if durability == "normal" else None,
                                  baseline_label="sqlite3 + same hashing",
                                  note=f"median of {repeat} alternating rounds of {edits} edits"))
        finally:
            if old is None:
                os.environ.pop("OPSDESK_DATA_DIR", None)
            else:
                os.environ["OPSDESK_DATA_DIR"] = old
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=None)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", default=None, help="also write the results as JSON to this file")
    args = ap.parse_args()
    emit(run(args.quick, args.edits, args.repeat), args.json)


if __name__ == "__main__":
    main()
