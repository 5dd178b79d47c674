"""How long moving every demo initiative through a signed bundle takes, against the crude baseline of copying
the whole workspace file with SQLite's online backup (what people would do without bundles).

    python bench/exchange.py            prints both figures and the ratio
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="opsdesk-bench-") as tmp:
        folder = Path(tmp)
        os.environ["OPSDESK_DATA_DIR"] = str(folder / "userdata")
        from opsdesk.services import demo
        from opsdesk.services.exchange import bundles as exchange
        from opsdesk.services.exchange import keys
        from opsdesk.services.registry import initiatives
        from opsdesk.services.workspace import lifecycle

        source_path = demo.build(folder / "hq.opsdesk")
        hq = lifecycle.open_workspace(source_path)
        region = lifecycle.create(folder / "region.opsdesk", organisation="Region")
        keys.trust(region, keys.export_public(hq, folder / "hq.pub"), "HQ")
        codes = [r.code for r in initiatives.list_rows(hq)]

        started = time.perf_counter()
        lifecycle.backup(hq, folder / "copy.opsdesk")
        baseline = time.perf_counter() - started

        started = time.perf_counter()
        result = exchange.export_bundle(hq, codes, folder / "all.opsbundle")
        exported = time.perf_counter() - started
        started = time.perf_counter()
        exchange.preview_import(region, result.path)
        previewed = time.perf_counter() - started
        started = time.perf_counter()
        exchange.import_bundle(region, result.path)
        imported = time.perf_counter() - started
        hq.close()
        region.close()
        total = exported + previewed + imported
        records = sum(result.counts.values())
        size = result.path.stat().st_size / 1e6
        print(f"baseline: SQLite online backup of the whole workspace  {baseline:7.3f} s")
        print(f"bundle:   export {exported:.3f} s + verify/preview {previewed:.3f} s + apply {imported:.3f} s "
              f"= {total:.3f} s for {records} records ({result.counts['metric_point']} points, {size:.1f} MB)")
        print(f"ratio:    {total / baseline:.1f}x the baseline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
