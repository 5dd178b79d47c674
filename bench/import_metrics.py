"""Time the OpsDesk import of a tidy metrics CSV against a baseline in the same run.

Baseline: pandas parses the CSV, then the raw sqlite3 driver's executemany inserts (series id, ts, value,
batch) tuples into an equivalent table (same key, WITHOUT ROWID, same batch index) in one transaction.
OpsDesk: the whole pipeline — read and validate, resolve series, one transaction through
``opsdesk.store.queries.bulk_upsert_points`` with an ImportBatch and audit events.

    python bench/import_metrics.py [--rows 1000000] [--repeat 3] [--database-url URL] [--keep]

With ``--database-url`` (a PostgreSQL server URL whose role may create databases, e.g.
``postgresql+psycopg://postgres@127.0.0.1/postgres``) both sides run on that server, each in a fresh database:
the baseline is pandas + a bare psycopg ``COPY`` of the same rows into an equivalent table; OpsDesk imports into a
new workspace there (its bulk path is COPY too).

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


def baseline_rows(csv_path: Path):
    """What both baselines start from: the CSV read by pandas into (series id, epoch seconds, value, batch) rows,
    and how many series they hold."""
    import pandas as pd

    frame = pd.read_csv(csv_path)
    keys = frame["initiative"] + "\x1f" + frame["metric"]
    sid = pd.factorize(keys)[0] + 1
    ts = pd.to_datetime(frame["timestamp"], utc=True).dt.tz_convert(None).to_numpy().astype("datetime64[s]")
    rows = zip(sid.tolist(), ts.astype(np.int64).tolist(), frame["value"].tolist(), [1] * len(frame), strict=True)
    return rows, int(sid.max())


def baseline(csv_path: Path, db_path: Path) -> tuple[float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    rows, _series = baseline_rows(csv_path)
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE TABLE metric_point (series_id INTEGER NOT NULL, ts BIGINT NOT NULL, value FLOAT NOT NULL, "
                 "batch_id INTEGER, PRIMARY KEY (series_id, ts)) WITHOUT ROWID")
    conn.execute("CREATE INDEX ix_metric_point_batch ON metric_point (batch_id)")
    with conn:
        conn.executemany("INSERT INTO metric_point VALUES (?, ?, ?, ?)", rows)
    conn.close()
    return time.perf_counter() - t0, time.process_time() - c0


def _pg_admin(url: str, sql: str) -> None:
    import psycopg
    from sqlalchemy import make_url

    u = make_url(url)
    with psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username, dbname=u.database,
                         autocommit=True) as conn:
        conn.execute(sql)


def _pg_url(url: str, database: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).set(database=database).render_as_string(hide_password=False)


def baseline_pg(csv_path: Path, url: str, database: str) -> tuple[float, float]:
    import psycopg
    from sqlalchemy import make_url

    u = make_url(url)
    t0, c0 = time.perf_counter(), time.process_time()
    rows, series = baseline_rows(csv_path)
    with psycopg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username, dbname=database) as conn:
        # equivalent to OpsDesk's table: same key, batch index and foreign key to the series
        conn.execute("CREATE TABLE metric_series (id INTEGER PRIMARY KEY)")
        conn.execute(f"INSERT INTO metric_series SELECT generate_series(1, {series})")
        conn.execute("CREATE TABLE metric_point (series_id INTEGER NOT NULL REFERENCES metric_series (id) "
                     "ON DELETE CASCADE, ts BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL, batch_id INTEGER, "
                     "PRIMARY KEY (series_id, ts))")
        conn.execute("CREATE INDEX ix_metric_point_batch ON metric_point (batch_id)")
        with conn.cursor() as cur, cur.copy("COPY metric_point (series_id, ts, value, batch_id) FROM STDIN") as cp:
            for row in rows:
                cp.write_row(row)
        conn.commit()
    return time.perf_counter() - t0, time.process_time() - c0


def main_pg(args: argparse.Namespace, csv_path: Path) -> int:
    ops_times, base_times = [], []
    accepted = 0
    for n in range(args.repeat):
        for side in ("ops", "base"):
            database = f"opsdesk_bench_{side}_{n}"
            _pg_admin(args.database_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            _pg_admin(args.database_url, f'CREATE DATABASE "{database}"')
            try:
                if side == "ops":
                    wall, _cpu, accepted = opsdesk_import(csv_path, _pg_url(args.database_url, database))
                    ops_times.append(wall)
                else:
                    wall, _cpu = baseline_pg(csv_path, args.database_url, database)
                    base_times.append(wall)
            finally:
                _pg_admin(args.database_url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    ops_s, base_s = min(ops_times), min(base_times)
    print(f"baseline (pandas + bare psycopg COPY): {base_s:.2f} s (runs: {', '.join(f'{t:.2f}' for t in base_times)})")
    print(f"opsdesk import on PostgreSQL ({accepted:,} points): {ops_s:.2f} s "
          f"(runs: {', '.join(f'{t:.2f}' for t in ops_times)})")
    print(f"ratio: {ops_s / base_s:.2f}x (target <= 1.5x)")
    return 0 if ops_s / base_s <= 1.5 else 1


def opsdesk_import(csv_path: Path, location: str) -> tuple[float, float, int]:
    from opsdesk.services.imports import runs as imports
    from opsdesk.services.registry import initiatives
    from opsdesk.services.workspace import lifecycle

    ws = lifecycle.create(location, organisation="Bench", actor="bench")
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


def warm_up() -> None:
    """Import what both sides use before anything is timed, so neither pays for module loading."""
    import pandas  # noqa: F401

    import opsdesk.ingest  # noqa: F401
    import opsdesk.services.imports.runs  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    warm_up()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", help="a PostgreSQL server to compare on (default: SQLite files)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best of each is compared")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="opsdesk-bench-"))
    csv_path = folder / "metrics.csv"
    generate(csv_path, args.rows)
    print(f"generated {csv_path} ({csv_path.stat().st_size / 1e6:.0f} MB, {args.rows:,} rows)")
    if args.database_url:
        try:
            return main_pg(args, csv_path)
        finally:
            if not args.keep:
                import shutil

                shutil.rmtree(folder, ignore_errors=True)
    ops_times, base_times, ops_cpu, base_cpu = [], [], [], []
    ops_mb = 0.0
    for n in range(args.repeat):  # alternate the two, keep the best of each: the machine may be busy
        wall, cpu, accepted = opsdesk_import(csv_path, str(folder / f"bench-{n}.opsdesk"))
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
