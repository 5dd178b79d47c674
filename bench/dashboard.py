"""Dashboard speed at scale: 200 initiatives × 20 series × 3 years of daily points (≈ 4.4 M points).

Measures, each against the bare work it rests on in the same run:

1. first complete paint of the dashboard page   vs  the bare SQL queries behind it (raw sqlite3), twice: as a user
   meets it after an import (which wrote the dashboard summary, ``opsdesk.analytics.summary``), and just after a
   change nobody has opened the dashboard on yet (no summary: every KPI computed on opening);
2. a time-range change on every chart            vs  bare pyqtgraph plots with the same curves;
3. redrawing one chart holding 10 M points       vs  a bare pyqtgraph PlotWidget with the same 10 M points.

Targets: first paint < 1.5 s, range change < 300 ms, each at most 2× its baseline.

    python bench/dashboard.py [--path FILE] [--rebuild] [--repeat N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

INITIATIVES = 200
SERIES = 20
DAYS = 3 * 365
START = dt.date(2023, 12, 1)
DAY = 86400
TARGETS = {"first paint": 1.5, "first paint, no summary": 1.5, "range change": 0.3}


def build(path: Path) -> None:
    """The workspace, through the services; the points through the raw bulk path."""
    from opsdesk.domain.enums import Direction, OpsDiscipline, RiskTier
    from opsdesk.services import demo
    from opsdesk.services.finance import costs
    from opsdesk.services.registry import initiatives, metrics
    from opsdesk.services.workspace import lifecycle
    from opsdesk.store.models import AllocationRule

    t0 = time.perf_counter()
    ws = lifecycle.create(path, organisation="Bench", force=True, actor="bench")
    rng = np.random.default_rng(7)
    tiers = list(RiskTier)
    for i in range(1, INITIATIVES + 1):
        initiatives.create(ws, {"code": f"AI-{i:04d}", "name": f"Initiative {i}", "budget": str(50_000 + 1000 * i),
                                "currency": "USD", "risk_tier": tiers[i % 4], "start_date": START.isoformat(),
                                "end_date": (START + dt.timedelta(days=DAYS + 200)).isoformat()})
    specs = [(d, n, u, dr, g, a, base, noise) for d, n, u, dr, g, a, base, _t, _w, noise in demo.SERIES]
    specs += [(OpsDiscipline.DATAOPS, f"Custom metric {k:02d}", "", Direction.HIGHER_IS_BETTER, None, None, 50, 5)
              for k in range(SERIES - len(specs))]
    base_ts = int(dt.datetime(START.year, START.month, START.day, tzinfo=dt.UTC).timestamp())
    ts = (base_ts + np.arange(DAYS) * DAY).tolist()
    with ws.write("metrics") as tx:
        for i in range(1, INITIATIVES + 1):
            for disc, name, unit, direction, green, amber, base, noise in specs:
                series = metrics.create_series_tx(tx, {"discipline": disc, "name": name, "unit": unit,
                                                       "direction": direction, "green_threshold": green,
                                                       "amber_threshold": amber}, initiative_code=f"AI-{i:04d}")
                values = np.maximum(0, base + rng.normal(0, max(noise, 1e-3), DAYS))
                if name == "Deployments":
                    values = (rng.random(DAYS) < 0.05).astype(float)
                if unit == "%":
                    values = np.clip(values, 0, 100)
                metrics.insert_points_tx(tx, zip([series.id] * DAYS, ts, values.round(4).tolist(), strict=True))
    t1 = time.perf_counter()
    rows = []
    for month in range(36):
        start, end = demo.month_span(START, month)
        for i in range(1, INITIATIVES + 1):
            amount = Decimal(str(round(1000 + 500 * rng.random(), 2)))
            rows.append({"charge_period_start": start, "charge_period_end": end, "billed_cost": amount,
                         "effective_cost": amount, "billing_currency": "USD", "service_name": "Compute",
                         "tags": {"opsdesk-initiative": f"AI-{i:04d}"}})
    with ws.write("costs") as tx:
        costs.add_records_tx(tx, rows)
        tx.add(AllocationRule(name="tag", priority=10, match={"tag_key": "opsdesk-initiative"},
                              target={"from_tag": "opsdesk-initiative"}), "allocation_rule")
        costs.apply_rules_tx(tx)
    points = metrics.point_count(ws)
    ws.close()
    print(f"built {path}: {points:,} points in {t1 - t0:.1f} s, costs in {time.perf_counter() - t1:.1f} s")


def bare_sql(path: Path) -> float:
    """The queries the first paint rests on, through the raw driver: the latest day, the recent window of the
    KPI series (60 days; predictions 100), the model-quality baselines, the last year of the five portfolio
    curves, and allocated spend."""
    t0 = time.perf_counter()
    con = sqlite3.connect(path)
    end = con.execute("SELECT MAX(last) FROM (SELECT (SELECT MAX(p.ts) FROM metric_point p "
                      "WHERE p.series_id = s.id) AS last FROM metric_series s)").fetchone()[0]

    def window(ids: list[int], days: int) -> None:
        for k in range(0, len(ids), 500):
            chunk = ids[k:k + 500]
            con.execute(f"SELECT series_id, ts, value FROM metric_point WHERE series_id IN "
                        f"({','.join('?' * len(chunk))}) AND ts > ? AND ts <= ? ORDER BY series_id, ts",
                        (*chunk, end - days * DAY, end)).fetchall()

    kpi = "name LIKE 'Pipeline%' OR name LIKE 'Data %' OR name LIKE 'Model%' OR name LIKE 'Feature%' " \
          "OR name LIKE 'Inference%' OR name = 'Deployments' OR green_threshold IS NOT NULL"
    window([r[0] for r in con.execute(f"SELECT id FROM metric_series WHERE {kpi}")], 60)
    window([r[0] for r in con.execute("SELECT id FROM metric_series WHERE name = 'Predictions served'")], 100)
    for (sid,) in con.execute("SELECT id FROM metric_series WHERE name = 'Model quality (F1)'").fetchall():
        con.execute("SELECT value FROM metric_point WHERE series_id = ? ORDER BY ts LIMIT 30", (sid,)).fetchall()
    for name in ("Pipeline success rate", "Data quality score", "Model quality (F1)", "Feature drift (PSI)",
                 "Daily cloud spend"):
        sids = [r[0] for r in con.execute("SELECT id FROM metric_series WHERE name = ?", (name,))]
        con.execute(f"SELECT ts, SUM(value), COUNT(*) FROM metric_point WHERE series_id IN "
                    f"({','.join('?' * len(sids))}) AND ts >= ? AND ts <= ? GROUP BY ts",
                    (*sids, end - 365 * DAY, end)).fetchall()
    con.execute("SELECT id, charge_period_start, charge_period_end, effective_cost, billing_currency "
                "FROM cost_record").fetchall()
    con.execute("SELECT cost_record_id, initiative_id, amount, currency FROM allocation").fetchall()
    con.close()
    return time.perf_counter() - t0


def wait_until(condition) -> None:
    """Run the event loop until ``condition()`` holds, the way the application waits: idle in Qt's loop (a busy
    loop here would fight the worker thread for the GIL on every row SQLite returns)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: loop.quit() if condition() else None)
    timer.start()
    if not condition():
        loop.exec()
    timer.stop()


