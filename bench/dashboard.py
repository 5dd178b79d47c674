"""Dashboard speed at scale: 200 initiatives × 20 series × 3 years of daily points (≈ 4.4 M points; ``--quick``:
20 initiatives × 1 year, ≈ 146 k points).

Measures, each against the bare version of the same work in the same run, alternately, medians:

1. first complete paint of the dashboard page with no kept summary (just after a change: every KPI computed on
   opening)  vs  the bare page: the same SQL through the raw driver, the same KPIs in plain Python/numpy (latest
   30-day windows, the window before for the trend, RAG against the thresholds, portfolio means, allocated spend
   per initiative), and a bare pyqtgraph page painting the same curves, tiles, portfolio and funnel;
2. first paint as a user meets it after an import (which kept the summary) against the same bare page;
3. (full size only) a time-range change on every chart vs bare pyqtgraph plots with the same curves, and redrawing
   one chart holding 10 M points vs a bare PlotWidget with the same 10 M points.

Target (issue 21): first paint with no kept summary ≤ 1.3× the bare page.

    python bench/dashboard.py [--quick] [--path FILE] [--rebuild] [--repeat N] [--json FILE]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import Result, alternate, emit, median  # noqa: E402

INITIATIVES = 200
SERIES = 20
DAYS = 3 * 365
QUICK = (20, 365)  # initiatives, days
START = dt.date(2023, 12, 1)
DAY = 86400
TARGET_RATIO = 1.3
WINDOW = 30  # days of a KPI's window (opsdesk.analytics.kpis.WINDOW_DAYS)


def build(path: Path, initiatives_count: int = INITIATIVES, days: int = DAYS) -> None:
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
    for i in range(1, initiatives_count + 1):
        initiatives.create(ws, {"code": f"AI-{i:04d}", "name": f"Initiative {i}", "budget": str(50_000 + 1000 * i),
                                "currency": "USD", "risk_tier": tiers[i % 4], "start_date": START.isoformat(),
                                "end_date": (START + dt.timedelta(days=days + 200)).isoformat()})
    specs = [(d, n, u, dr, g, a, base, noise) for d, n, u, dr, g, a, base, _t, _w, noise in demo.SERIES]
    specs += [(OpsDiscipline.DATAOPS, f"Custom metric {k:02d}", "", Direction.HIGHER_IS_BETTER, None, None, 50, 5)
              for k in range(SERIES - len(specs))]
    base_ts = int(dt.datetime(START.year, START.month, START.day, tzinfo=dt.UTC).timestamp())
    ts = (base_ts + np.arange(days) * DAY).tolist()
    with ws.write("metrics") as tx:
        for i in range(1, initiatives_count + 1):
            for disc, name, unit, direction, green, amber, base, noise in specs:
                series = metrics.create_series_tx(tx, {"discipline": disc, "name": name, "unit": unit,
                                                       "direction": direction, "green_threshold": green,
                                                       "amber_threshold": amber}, initiative_code=f"AI-{i:04d}")
                values = np.maximum(0, base + rng.normal(0, max(noise, 1e-3), days))
                if name == "Deployments":
                    values = (rng.random(days) < 0.05).astype(float)
                if unit == "%":
                    values = np.clip(values, 0, 100)
                metrics.insert_points_tx(tx, zip([series.id] * days, ts, values.round(4).tolist(), strict=True))
    t1 = time.perf_counter()
    rows = []
    for month in range(max(1, days // 30)):
        start, end = demo.month_span(START, month)
        for i in range(1, initiatives_count + 1):
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


class BarePage:
    """The bare version of the dashboard's first paint: the same SQL through the raw driver, the same KPIs in plain
    Python/numpy, and a bare pyqtgraph page with the same curves, tiles, portfolio, funnel, cost-and-quality chart,
    filter bar and "needs the committee" table (bare: the red KPIs)."""

    KPI_NAMES = ("Pipeline success rate", "Data quality score", "Model quality (F1)", "Feature drift (PSI)",
                 "Inference latency p95", "Deployments")
    CURVES = (("dataops", ("Pipeline success rate", "Data quality score"), False),
              ("mlops", ("Model quality (F1)", "Feature drift (PSI)"), False))

    def __init__(self, path: Path) -> None:
        self.path = path
        self.widget: Any = None

    def paint(self) -> float:
        gc.collect()  # each run starts from a collected heap, as OpsDesk's (first_paint)
        t0 = time.perf_counter()
        data = self.compute()
        self.show(data)
        return time.perf_counter() - t0

    def compute(self) -> dict[str, Any]:  # noqa: C901 - the page's figures, written out plainly
        con = sqlite3.connect(self.path)
        end = con.execute("SELECT MAX(ts) FROM metric_point").fetchone()[0]
        series = con.execute("SELECT id, initiative_id, name, direction, green_threshold, amber_threshold "
                             "FROM metric_series").fetchall()
        kpi_ids = [r for r in series if r[2] in self.KPI_NAMES or r[4] is not None]
        windows: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for k in range(0, len(kpi_ids), 500):
            chunk = [r[0] for r in kpi_ids[k:k + 500]]
            rows = np.array(con.execute(
                f"SELECT series_id, ts, value FROM metric_point WHERE series_id IN ({','.join('?' * len(chunk))}) "
                "AND ts > ? AND ts <= ? ORDER BY series_id, ts", (*chunk, end - 2 * WINDOW * DAY, end)).fetchall(),
                dtype=np.float64).reshape(-1, 3)
            if len(rows):
                cuts = np.flatnonzero(np.diff(rows[:, 0])) + 1
                for part in np.split(rows, cuts):
                    windows[int(part[0, 0])] = (part[:, 1], part[:, 2])
        kpis: dict[tuple[int, str], tuple[float, float | None, str]] = {}
        for sid, init, name, direction, green, amber in kpi_ids:
            ts, values = windows.get(sid, (np.empty(0), np.empty(0)))
            now, before = values[ts > end - WINDOW * DAY], values[ts <= end - WINDOW * DAY]
            how = np.sum if name == "Deployments" else np.mean
            value = float(how(now)) if len(now) else float("nan")
            trend = value - float(how(before)) if len(before) else None
            higher = str(direction).lower().startswith("higher")
            rag = "grey"
            if green is not None and amber is not None and value == value:
                good = (value >= green) if higher else (value <= green)
                fair = (value >= amber) if higher else (value <= amber)
                rag = "green" if good else "amber" if fair else "red"
            kpis[(init, name)] = (value, trend, rag)
        portfolio = {name: float(np.nanmean([v for (_i, n), (v, _t, _r) in kpis.items() if n == name] or [np.nan]))
                     for name in self.KPI_NAMES}
        baselines = {sid: con.execute("SELECT value FROM metric_point WHERE series_id = ? ORDER BY ts LIMIT 30",
                                      (sid,)).fetchall() for sid, _i, name, *_r in series if name == "Model quality (F1)"}
        curves: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
        for key, names, _total in self.CURVES:
            curves[key] = []
            for name in names:
                sids = [r[0] for r in series if r[2] == name]
                rows = np.array(con.execute(
                    f"SELECT ts, AVG(value) FROM metric_point WHERE series_id IN ({','.join('?' * len(sids))}) "
                    "AND ts >= ? AND ts <= ? GROUP BY ts ORDER BY ts", (*sids, end - 365 * DAY, end)).fetchall(),
                    dtype=np.float64).reshape(-1, 2)
                curves[key].append((rows[:, 0], rows[:, 1]))
        spend_rows = con.execute("SELECT c.charge_period_start, a.initiative_id, a.amount FROM allocation a "
                                 "JOIN cost_record c ON c.id = a.cost_record_id").fetchall()
        spend: dict[int, float] = {}
        daily: dict[str, float] = {}
        for day, init, amount in spend_rows:
            spend[init] = spend.get(init, 0.0) + float(amount)
            daily[str(day)[:10]] = daily.get(str(day)[:10], 0.0) + float(amount)
        days = sorted(daily)
        curves["finops"] = [(np.array([dt.datetime.fromisoformat(d).replace(tzinfo=dt.UTC).timestamp() for d in days]),
                             np.array([daily[d] for d in days]))]
        inits = con.execute("SELECT id, code, stage FROM initiative").fetchall()
        # the cost-and-quality chart: one initiative's whole daily cloud spend and model quality
        first = inits[0][0] if inits else None
        curves["integrated"] = [
            tuple(np.array(con.execute("SELECT ts, value FROM metric_point WHERE series_id = ? ORDER BY ts",
                                       (sid,)).fetchall(), dtype=np.float64).reshape(-1, 2).T)
            for sid in (next((r[0] for r in series if r[1] == first and r[2] == name), -1)
                        for name in ("Daily cloud spend", "Model quality (F1)"))]
        predictions = {r[1]: r[0] for r in series if r[2] == "Predictions served"}
        points = []
        for iid, _code, _stage in inits:
            sid = predictions.get(iid)
            value = con.execute("SELECT COALESCE(SUM(value), 0) FROM metric_point WHERE series_id = ? AND ts > ?",
                                (sid, end - 90 * DAY)).fetchone()[0] if sid else 0.0
            points.append((spend.get(iid, 0.0), value / 1000))
        funnel: dict[str, int] = {}
        for _iid, _code, stage in inits:
            funnel[stage] = funnel.get(stage, 0) + 1
        # the "needs the committee" list, bare: every red KPI of an initiative, worst first
        codes = {iid: code for iid, code, _stage in inits}
        attention = sorted(((codes.get(init, "?"), f"{name} is red ({value:,.3g})", value)
                            for (init, name), (value, _trend, rag) in kpis.items() if rag == "red"),
                           key=lambda row: -abs(row[2]))
        con.close()
        return {"portfolio": portfolio, "kpis": kpis, "baselines": baselines, "curves": curves, "points": points,
                "funnel": funnel, "attention": attention}

    def show(self, data: dict[str, Any]) -> None:
        import pyqtgraph as pg
        from PySide6.QtWidgets import (
            QComboBox,
            QGridLayout,
            QHBoxLayout,
            QLabel,
            QPushButton,
            QTableWidget,
            QTableWidgetItem,
            QWidget,
        )

        if self.widget is not None:
            self.widget.close()
        page = QWidget()
        page.resize(1700, 1000)
        grid = QGridLayout(page)
        for n, (name, value) in enumerate(data["portfolio"].items()):
            grid.addWidget(QLabel(f"{name}\n{value:,.3g}"), 0, n)
        for n, (key, curves) in enumerate(data["curves"].items()):
            w = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem()})
            w.setTitle(key)
            w.showGrid(x=True, y=True, alpha=0.15)
            for x, y in curves:
                item = w.plot(x, y)
                item.setDownsampling(auto=True, method="peak")
                item.setClipToView(True)
            grid.addWidget(w, 1 + n // 2, (n % 2) * 3, 1, 3)
        scatter = pg.PlotWidget()
        xs, ys = zip(*data["points"], strict=True) if data["points"] else ((), ())
        scatter.plot(list(xs), list(ys), pen=None, symbol="o")
        grid.addWidget(scatter, 3, 0, 1, 2)
        bars = pg.PlotWidget()
        bars.addItem(pg.BarGraphItem(x=list(range(len(data["funnel"]))), height=list(data["funnel"].values()),
                                     width=0.6))
        grid.addWidget(bars, 3, 2, 1, 2)
        bar = QWidget()
        row = QHBoxLayout(bar)
        for label in ("Objective", "Stage", "Discipline"):
            combo = QComboBox()
            combo.addItems([f"All ({label.lower()})"])
            row.addWidget(combo)
        for text in ("30 d", "90 d", "1 y", "All"):
            row.addWidget(QPushButton(text))
        grid.addWidget(bar, 4, 0, 1, 6)
        table = QTableWidget(len(data["attention"]), 3)
        table.setHorizontalHeaderLabels(["Initiative", "Why", "Score"])
        for n, (code, why, score) in enumerate(data["attention"]):
            for c, text in enumerate((code, why, f"{score:,.3g}")):
                table.setItem(n, c, QTableWidgetItem(text))
        grid.addWidget(table, 3, 4, 1, 2)
        page.show()
        wait_painted(page)  # one complete paint by the event loop, as the dashboard page gets
        self.widget = page


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


def wait_painted(page, ready=lambda: True) -> None:
    """Run the event loop until ``ready()`` holds and every chart shown on ``page`` has been painted on screen once
    (the event loop's own paint, what a person sees: no extra ``grab``). Both sides of the bench end here, so both
    pay for exactly one complete paint of the same charts."""
    import pyqtgraph as pg
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

    views = [v for v in page.findChildren(pg.GraphicsView)]
    painted: set[int] = set()
    loop = QEventLoop()

    def done() -> bool:
        return ready() and all(id(v) in painted for v in views if v.isVisible())

    class Watch(QObject):
        def eventFilter(self, watched, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint:
                painted.add(id(watched.parent()))
                if done():
                    loop.quit()  # once this paint pass (every chart's viewport) has finished
            return False

    watch = Watch()
    for v in views:
        v.viewport().installEventFilter(watch)
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: loop.quit() if done() else None)
    timer.start()
    if not done():
        loop.exec()
    timer.stop()
    for v in views:
        v.viewport().removeEventFilter(watch)


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
    gc.collect()  # each run starts from a collected heap, as the bare page's
    t0 = time.perf_counter()
    page = DashboardPage(ctx)
    page.resize(1700, 1000)
    page.show()
    page.refresh()
    wait_painted(page, lambda: page.painted)  # the data shown and painted once, as the bare page
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


def _workspace(quick: bool, path: Path | None, rebuild: bool) -> Path:
    count, days = QUICK if quick else (INITIATIVES, DAYS)
    name = f"opsdesk-bench-dashboard-{count}x{days}.opsdesk"
    target = path or Path(tempfile.gettempdir()) / name
    if rebuild or not target.exists():
        build(target, count, days)
    return target


def run(quick: bool, repeat: int | None = None, path: Path | None = None, rebuild: bool = False) -> list[Result]:
    from opsdesk.services.workspace import lifecycle
    from opsdesk.ui.app import make_app

    repeat = repeat or (3 if quick else 5)
    target = _workspace(quick, path, rebuild)
    app = make_app()
    ws = lifecycle.open_workspace(target)  # upgrades a workspace built by an older OpsDesk
    bare = BarePage(target)
    pages: list[Any] = []

    def paint(summary_written: bool) -> None:
        if pages:
            pages.pop().close()
        elapsed, page = first_paint(app, ws, summary_written=summary_written)
        pages.append(page)
        times[f"ours {summary_written}"].append(elapsed)

    times: dict[str, list[float]] = {"ours False": [], "ours True": []}
    try:
        raw = alternate({"opsdesk, no summary": lambda: paint(False), "bare page": bare.paint,
                         "opsdesk, summary kept": lambda: paint(True)}, repeat=repeat)
        cold, warm = times["ours False"][-repeat:], times["ours True"][-repeat:]  # not the warm-up round
        steps = pages[-1].data.seconds if pages and pages[-1].data is not None else {}
        points = f"{QUICK[0] if quick else INITIATIVES} initiatives × {SERIES} series × {QUICK[1] if quick else DAYS} days"
        results = [
            Result("dashboard", "first paint, no kept summary", median(cold), median(raw["bare page"]),
                   target_ratio=TARGET_RATIO, baseline_label="raw SQL + numpy KPIs + bare pyqtgraph page",
                   note=f"{points}; median of {repeat}"),
            Result("dashboard", "first paint, summary kept by the last import", median(warm),
                   median(raw["bare page"]), baseline_label="raw SQL + numpy KPIs + bare pyqtgraph page",
                   note=f"{points}; worker steps " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in steps.items())),
        ]
        if not quick:
            page = pages[-1]
            ranges = [range_change(app, page) for _ in range(repeat)]
            bare_ranges = [bare_range_change(app, page) for _ in range(repeat)]
            results.append(Result("dashboard", "time-range change on every chart", median(ranges),
                                  median(bare_ranges), target_ratio=2.0, target_abs=0.3,
                                  baseline_label="bare pyqtgraph plots, same curves"))
            ours10, base10 = ten_million(app)
            results.append(Result("dashboard", "redraw of one chart holding 10 M points", ours10, base10,
                                  target_ratio=2.0, baseline_label="bare PlotWidget, same points"))
    finally:
        for page in pages:
            page.close()
        if bare.widget is not None:
            bare.widget.close()
        ws.close()
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--path", type=Path)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--json", dest="json_out")
    args = parser.parse_args()
    results = run(args.quick, args.repeat, args.path, args.rebuild)
    emit(results, args.json_out)
    for r in results:
        if r.note:
            print(f"{r.what}: {r.note}")
    return 1 if any(r.failures(1.0) for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
