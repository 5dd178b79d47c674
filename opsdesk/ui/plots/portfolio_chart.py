"""Cost against value for every initiative, coloured by risk tier; a click opens the initiative."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from opsdesk.domain.enums import RiskTier
from opsdesk.ui.plots import style
from opsdesk.ui.plots.frame import ChartFrame

LABELLED = 6  # the biggest spenders carry their code; every point has a tool tip


def labelled(xs: np.ndarray, ys: np.ndarray, most: int = LABELLED) -> list[int]:
    """The points that carry their code: the biggest spenders first, leaving out any whose code would sit on one
    already placed (within 16 % of the spend range and 15 % of the value range)."""
    span_x, span_y = max(float(np.ptp(xs)), 1e-9) if xs.size else 1.0, max(float(np.ptp(ys)), 1e-9) if ys.size else 1.0
    chosen: list[int] = []
    for k in sorted(range(len(xs)), key=lambda i: -xs[i]):
        if len(chosen) == most:
            break
        if all(abs(xs[k] - xs[j]) >= 0.16 * span_x or abs(ys[k] - ys[j]) >= 0.15 * span_y for j in chosen):
            chosen.append(k)
    return chosen


def _span(values: np.ndarray) -> tuple[float, float]:
    """A range that holds ``values`` and zero and is never empty (an empty one draws ticks like -2e-289)."""
    if not values.size:
        return 0.0, 1.0
    lo, hi = min(0.0, float(values.min())), max(0.0, float(values.max()))
    if hi - lo < 1e-9:
        hi = lo + 1.0
    return lo, hi


class PortfolioChart(ChartFrame):
    initiative_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Portfolio — spend vs value, risk as colour", parent)
        self.plot_item.setLabel("bottom", "spend to date (thousands)")
        self.plot_item.setLabel("left", "value (k)")
        self.title.setToolTip("Spend to date against value — thousands of predictions served in the last 90 days — "
                              "for each initiative; the colour is its risk tier. Click a point to open it.")
        self.plot_item.showGrid(x=True, y=True, alpha=0.15)
        self.plot_item.getViewBox().setDefaultPadding(0.12)  # room for the codes above the points
        self.scatter = pg.ScatterPlotItem(size=12, hoverable=True, tip=self._tip, hoverSize=16)
        self.scatter.sigClicked.connect(self._clicked)
        self.plot_item.addItem(self.scatter)
        self.labels: list[pg.TextItem] = []
        self.points: list[Any] = []
        self.readout.setText("  ".join(f"<span style='color:{c}'>●</span> {r.label}"
                                       for r, c in style.RISK_COLOURS.items()))

    def _tip(self, x: float, y: float, data: Any) -> str:
        return f"{data.code} {data.name}\n{data.currency} {x:,.0f}k spent · {y:,.0f}k predictions · {data.risk.label} risk"

    def set_points(self, points: Sequence[Any]) -> None:
        self.points = list(points)
        xs = np.asarray([p.spend / 1000 for p in points], dtype=float)
        ys = np.asarray([p.value for p in points], dtype=float)
        brushes = [pg.mkBrush(style.RISK_COLOURS.get(p.risk, style.RISK_COLOURS[RiskTier.LOW])) for p in points]
        self.scatter.setData(x=xs, y=ys, brush=brushes, data=list(points), pen=pg.mkPen(style.foreground(), width=0.5))
        # the ranges from zero (spend and value are amounts) to above the largest, so that one initiative, or
        # several with the same spend, still get a readable axis with the point inside it
        view = self.plot_item.getViewBox()
        view.setXRange(*_span(xs), padding=0.08)
        view.setYRange(*_span(ys), padding=0.12)
        for label in self.labels:
            self.plot_item.removeItem(label)
        self.labels = []
        for k in labelled(xs, ys):
            # below the points near the top edge, where a code above would run into the frame
            high = ys[k] > ys.min() + 0.7 * max(float(np.ptp(ys)), 1e-9)
            label = pg.TextItem(self.points[k].code, color=style.muted(), anchor=(0.5, -0.25) if high else (0.5, 1.2))
            label.setPos(xs[k], ys[k])
            self.plot_item.addItem(label)
            self.labels.append(label)

    def _clicked(self, _item: Any, spots: Any, _ev: Any = None) -> None:
        if len(spots):
            self.initiative_clicked.emit(spots[0].data().code)

    def click_initiative(self, code: str) -> None:
        """What a click on the initiative's point does (for keyboard users and tests)."""
        for spot in self.scatter.points():
            if spot.data().code == code:
                self._clicked(self.scatter, [spot])
                return