def first_paint(app, ws, *, summary_written: bool = True) -> tuple[float, object]:
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QWidget

    from opsdesk.ui.actions import ActionRegistry
    from opsdesk.ui.pages.base import PageContext
    from opsdesk.ui.pages.dashboard import DashboardPage
    from opsdesk.ui.tasks import TaskRunner

    holder = QWidget()
    tasks = TaskRunner(holder)
    ctx = PageContext(ws=ws, tasks=tasks, actions=ActionRegistry(holder), undo=QUndoStack(holder),
                      open_initiative=lambda _c: None, status=lambda _t: None)
    from opsdesk.analytics import summary

    if summary_written:
        summary.warm(ws)  # what every import does before it returns
    else:
        summary.forget(ws)
    t0 = time.perf_counter()
    page = DashboardPage(ctx)
    page.resize(1700, 1000)
    page.show()
    page.refresh()
    wait_until(lambda: page.painted)
    page.grab()  # a complete paint of every widget
    elapsed = time.perf_counter() - t0
    # the rest of the curve history arrives after the first paint: not timed, but let it land before going on
    wait_until(lambda: page.history_loads > 0 and tasks.pending == 0)
    page._holder = holder  # keep the task runner alive with the page
    return elapsed, page


def range_change(app, page) -> float:
    t0 = time.perf_counter()
    page.set_range(90 if page.range_days != 90 else 30)
    app.processEvents()
    page.charts_area.grab()  # the four time charts, as the baseline's four plots
    return time.perf_counter() - t0


