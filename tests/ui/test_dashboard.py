"""The dashboard page on the demo workspace, as a committee member uses it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from opsdesk.analytics import kpis

DAY = 86400


@pytest.fixture
def opened() -> list[str]:
    return []


def new_page(qtbot, ws, opened=None, before_show=lambda _page: None):
    """The page as the main window makes it: built, shown, refreshed; loaded and on screen when it returns."""
    from PySide6.QtGui import QUndoStack
    from PySide6.QtWidgets import QWidget

    from opsdesk.ui.actions import ActionRegistry
    from opsdesk.ui.pages.base import PageContext
    from opsdesk.ui.pages.dashboard import DashboardPage
    from opsdesk.ui.tasks import TaskRunner

    holder = QWidget()
    qtbot.addWidget(holder)
    tasks = TaskRunner(holder)
    ctx = PageContext(ws=ws, tasks=tasks, actions=ActionRegistry(holder), undo=QUndoStack(holder),
                      open_initiative=(opened if opened is not None else []).append, status=lambda _text: None)
    p = DashboardPage(ctx)
    qtbot.addWidget(p)
    p.resize(1400, 900)
    before_show(p)
    p.show()
    p.refresh()
    wait_loaded(qtbot, p)
    return p


@pytest.fixture
def page(qtbot, demo_ws, opened):
    p = new_page(qtbot, demo_ws, opened)
    yield p
    p.ctx.tasks.shutdown()


def wait_loaded(qtbot, p, loads: int = 1) -> None:
    qtbot.waitUntil(lambda: p.loads >= loads and not p._loading and p.ctx.tasks.pending == 0, timeout=20000)


def tile_values(p) -> dict[str, float | None]:
    return {key: tile.kpi.value for key, tile in p.tiles.items() if tile.kpi is not None}


def test_page_builds_on_the_demo_with_the_same_numbers_as_the_cli(page, qtbot, demo_ws, tmp_path: Path):
    assert page.data is not None and page.data.as_of == dt.date(2026, 11, 30)
    expected = {k.key: k.value for k in kpis.portfolio_kpis(demo_ws)}
    assert tile_values(page) == pytest.approx(expected)
    assert page.tiles["pipeline_success"].kpi.rag == "red"  # the demo's weak pipelines pull the mean down
    assert "%" in page.tiles["pipeline_success"].unit.text()
    assert page.attention_model.rowCount() > 10
    assert len(page.portfolio.points) == 14 and len(page.portfolio.scatter.points()) == 14
    assert sum(count for _stage, count in page.funnel.summary) == 14
    assert all(c.data_bounds() is not None for c in page.time_charts())
    # the first screen holds the last year of the curves; the whole history follows on the worker
    first_day = dt.datetime(2024, 12, 1, tzinfo=dt.UTC).timestamp()
    qtbot.waitUntil(lambda: page.master.data_bounds()[0] == first_day, timeout=20000)
    page.grab().save(str(tmp_path / "dashboard.png"))


def test_a_filter_changes_the_tiles(page, qtbot, demo_ws):
    from opsdesk.domain.enums import OpsDiscipline, Stage
    from opsdesk.services.registry import initiatives

    before = tile_values(page)
    page.stage_filter.setCurrentIndex(page.stage_filter.findData(Stage.PILOT))
    wait_loaded(qtbot, page, 2)
    pilots = [r.code for r in initiatives.list_rows(demo_ws) if r.stage is Stage.PILOT]
    assert [c for c, _n in page.data.initiatives] == pilots
    after = tile_values(page)
    assert after != before
    assert after["pipeline_success"] == pytest.approx(
        next(k.value for k in kpis.portfolio_kpis(demo_ws, codes=pilots) if k.key == "pipeline_success"))
    assert len(page.portfolio.points) == len(pilots)

    page.discipline_filter.setCurrentIndex(page.discipline_filter.findData(OpsDiscipline.MLOPS))
    wait_loaded(qtbot, page, 3)
    assert page.tile_groups[OpsDiscipline.MLOPS].isVisible()
    assert not page.tile_groups[OpsDiscipline.DATAOPS].isVisible()
    assert not page.trend_charts["dataops"].isVisible() and page.trend_charts["mlops"].isVisible()
    assert all(a.discipline in (None, OpsDiscipline.MLOPS) for a in page.data.attention)


def test_the_time_range_is_shared_by_every_chart(page, qtbot):
    end = page.data.as_of
    end_ts = int(dt.datetime(end.year, end.month, end.day, tzinfo=dt.UTC).timestamp()) + DAY - 1
    page.range_buttons["90 d"].click()
    qtbot.wait(50)
    for chart in page.time_charts():
        low, high = chart.x_range()
        assert (low, high) == pytest.approx((end_ts - 90 * DAY, end_ts), abs=DAY)
    assert page.range_buttons["90 d"].isChecked() and not page.range_buttons["1 y"].isChecked()
    # zooming one chart (as a drag does) moves the others
    page.integrated.set_x_range(end_ts - 10 * DAY, end_ts)
    qtbot.wait(50)
    for chart in page.time_charts():
        assert chart.x_range() == pytest.approx((end_ts - 10 * DAY, end_ts), abs=DAY)
    qtbot.waitUntil(lambda: page.history_loads > 0, timeout=20000)  # the whole history follows the first paint
    page.range_buttons["All"].click()
    low, _high = page.master.x_range()
    assert low == pytest.approx(page.master.data_bounds()[0], abs=DAY)  # the demo's first day


def test_the_list_a_tile_and_a_point_open_the_right_initiative(page, qtbot, opened):
    view = page.attention_view
    index = page.attention_proxy.index(2, 1)
    expected = page.attention_model.item_at(2).initiative_code
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.visualRect(index).center())
    assert opened == [expected]
    tile = page.tiles["forecast_fy_end"]
    qtbot.mouseClick(tile, Qt.MouseButton.LeftButton)
    assert opened[-1] == page.data.worst["forecast_fy_end"] == "AI-0002"  # the demo's overrunning initiative
    page.portfolio.click_initiative("AI-0003")
    assert opened[-1] == "AI-0003"


def test_hover_reads_out_the_date_and_values(page):
    chart = page.trend_charts["dataops"]
    x = chart.data_bounds()[1]
    text = chart.readout_at(x)
    assert text.startswith("2026-11-30: Pipeline success ") and "Data quality" in text


def test_charts_export_to_png_and_svg_and_the_dashboard_to_one_png(page, tmp_path: Path):
    from PySide6.QtGui import QImage

    png = page.integrated.export(tmp_path / "chart.png")
    svg = page.portfolio.export(tmp_path / "portfolio.svg")
    assert QImage(str(png)).width() == 1600
    assert "<svg" in svg.read_text(encoding="utf-8")[:500]
    whole = page.export_png(tmp_path / "dashboard.png")
    image = QImage(str(whole))
    assert image.width() == page.content.width() and image.height() == page.content.height()


def test_attention_model_passes_qtmodeltester(qtmodeltester, page):
    qtmodeltester.check(page.attention_model)


def test_written_points_refresh_the_dashboard(window, qtbot, demo_ws):
    from opsdesk.services.registry import metrics

    page = window.go_to("dashboard")
    wait_loaded(qtbot, page)
    loads = page.loads
    assert page.tiles["pipeline_success"].kpi.value < 99
    ids = [s.id for s in metrics.list_series(demo_ws) if s.name == "Pipeline success rate"]
    start = int(dt.datetime(2026, 10, 31, tzinfo=dt.UTC).timestamp())
    rows = [(sid, start + k * DAY, 100.0) for sid in ids for k in range(1, 31)]
    with demo_ws.write("metrics") as tx:  # as an import does: one write, then every page refreshes
        metrics.insert_points_tx(tx, rows)
    qtbot.waitUntil(lambda: page.loads > loads and not page._loading, timeout=20000)
    assert page.tiles["pipeline_success"].kpi.value == pytest.approx(100.0)
    assert page.tiles["pipeline_success"].kpi.rag == "green"


def test_opening_again_reads_the_summary_and_shows_the_same(page, qtbot):
    assert "kpis" in page.data.seconds  # the first opening computed everything
    shown = tile_values(page)
    curves = {key: len(chart.curves) for key, chart in page.trend_charts.items()}
    page.refresh()
    wait_loaded(qtbot, page, 2)
    assert set(page.data.seconds) == {"summary"}
    assert tile_values(page) == shown
    assert {key: len(chart.curves) for key, chart in page.trend_charts.items()} == curves
    cost, quality = page.data.integrated
    assert cost.ts.size and quality.ts.size and page.integrated_code == page.data.integrated_code


def test_portfolio_codes_never_sit_on_each_other(page):
    from opsdesk.ui.plots.portfolio_chart import labelled

    xs = np.array([600.0, 590.0, 300.0, 100.0, 150.0, 0.0])
    ys = np.array([1000.0, 1010.0, 1000.0, 2000.0, 0.0, 0.0])
    # 590 is next to 600 at the same value: no code; 100 is next to 150 but far above it: it keeps its code
    assert labelled(xs, ys) == [0, 2, 4, 3, 5]
    assert labelled(xs, ys, most=2) == [0, 2]
    shown = [label.toPlainText() for label in page.portfolio.labels]
    assert shown and len(shown) == len(set(shown))
    spend = {p.code: p.spend for p in page.portfolio.points}
    assert max(spend, key=spend.get) in shown  # the biggest spender always carries its code


def test_trend_arrow_goes_the_right_way():
    from opsdesk.ui.widgets.kpi_tile import BAD, GOOD, trend_arrow

    assert trend_arrow(2.0, True, 90.0) == ("▲", GOOD)
    assert trend_arrow(2.0, False, 90.0) == ("▲", BAD)
    assert trend_arrow(-5.0, False, 90.0) == ("▼", GOOD)
    assert trend_arrow(0.1, True, 90.0)[0] == "▶"
    assert trend_arrow(None, True, 1.0)[0] == ""


def test_two_million_points_draw_with_downsampling(qtbot):
    from opsdesk.ui.plots.time_chart import TimeChart

    class Curve:
        label = "big"
        ts = np.arange(2_000_000, dtype=np.float64) * 60
        values = np.sin(np.arange(2_000_000) / 1000.0)

    chart = TimeChart("big")
    qtbot.addWidget(chart)
    chart.resize(800, 300)
    chart.set_curves([Curve])
    chart.show()
    chart.set_x_range(0, 60 * 1_000_000)
    image = chart.grab()
    assert not image.isNull()
    item = chart.curves["big"]
    assert item.opts["autoDownsample"] and item.opts["clipToView"]


@pytest.mark.parametrize("spends", [[52_000.0], [0.0], [40_000.0, 40_000.0], [0.0, 0.0, 0.0]])
def test_portfolio_with_one_initiative_or_equal_spends_has_readable_axes(qtbot, spends, tmp_path: Path):
    """One initiative (or several at the same spend and value): the point is inside the plot and the axes read as
    amounts from zero, never ticks like -2e-289 on an empty range."""
    from types import SimpleNamespace

    from opsdesk.domain.enums import RiskTier
    from opsdesk.ui.plots.portfolio_chart import PortfolioChart

    chart = PortfolioChart()
    qtbot.addWidget(chart)
    chart.resize(600, 400)
    chart.show()
    points = [SimpleNamespace(code=f"AI-{i:04d}", name="One", spend=s, value=12.0 if s else 0.0, risk=RiskTier.HIGH,
                              currency="USD") for i, s in enumerate(spends, 1)]
    chart.set_points(points)
    qtbot.wait(50)
    (x0, x1), (y0, y1) = chart.plot_item.getViewBox().viewRange()
    for p in points:
        x, y = p.spend / 1000, p.value
        assert x0 < x < x1 and y0 < y < y1
        assert (x - x0) > 0.02 * (x1 - x0) and (x1 - x) > 0.02 * (x1 - x0)  # not on the frame
    for name, (lo, hi) in (("bottom", (x0, x1)), ("left", (y0, y1))):
        axis = chart.plot_item.getAxis(name)
        assert hi - lo >= 0.5
        for spacing, values in axis.tickValues(lo, hi, 500):
            for text in axis.tickStrings(values, 1.0, spacing):
                assert "e-" not in text and "e+" not in text, text


def test_the_dashboard_shows_open_risks_by_residual_rating_and_open_incidents(page, demo_ws, tmp_path: Path):
    from opsdesk.services.risk import incidents, risks

    open_risks = [r for r in risks.list_risks(demo_ws, as_of=dt.date(2026, 11, 30)) if r.status.value == "open"]
    o = page.data.risks
    assert (o.critical, o.high, o.medium, o.low) == tuple(
        sum(1 for r in open_risks if r.residual.value == k) for k in ("critical", "high", "medium", "low"))
    assert o.untreated_high == sum(1 for r in open_risks if r.untreated_high) > 0
    still_open = [x for x in incidents.list_incidents(demo_ws) if x.open]
    assert o.open_incidents == len(still_open) and o.serious_incidents == 1
    text = page.risk_overview.text()
    assert f"{o.high} high" in text and f"{o.untreated_high} untreated high" in text and "1 serious" in text
    # the same figures come back from the kept summary
    from opsdesk.analytics import summary

    assert summary.loads(summary.dumps(page.data)).risks == o
    page.grab().save(str(tmp_path / "dashboard_risks.png"))


def test_the_first_paint_shows_the_figures_and_every_chart_filled_on_the_last_year(qtbot, demo_ws, tmp_path: Path):
    """What the charts hold the first time each is painted: never an empty frame to be filled a moment later,
    never the whole history first and the last year after."""
    import pyqtgraph as pg
    from PySide6.QtCore import QEvent, QObject

    from opsdesk.analytics import summary

    summary.forget(demo_ws)  # just after a change: every figure is computed as the page opens
    first: dict[str, tuple[bool, tuple[float, float], int]] = {}

    class Watch(QObject):
        def eventFilter(self, watched, event):  # noqa: N802
            chart = watched.parent().parent()
            if event.type() == QEvent.Type.Paint and chart.objectName() not in first:
                page = chart.window()
                shown = sum(1 for tile in page.tiles.values() if tile.kpi is not None)
                first[chart.objectName()] = (chart.data_bounds() is not None, chart.x_range(), shown)
            return False

    watch = Watch()

    def watch_charts(p) -> None:
        for chart in p.time_charts():
            chart.plot.viewport().installEventFilter(watch)

    p = new_page(qtbot, demo_ws, before_show=watch_charts)
    qtbot.waitUntil(lambda: len(first) == len(p.time_charts()), timeout=20000)
    end = dt.datetime(2026, 11, 30, 23, 59, 59, tzinfo=dt.UTC).timestamp()
    for name, (filled, (low, high), tiles) in first.items():
        assert filled, f"{name} was painted empty"
        assert (low, high) == pytest.approx((end - 365 * DAY, end), abs=1), name
        assert tiles == len(p.tiles), f"{name} was painted before the KPI tiles had their figures"
    assert p.loads == 1, "the refresh after building the page started a second load"
    # what was computed is kept once the page is on screen: the next opening reads it
    qtbot.waitUntil(lambda: p.history_loads > 0 and p.ctx.tasks.pending == 0, timeout=20000)
    assert summary.count(demo_ws) == 1
    p.export_png(tmp_path / "first_paint.png")
    assert all(isinstance(c.plot, pg.PlotWidget) for c in p.time_charts())
    p.ctx.tasks.shutdown()


@pytest.mark.qt_log_ignore("This plugin does not support grabbing the keyboard")  # offscreen popups
def test_right_click_on_a_chart_opens_its_menu(page, qtbot):
    """pyqtgraph's menu of each chart (View All, axis options, mouse mode, export) on a right-click."""
    from PySide6.QtCore import QPoint
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication, QMenu

    for chart in (page.master, page.integrated, page.portfolio, page.funnel):
        view = chart.plot.viewport()
        centre = chart.plot.mapFromScene(chart.plot_item.getViewBox().sceneBoundingRect().center())
        QTest.mouseClick(view, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, QPoint(centre))
        qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu), timeout=5000)
        menu = QApplication.activePopupWidget()
        texts = [a.text() for a in menu.actions()]
        assert "View All" in texts and "Export..." in texts, texts
        menu.close()
        qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=5000)


