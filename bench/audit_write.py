"""What the signed checkpoint costs an audited edit.

Creates a workspace, then times N single-field edits (``initiatives.update``: one transaction, one audit event
each) twice in the same run: with the workspace as OpsDesk opens it (state capture, signed checkpoint, anchor
beside the key) and with the checkpointer switched off (``ws.checkpointer = None``: chain only). Prints the
median events/s of each over ``--repeat`` rounds and the ratio.

    .venv/bin/python bench/audit_write.py [--edits 300] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def rounds(ws, edits: int, tag: str) -> float:
    from opsdesk.services.registry import initiatives

    start = time.perf_counter()
    for i in range(edits):
        initiatives.update(ws, "AI-0001", {"owner": f"{tag}-{i}"})
    return edits / (time.perf_counter() - start)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=300)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle

    with tempfile.TemporaryDirectory() as tmp:
        ws = lifecycle.create(Path(tmp) / "bench.opsdesk", organisation="Bench", actor="bench")
        initiatives.create(ws, {"code": "AI-0001", "name": "Bench"})
        signer = getattr(ws, "checkpointer", None)
        signed, bare = [], []
        for r in range(args.repeat):
            ws.checkpointer = signer
            signed.append(rounds(ws, args.edits, f"s{r}"))
            ws.checkpointer = None
            bare.append(rounds(ws, args.edits, f"b{r}"))
        ws.checkpointer = signer
        ws.close()
    s, b = statistics.median(signed), statistics.median(bare)
    print(f"audited edits, chain + signed checkpoint: {s:8.0f} events/s (median of {args.repeat})")
    print(f"audited edits, chain only (baseline):    {b:8.0f} events/s")
    print(f"ratio: {b / s:.2f}x the time per edit")


if __name__ == "__main__":
    main()
