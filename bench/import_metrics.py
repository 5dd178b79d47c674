"""Time the OpsDesk import of a tidy metrics CSV against a baseline in the same run.

Baseline: pandas parses the CSV, then the raw sqlite3 driver's executemany inserts (series id, ts, value,
batch) tuples into an equivalent table (same key, WITHOUT ROWID, same batch index) in one transaction.
OpsDesk: the whole pipeline — read and validate, resolve series, one transaction through
``opsdesk.store.queries.bulk_upsert_points`` with an ImportBatch and audit events.

    python bench/import_metrics.py [--rows 1000000] [--repeat 3] [--database-url URL] [--keep]

The two are run alternately ``--repeat`` times and the best time of each is compared (a shared machine is
noisy); CPU time (``time.process_time``) is printed beside the wall time, as it suffers less from a busy machine. Prints every time, the ratio, and the peak resident memory (ru_maxrss, which only grows: the first
OpsDesk run comes before any baseline run, so its figure is OpsDesk's own).
"""

from __future__ import annotations

import argparse
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

SERIES = 50


def generate(path: Path, rows: int) -> None:
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


def peak_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 1024 if sys.platform != "darwin" else rss / 1024 / 1024


def baseline(csv_path: Path, db_path: Path) -> tuple[float, float]:
    import pandas as pd

    t0, c0 = time.perf_counter(), time.process_time()
    frame = pd.read_csv(csv_path)
    keys = frame["initiative"] + "\x1f" + frame["metric"]
    sid = pd.factorize(keys)[0] + 1
    ts = pd.to_datetime(frame["timestamp"], utc=True).dt.tz_convert(None).to_numpy().astype("datetime64[s]")
    rows = zip(sid.tolist(), ts.astype(np.int64).tolist(), frame["value"].tolist(), [1] * len(frame),
               strict=True)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE metric_point (series_id INTEGER NOT NULL, ts BIGINT NOT NULL, value FLOAT NOT NULL, "
                 "batch_id INTEGER, PRIMARY KEY (series_id, ts)) WITHOUT ROWID")
    conn.execute("CREATE INDEX ix_metric_point_batch ON metric_point (batch_id)")
    with conn:
        conn.executemany("INSERT INTO metric_point VALUES (?, ?, ?, ?)", rows)
    conn.close()
    return time.perf_counter() - t0, time.process_time() - c0


def opsdesk_import(csv_path: Path, location: str) -> tuple[float, float, int]:
    from opsdesk.services import imports, initiatives, workspace

    ws = workspace.create(location, organisation="Bench", actor="bench")
    try:
        for i in range(1, 11):
            initiatives.create(ws, {"code": f"AI-{i:04d}", "name": f"Initiative {i}"})
        t0, c0 = time.perf_counter(), time.process_time()
        report = imports.import_paths(ws, [csv_path])
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        if not report.committed:
            raise SystemExit(f"the import was not committed: {report.message}")
        return elapsed, cpu, report.accepted
    finally:
        ws.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="workspace URL for OpsDesk (default: a temporary SQLite file)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best of each is compared")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="opsdesk-bench-"))
    csv_path = folder / "metrics.csv"
    generate(csv_path, args.rows)
    print(f"generated {csv_path} ({csv_path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows)")
    ops_times, base_times, ops_cpu, base_cpu = [], [], [], []
    ops_mb = 0.0
    for n in range(args.repeat):  # alternate the two, keep the best of each: the machine may be busy
        url = args.database_url if args.database_url and n == 0 else None
        wall, cpu, accepted = opsdesk_import(csv_path, url or str(folder / f"bench-{n}.opsdesk"))
        ops_times.append(wall)
        ops_cpu.append(cpu)
        if n == 0:
            ops_mb = peak_mb()  # before any baseline run, so this peak is OpsDesk's own
        wall, cpu = baseline(csv_path, folder / f"baseline-{n}.sqlite")
        base_times.append(wall)
        base_cpu.append(cpu)
    base_mb = peak_mb()
    ops_s, base_s = min(ops_times), min(base_times)
    ratio = ops_s / base_s

    def runs(values: list[float]) -> str:
        return ", ".join(f"{t:.2f}" for t in values)

    print(f"baseline (pandas + sqlite3 executemany): {base_s:.2f} s wall, {min(base_cpu):.2f} s CPU "
          f"(runs: {runs(base_times)})")
    print(f"opsdesk import ({accepted:,} points):      {ops_s:.2f} s wall, {min(ops_cpu):.2f} s CPU "
          f"(runs: {runs(ops_times)})")
    print(f"ratio: {ratio:.2f}x wall, {min(ops_cpu) / min(base_cpu):.2f}x CPU (target <= 1.5x)")
    print(f"peak RSS after opsdesk: {ops_mb:.0f} MB; after baseline too: {base_mb:.0f} MB (target < 1536 MB)")
    if not args.keep:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ratio <= 1.5 and ops_mb < 1536 else 1


if __name__ == "__main__":
    raise SystemExit(main())