@pytest.fixture
def old_costs_ws(ws):
    """Pipeline success up to 2026-11-30; the only FOCUS export imported is two years older (January 2024)."""
    from decimal import Decimal

    from opsdesk.domain.enums import Direction, OpsDiscipline
    from opsdesk.services.finance import costs
    from opsdesk.services.registry import initiatives, metrics
    from opsdesk.store.models import AllocationRule

    initiatives.create(ws, {"code": "AI-0001", "name": "One", "budget": "1000", "currency": "USD"})
    series = metrics.create_series(ws, {"discipline": OpsDiscipline.DATAOPS, "name": "Pipeline success rate",
                                        "unit": "%", "direction": Direction.HIGHER_IS_BETTER},
                                   initiative_code="AI-0001")
    start = int(dt.datetime(2026, 9, 1, tzinfo=dt.UTC).timestamp())
    with ws.write() as tx:
        metrics.insert_points_tx(tx, [(series.id, start + k * DAY, 99.0) for k in range(91)])
    rows = [{"charge_period_start": dt.datetime(2024, 1, d, tzinfo=dt.UTC),
             "charge_period_end": dt.datetime(2024, 1, d + 1, tzinfo=dt.UTC), "billed_cost": Decimal("10"),
             "effective_cost": Decimal("10"), "billing_currency": "USD", "service_name": "Compute",
             "tags": {"opsdesk-initiative": "AI-0001"}} for d in range(1, 31)]
    with ws.write() as tx:
        costs.add_records_tx(tx, rows)
        tx.add(AllocationRule(name="tag", priority=10, match={"tag_key": "opsdesk-initiative"},
                              target={"from_tag": "opsdesk-initiative"}), "allocation_rule")
        costs.apply_rules_tx(tx)
    return ws