def bare_range_change(app, page) -> float:
    """The same curves on bare pyqtgraph plots with the same view settings (downsampling, clip-to-view, grid,
    y fitted to the visible data), same range change."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QGridLayout, QWidget

    box = QWidget()
    box.resize(page.charts_area.size())
    layout = QGridLayout(box)
    plots = []
    for chart in page.time_charts():
        w = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
        w.setDownsampling(auto=True, mode="peak")
        w.setClipToView(True)
        w.showGrid(x=True, y=True, alpha=0.15)
        w.getPlotItem().getViewBox().setAutoVisible(y=True)
        for item in chart.curves.values():
            x, y = item.getOriginalDataset()
            if x is not None:
                w.plot(x, y)
        layout.addWidget(w, len(plots) // 2, len(plots) % 2)
        plots.append(w)
    box.show()
    box.grab()
    end = page.master.x_range()[1]
    t0 = time.perf_counter()
    for w in plots:
        w.setXRange(end - 60 * DAY, end, padding=0)
    app.processEvents()
    box.grab()
    elapsed = time.perf_counter() - t0
    box.close()
    return elapsed


def ten_million(app) -> tuple[float, float]:
    """Redraw after a range change: OpsDesk's TimeChart vs a bare PlotWidget, both holding 10 M points."""
    import pyqtgraph as pg

    from opsdesk.ui.plots.time_chart import TimeChart

    n = 10_000_000
    x = np.arange(n, dtype=np.float64) * 10.0 + 1.6e9
    y = np.cumsum(np.random.default_rng(1).normal(0, 1, n))

    class Curve:
        label, ts, values = "10 M points", x, y

    chart = TimeChart("10 M points")
    chart.resize(1000, 400)
    chart.set_curves([Curve])
    chart.show()
    chart.grab()
    bare = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
    bare.resize(1000, 400)
    bare.setDownsampling(auto=True, mode="peak")
    bare.setClipToView(True)
    bare.plot(x, y)
    bare.show()
    bare.grab()
    ours, base = [], []
    for k in range(3):
        lo, hi = x[0] + k * 1e7, x[-1] - k * 1e7
        t0 = time.perf_counter()
        chart.set_x_range(lo, hi)
        app.processEvents()
        chart.plot.grab()  # the plot itself, as the bare PlotWidget
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        bare.setXRange(lo, hi, padding=0)
        app.processEvents()
        bare.grab()
        base.append(time.perf_counter() - t0)
    chart.close()
    bare.close()
    return statistics.median(ours), statistics.median(base)


def report(name: str, ours: float, base: float) -> bool:
    ratio = ours / base if base else float("inf")
    target = TARGETS.get(name)
    ok = ratio <= 2.0 and (target is None or ours <= target)
    limit = f"target < {target * 1000:.0f} ms and ≤ 2×" if target else "target ≤ 2×"
    print(f"{name:<26} {ours * 1000:8.0f} ms   baseline {base * 1000:8.0f} ms   ratio {ratio:4.2f}   "
          f"{limit}  {'OK' if ok else 'MISSED'}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=Path(tempfile.gettempdir()) / "opsdesk-bench-dashboard.opsdesk")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.rebuild or not args.path.exists():
        build(args.path)
    from opsdesk.services.workspace import lifecycle
    from opsdesk.ui.app import make_app

    app = make_app()
    ws = lifecycle.open_workspace(args.path)  # upgrades a workspace built by an older OpsDesk
    bare_sql(args.path)  # warm the file cache for both sides
    sql = statistics.median(bare_sql(args.path) for _ in range(args.repeat))
    paints, cold, page = [], [], None
    for _ in range(args.repeat):
        elapsed, page = first_paint(app, ws, summary_written=False)
        cold.append(elapsed)
        print(f"dashboard computed on the worker: "
              f"{', '.join(f'{k} {v * 1000:.0f} ms' for k, v in page.data.seconds.items())}")
    for _ in range(args.repeat):
        elapsed, page = first_paint(app, ws)
        paints.append(elapsed)
    assert page is not None
    print(f"dashboard read on the worker: {', '.join(f'{k} {v * 1000:.0f} ms' for k, v in page.data.seconds.items())}")
    ranges = [range_change(app, page) for _ in range(args.repeat)]
    bare_ranges = [bare_range_change(app, page) for _ in range(args.repeat)]
    ours10, base10 = ten_million(app)
    print(f"{'measure':<26} {'OpsDesk':>11}   {'baseline':>17}")
    ok = report("first paint", statistics.median(paints), sql)
    ok &= report("first paint, no summary", statistics.median(cold), sql)
    ok &= report("range change", statistics.median(ranges), statistics.median(bare_ranges))
    ok &= report("10 M points redraw", ours10, base10)
    ws.close()
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
