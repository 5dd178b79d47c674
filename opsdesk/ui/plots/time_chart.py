"""A time chart: date axis, hover read-out, drag-to-zoom on time, an optional right axis, shared X range."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from opsdesk.ui.plots import style
from opsdesk.ui.plots.frame import ChartFrame, LazyMenuViewBox


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


class TimeChart(ChartFrame):
    """Curves are created the first time a label is seen and updated with ``setData`` afterwards."""

    def __init__(self, title: str, parent: QWidget | None = None, *, right_axis: str | None = None) -> None:
        super().__init__(title, parent, axis_items={"bottom": pg.DateAxisItem(orientation="bottom")})
        pi = self.plot_item
        small = QFont(self.font())
        small.setPointSizeF(max(6.5, small.pointSizeF() * 0.8))
        for name in ("bottom", "left", "right"):
            pi.getAxis(name).setStyle(tickFont=small)
        pi.setDownsampling(auto=True, mode="peak")
        pi.setClipToView(True)
        pi.showGrid(x=True, y=True, alpha=0.15)
        vb = pi.getViewBox()
        vb.setMouseMode(pg.ViewBox.RectMode)  # drag to zoom
        vb.setMouseEnabled(x=True, y=False)
        vb.enableAutoRange(axis=pg.ViewBox.YAxis)
        vb.setAutoVisible(y=True)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.right_vb: pg.ViewBox | None = None
        if right_axis is not None:
            self.right_vb = LazyMenuViewBox()
            pi.showAxis("right")
            pi.scene().addItem(self.right_vb)
            pi.getAxis("right").linkToView(self.right_vb)
            self.right_label = right_axis  # not set as an axis label: pyqtgraph would rescale the ticks by SI prefix
            self.right_vb.setXLink(pi)
            self.right_vb.setMouseEnabled(x=False, y=False)
            self.right_vb.enableAutoRange(axis=pg.ViewBox.YAxis)
            self.right_vb.setAutoVisible(y=True)
            vb.sigResized.connect(self._sync_right)
        self._legend: list[tuple[str, str]] = []
        self._right: list[Any] = []
        self.plot.scene().sigMouseMoved.connect(self._hover)

    def _sync_right(self) -> None:
        assert self.right_vb is not None
        self.right_vb.setGeometry(self.plot_item.getViewBox().sceneBoundingRect())
        self.right_vb.linkedViewChanged(self.plot_item.getViewBox(), self.right_vb.XAxis)

    def set_curves(self, curves: Sequence[Any], right: Sequence[Any] = ()) -> None:
        """``curves`` (left axis) and ``right`` (right axis): objects with ``label``, ``ts``, ``values``."""
        seen = set()
        self._legend = []
        self._right = list(right)
        for index, (curve, on_right) in enumerate([(c, False) for c in curves] + [(c, True) for c in right]):
            item = self.curves.get(curve.label)
            colour = style.colour(index)
            if item is None:
                item = pg.PlotDataItem(pen=pg.mkPen(colour, width=1.5), name=curve.label)
                item.setDownsampling(auto=True, method="peak")
                item.setClipToView(True)
                if on_right and self.right_vb is not None:
                    self.right_vb.addItem(item)
                else:
                    self.plot_item.addItem(item)
                self.curves[curve.label] = item
            item.setData(np.asarray(curve.ts, dtype=np.float64), np.asarray(curve.values, dtype=np.float64))
            seen.add(curve.label)
            self._legend.append((curve.label, colour))
        for label, item in self.curves.items():
            if label not in seen:
                item.setData([], [])
        self._show_legend()

    def _show_legend(self, extra: str = "") -> None:
        right = {c.label for c in self._right}
        parts = [f"<span style='color:{c}'>■</span> {label}{' (right axis)' if label in right else ''}"
                 for label, c in self._legend]
        self.readout.setText(("  ".join(parts) + (f"  —  {extra}" if extra else "")) or " ")

    def data_bounds(self) -> tuple[float, float] | None:
        lows, highs = [], []
        for item in self.curves.values():
            x, _y = item.getOriginalDataset()
            if x is not None and len(x):
                lows.append(float(x[0]))
                highs.append(float(x[-1]))
        return (min(lows), max(highs)) if lows else None

    def has_points_between(self, start: float, end: float) -> bool:
        """Whether any curve has a point from ``start`` to ``end`` (something to draw in that range)."""
        for item in self.curves.values():
            x, _y = item.getOriginalDataset()
            if x is not None and len(x):
                k = int(np.searchsorted(x, start))
                if k < len(x) and x[k] <= end:
                    return True
        return False

    def set_x_range(self, start: float, end: float) -> None:
        self.plot_item.setXRange(start, end, padding=0)

    def x_range(self) -> tuple[float, float]:
        low, high = self.plot_item.getViewBox().viewRange()[0]
        return float(low), float(high)


    def readout_at(self, x: float) -> str:
        """The date under ``x`` and each curve's value on the nearest point."""
        parts = []
        for label, item in self.curves.items():
            xs, ys = item.getOriginalDataset()
            if xs is None or not len(xs):
                continue
            k = int(np.clip(np.searchsorted(xs, x), 0, len(xs) - 1))
            if k > 0 and abs(xs[k - 1] - x) < abs(xs[k] - x):
                k -= 1
            parts.append(f"{label} {_fmt(float(ys[k]))}")
        if not parts:
            return ""
        day = dt.datetime.fromtimestamp(max(0.0, x), dt.UTC).date().isoformat()
        return f"{day}: " + ", ".join(parts)

    def _hover(self, pos: QPointF) -> None:
        vb = self.plot_item.getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            self._show_legend()
            return
        self._show_legend(self.readout_at(vb.mapSceneToView(pos).x()))


class SharedRange:
    """Keeps the time range of several charts equal. (pyqtgraph's ``setXLink`` aligns views by their position on
    screen, which shifts the range of charts that stand side by side.)"""

    def __init__(self, charts: list[TimeChart]) -> None:
        self.charts = charts
        self._busy = False
        for chart in charts:
            chart.plot_item.getViewBox().sigXRangeChanged.connect(
                lambda _vb, rng, source=chart: self._changed(source, rng))

    def _changed(self, source: TimeChart, rng: Any) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            for chart in self.charts:
                if chart is not source:
                    chart.set_x_range(float(rng[0]), float(rng[1]))
        finally:
            self._busy = False