def test_a_chart_whose_data_is_all_before_the_shown_range_says_so_and_shows_all(qtbot, old_costs_ws,
                                                                                  tmp_path: Path):
    p = new_page(qtbot, old_costs_ws)
    qtbot.waitUntil(lambda: p.history_loads > 0 and p.ctx.tasks.pending == 0, timeout=20000)
    finops = p.trend_charts["finops"]
    note = finops.empty_note
    assert not p.master.empty_note.isVisible()  # this year's pipeline curve is drawn
    assert note.isVisible(), "the FinOps chart stays blank although it has data"
    assert "2024-01-01" in note.text() and "2024-01-30" in note.text() and "Show all" in note.text()
    p.export_png(tmp_path / "finops_out_of_range.png")
    note.linkActivated.emit("do")  # the user clicks "Show all"
    assert p.range_buttons["All"].isChecked()
    low, high = finops.x_range()
    assert low <= dt.datetime(2024, 1, 1, tzinfo=dt.UTC).timestamp() and high >= p.master.data_bounds()[1]
    assert not note.isVisible()
    p.export_png(tmp_path / "finops_shown_all.png")
    # back to the last 90 days: the note says where the data is again
    p.range_buttons["90 d"].click()
    assert note.isVisible()
    p.export_png(tmp_path / "finops_all.png")
    p.ctx.tasks.shutdown()
