"""The whole ``opsdesk import`` of a tidy metrics CSV against the bare version of the same work, as processes.

OpsDesk: ``opsdesk import --workspace WS FILE`` (a fresh copy of a workspace holding the ten initiatives the
file names): detect, read and check every row, resolve the series, one transaction with an ImportBatch and
audit events.

Baseline (``--baseline CSV DB``, run as its own process the same way): the csv module reads the same file,
``datetime.fromisoformat`` and ``float`` parse the timestamps and values, a dict gives each (initiative, metric)
its series id, and ``sqlite3.executemany`` inserts the same rows in one transaction into an equivalent table
(same key, batch index and foreign key, the same WAL journal and ``synchronous=NORMAL``).

The same two also run inside this process (OpsDesk's ``import_paths`` on a fresh workspace, the baseline
function), gated at 1.3× at every size; at the quick size (50,000 rows) the whole-process line is reported but not
gated, as start-up, not the import, is then most of it.

The two run alternately ``--repeat`` times; the medians and their ratio are reported (target ≤ 1.3×). Peak memory
is the whole process's (``getrusage(RUSAGE_CHILDREN).ru_maxrss`` of a wrapper that runs only the import), on a
``--memory-rows`` file (10 M rows by default: target < 1 GB).

    python bench/import_metrics.py [--rows 1000000] [--repeat 3] [--memory-rows 10000000] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402

SERIES = 50
BENCH = "import_metrics"
QUICK_ROWS = 50_000


def generate(path: Path, rows: int) -> None:
    import numpy as np

    rng = np.random.default_rng(1)
    per_series = rows // SERIES
    start = 1_735_689_600  # 2025-01-01T00:00:00Z
    with path.open("w", encoding="utf-8") as fh:
        fh.write("timestamp,initiative,metric,value,unit\n")
        stamps = np.datetime_as_string((np.arange(per_series, dtype=np.int64) * 60 + start).astype("datetime64[s]"))
        for s in range(SERIES):
            values = np.round(rng.normal(100, 10, per_series), 3)
            code = f"AI-{1 + s % 10:04d}"
            metric = f"Metric {s // 10}"
            fh.writelines(f"{t}Z,{code},{metric},{v},ms\n" for t, v in zip(stamps, values.tolist(), strict=True))


def baseline(csv_path: Path, db_path: Path) -> int:
    """The bare import: csv module, the same parsing, one executemany in one transaction."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE metric_series (id INTEGER PRIMARY KEY, initiative TEXT, name TEXT, unit TEXT)")
    conn.execute("CREATE TABLE metric_point (series_id INTEGER NOT NULL REFERENCES metric_series (id) "
                 "ON DELETE CASCADE, ts BIGINT NOT NULL, ms SMALLINT NOT NULL DEFAULT 0, step BIGINT NOT NULL "
                 "DEFAULT 0, value FLOAT NOT NULL, batch_id INTEGER, PRIMARY KEY (series_id, ts, ms, step)) "
                 "WITHOUT ROWID")
    conn.execute("CREATE INDEX ix_metric_point_batch ON metric_point (batch_id)")
    series: dict[tuple[str, str], int] = {}
    conn.execute("BEGIN")

    def rows():  # type: ignore[no-untyped-def]
        with csv_path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            for stamp, initiative, metric, value, unit in reader:
                sid = series.get((initiative, metric))
                if sid is None:
                    sid = series[(initiative, metric)] = len(series) + 1
                    conn.execute("INSERT INTO metric_series VALUES (?, ?, ?, ?)", (sid, initiative, metric, unit))
                when = dt.datetime.fromisoformat(stamp)
                yield sid, int(when.timestamp()), float(value), 1

    n = conn.executemany("INSERT INTO metric_point (series_id, ts, value, batch_id) VALUES (?, ?, ?, ?)",
                         rows()).rowcount
    conn.execute("COMMIT")
    conn.close()
    return n


def make_template(folder: Path) -> Path:
    """A workspace with the ten initiatives the generated files name (copied fresh for every import)."""
    template = folder / "template.opsdesk"
    script = ("import sys\nfrom opsdesk.services.registry import initiatives\n"
              "from opsdesk.services.workspace import lifecycle\n"
              "ws = lifecycle.create(sys.argv[1], organisation='Bench', actor='bench')\n"
              "for i in range(1, 11):\n"
              "    initiatives.create(ws, {'code': f'AI-{i:04d}', 'name': f'Initiative {i}'})\n"
              "ws.close()\n")
    subprocess.run([common.python(), "-c", script, str(template)], check=True)
    return template


