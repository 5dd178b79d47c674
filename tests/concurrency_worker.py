"""One of several processes editing the same workspace at once (run by tests/store/test_postgres.py)."""

from __future__ import annotations

import json
import sys


def main(url: str, edits: int, worker: int, series_id: int) -> None:
    from opsdesk.errors import ConflictError
    from opsdesk.services.registry import initiatives, metrics
    from opsdesk.services.workspace import lifecycle

    ws = lifecycle.open_workspace(url, actor=f"worker-{worker}")
    conflicts = applied = imports = 0
    try:
        for i in range(edits):
            while True:
                current = initiatives.get(ws, "AI-0001")
                try:
                    initiatives.update(ws, "AI-0001", {"budget": current.budget + 1},
                                       expected_version=current.version)
                    applied += 1
                    break
                except ConflictError:
                    conflicts += 1
            if i % 20 == 0:
                base = 1_700_000_000 + (worker * 1000 + i) * 86400
                metrics.record_points(ws, series_id, [(base + k * 60, float(k)) for k in range(50)], "import")
                imports += 1
    finally:
        ws.close()
    print(json.dumps({"applied": applied, "conflicts": conflicts, "imports": imports}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
