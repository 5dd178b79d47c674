"""The stage funnel: how many initiatives are in each stage and how long they have been there."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from opsdesk.ui.plots import style
from opsdesk.ui.plots.frame import ChartFrame


class FunnelChart(ChartFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Stage funnel — count · median days in stage", parent)
        pi = self.plot_item
        pi.hideAxis("bottom")
        pi.getViewBox().setMouseEnabled(x=False, y=False)
        pi.getViewBox().invertY(True)
        self.bars = pg.BarGraphItem(x0=[], y=[], height=0.7, width=[], brush=style.colour(0))
        pi.addItem(self.bars)
        self.texts: list[pg.TextItem] = []

    def set_stages(self, stages: Sequence[Any]) -> None:
        counts = [s.count for s in stages]
        widest = max(counts + [1])
        self.bars.setOpts(x0=[-c / 2 for c in counts], y=list(range(len(stages))), width=counts, height=0.7,
                          brush=style.colour(0))
        for t in self.texts:
            self.plot_item.removeItem(t)
        self.texts = []
        for k, s in enumerate(stages):
            here = f"{s.median_days_here:.0f} d" if s.median_days_here is not None else "—"
            whole = f" (portfolio {s.median_days_portfolio:.0f} d)" if s.median_days_portfolio is not None else ""
            text = pg.TextItem(f"{s.count} · {here}{whole}", color=style.foreground(), anchor=(0, 0.5))
            text.setPos(widest / 2 + 0.2, k)
            self.plot_item.addItem(text)
            self.texts.append(text)
        self.plot_item.getAxis("left").setTicks([[(k, s.stage.label) for k, s in enumerate(stages)]])
        self.plot_item.setXRange(-widest / 2 - 0.2, widest * 2.2, padding=0)
        self.plot_item.setYRange(-0.6, len(stages) - 0.4, padding=0)
        self.summary = [(s.stage.value, s.count) for s in stages]

    def restyle(self) -> None:
        super().restyle()
        for text in getattr(self, "texts", []):
            text.setColor(style.foreground())