class Runner:
    """Fresh copies and whole processes for both sides, in one temporary folder."""

    def __init__(self, folder: Path, template: Path) -> None:
        self.folder, self.template, self.n = folder, template, 0

    def _fresh(self, name: str) -> Path:
        self.n += 1
        for p in self.folder.glob(f"{name}-*"):
            p.unlink()
        return self.folder / f"{name}-{self.n}"

    def workspace(self) -> Path:
        ws = self._fresh("ws").with_suffix(".opsdesk")
        shutil.copy(self.template, ws)
        return ws

    def opsdesk_argv(self, csv_path: Path) -> list[str]:
        return [common.python(), "-m", "opsdesk", "import", "--workspace", str(self.workspace()), str(csv_path)]

    def baseline_argv(self, csv_path: Path) -> list[str]:
        db = self._fresh("base").with_suffix(".sqlite")
        return [common.python(), __file__, "--baseline", str(csv_path), str(db)]


def peak_rss_mb(argv: list[str]) -> float:
    """The whole process's peak resident memory: a wrapper runs only ``argv`` and reports its children's peak."""
    wrapper = ("import resource, subprocess, sys\n"
               "p = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss if p.returncode == 0 else -1)\n")
    out = subprocess.run([common.python(), "-c", wrapper, *argv], capture_output=True, text=True, check=True,
                         env={**common.os.environ, "QT_QPA_PLATFORM": "offscreen"})
    kb = int(out.stdout.strip().splitlines()[-1])
    if kb < 0:
        raise RuntimeError(f"{' '.join(argv)} failed")
    return kb / 1024


def in_process(runner: Runner, csv_path: Path) -> None:
    """OpsDesk's import inside a warm process (``import_paths`` on a fresh workspace), as the GUI runs it."""
    from opsdesk.services.imports import runs
    from opsdesk.services.workspace import lifecycle

    ws = lifecycle.open_workspace(runner.workspace(), actor="bench")
    try:
        if not runs.import_paths(ws, [csv_path]).committed:
            raise RuntimeError("the import was not committed")
    finally:
        ws.close()


def measure(rows: int, repeat: int, memory_rows: int, keep: bool = False, whole_gated: bool = True
            ) -> list[common.Result]:
    """The whole-process ratio is gated (target 1.3×) at a size where the import, not start-up, is the work
    (``whole_gated``); the work inside a warm process is gated at every size."""
    folder = Path(tempfile.mkdtemp(prefix="opsdesk-bench-import-"))
    try:
        csv_path = folder / "metrics.csv"
        generate(csv_path, rows)
        runner = Runner(folder, make_template(folder))
        times = common.alternate({"opsdesk": lambda: common.process_seconds(runner.opsdesk_argv(csv_path)),
                                  "baseline": lambda: common.process_seconds(runner.baseline_argv(csv_path))},
                                 repeat=repeat, warmup=1 if whole_gated else 0)
        inside = common.alternate({"opsdesk": lambda: in_process(runner, csv_path),
                                   "baseline": lambda: baseline(csv_path, Path(runner.baseline_argv(csv_path)[-1]))},
                                  repeat=repeat)
        results = [common.Result(BENCH, f"{rows:,}-row metrics import, whole `opsdesk import` process",
                                 common.median(times["opsdesk"]), common.median(times["baseline"]),
                                 target_ratio=1.3 if whole_gated else None,
                                 baseline_label="csv + sqlite3 executemany process",
                                 note=f"medians of {repeat}" + ("" if whole_gated else
                                                                "; start-up dominates at this size: not gated")),
                   common.Result(BENCH, f"{rows:,}-row metrics import inside the process (`import_paths`)",
                                 common.median(inside["opsdesk"]), common.median(inside["baseline"]),
                                 target_ratio=1.3, baseline_label="csv + sqlite3 executemany",
                                 note=f"medians of {repeat}")]
        if memory_rows != rows:
            big = folder / "memory.csv"
            generate(big, memory_rows)
            csv_path.unlink()
        else:
            big = csv_path
        ops_mb = peak_rss_mb(runner.opsdesk_argv(big))
        base_mb = peak_rss_mb(runner.baseline_argv(big))
        results.append(common.Result(BENCH, f"peak memory importing {memory_rows:,} rows (whole process)",
                                     ops_mb, base_mb, unit="MB", target_abs=1000,
                                     baseline_label="csv + sqlite3 process"))
        return results
    finally:
        if keep:
            print(f"kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def run(quick: bool) -> list[common.Result]:
    if quick:
        return measure(QUICK_ROWS, repeat=3, memory_rows=QUICK_ROWS, whole_gated=False)
    return measure(1_000_000, repeat=3, memory_rows=10_000_000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, alternating; medians are compared")
    parser.add_argument("--memory-rows", type=int, default=10_000_000, help="rows of the peak-memory file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--baseline", nargs=2, metavar=("CSV", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline:
        baseline(Path(args.baseline[0]), Path(args.baseline[1]))
        return 0
    results = measure(args.rows, args.repeat, args.memory_rows, args.keep)
    common.emit(results, args.json)
    return 1 if any(r.failures() for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
