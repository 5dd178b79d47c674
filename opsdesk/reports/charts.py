"""Vector charts drawn with reportlab.graphics from the same series the dashboard shows. Every string sets its
font to a bundled TTF (reportlab would otherwise fall back to unembedded Helvetica)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Group, Line, Rect, String
from reportlab.lib import colors

from opsdesk.reports import fonts, styles
from opsdesk.reports.content import Chart, number

EPOCH = dt.date(1970, 1, 1)
SERIES_COLOUR = "#1d4e89"


def _month_label(day: float) -> str:
    d = EPOCH + dt.timedelta(days=int(day))
    return d.strftime("%b %Y")  # "Jan 2026": a month tick is never read as a day


def _axis_format(lo: float, hi: float):  # type: ignore[no-untyped-def]
    span = abs(hi - lo)
    decimals = 0 if span >= 20 else 1 if span >= 2 else 2 if span >= 0.2 else 3

    def fmt(value: float) -> str:
        if abs(value) >= 10000:
            return f"{value / 1000:,.0f}k"
        return f"{value:,.{decimals}f}"
    return fmt


def _drawing(width: float, height: float) -> Drawing:
    """A drawing whose renderer starts in the bundled font (its default state would name Helvetica)."""
    d = Drawing(width, height)
    d.initialFontName = fonts.SANS
    d.initialFontSize = 8
    return d


def _title(d: Drawing, chart: Chart, width: float, height: float) -> float:
    """Title on the left; on the right the unit, and left of it the RAG badge, each placed by its measured
    width so they never overlap. Returns the x where the right-hand labels begin."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    d.add(String(0, height - 10, chart.title, fontName=fonts.SANS_BOLD, fontSize=8.5,
                 fillColor=colors.HexColor(styles.INK)))
    right = width
    if chart.unit:
        d.add(String(width, height - 10, chart.unit, fontName=fonts.SANS, fontSize=7, textAnchor="end",
                     fillColor=colors.HexColor(styles.MUTED)))
        right = width - stringWidth(chart.unit, fonts.SANS, 7) - 6
    rag = styles.RAG.get(chart.rag)
    if rag and chart.rag != "grey":
        text = styles.RAG_TEXT[chart.rag]
        start = right - stringWidth(text, fonts.SANS_BOLD, 6.5) - 13
        d.add(Rect(start, height - 12, 10, 8, fillColor=colors.HexColor(rag), strokeColor=None))
        d.add(String(start + 13, height - 10, text, fontName=fonts.SANS_BOLD, fontSize=6.5,
                     fillColor=colors.HexColor(rag)))
        right = start - 6
    return right


def _month_ticks(x0: float, x1: float, every: int) -> list[float]:
    start = EPOCH + dt.timedelta(days=int(x0))
    month = dt.date(start.year, start.month, 1)
    ticks = []
    while (month - EPOCH).days <= x1:
        if (month - EPOCH).days >= x0 and (month.month - 1) % every == 0:
            ticks.append(float((month - EPOCH).days))
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return ticks


def line_chart(chart: Chart, width: float = 240, height: float = 130) -> Drawing:
    """One series over time with its green and amber thresholds as dashed lines."""
    d = _drawing(width, height)
    _title(d, chart, width, height)
    if not chart.xs:
        d.add(String(width / 2, height / 2, "no data", fontName=fonts.SANS_ITALIC, fontSize=8, textAnchor="middle"))
        return d
    lp = LinePlot()
    lp.x, lp.y = 34, 20
    lp.width, lp.height = width - 42, height - 40
    x0, x1 = chart.xs[0], chart.xs[-1]
    data: list[Sequence[tuple[float, float]]] = [list(zip(chart.xs, chart.ys, strict=True))]
    styles_: list[tuple[str, tuple[float, float] | None]] = [(SERIES_COLOUR, None)]
    for value, colour in ((chart.green, styles.RAG["green"]), (chart.amber, styles.RAG["amber"]),
                          (chart.reference, styles.RAG["red"])):
        if value is not None:
            data.append([(x0, value), (x1, value)])
            styles_.append((colour, (3, 2)))
    lp.data = data
    for i, (colour, dash) in enumerate(styles_):
        lp.lines[i].strokeColor = colors.HexColor(colour)
        lp.lines[i].strokeWidth = 0.9 if i == 0 else 0.7
        if dash:
            lp.lines[i].strokeDashArray = dash
    ys = list(chart.ys) + [v for v in (chart.green, chart.amber, chart.reference) if v is not None]
    lo, hi = min(ys), max(ys)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.1 or 1.0
    lp.yValueAxis.valueMin, lp.yValueAxis.valueMax = lo - pad, hi + pad
    lp.xValueAxis.valueMin, lp.xValueAxis.valueMax = x0, x1
    span_months = max(1, int((x1 - x0) / 30))
    lp.xValueAxis.valueSteps = _month_ticks(x0, x1, 1 if span_months <= 7 else 3 if span_months <= 24 else 6)
    lp.xValueAxis.labelTextFormat = _month_label
    lp.yValueAxis.labelTextFormat = _axis_format(lo - pad, hi + pad)
    for axis in (lp.xValueAxis, lp.yValueAxis):
        axis.labels.fontName = fonts.SANS
        axis.labels.fontSize = 6.5
        axis.labels.fillColor = colors.HexColor(styles.MUTED)
        axis.strokeColor = colors.HexColor(styles.RULE)
        axis.strokeWidth = 0.5
    lp.yValueAxis.visibleGrid = True
    lp.yValueAxis.gridStrokeColor = colors.HexColor("#e8ecf0")
    lp.yValueAxis.gridStrokeWidth = 0.4
    lp.yValueAxis.maximumTicks = 5
    d.add(lp)
    if chart.reference is not None and chart.reference_label:
        d.add(String(lp.x + 2, lp.y + lp.height + 1, chart.reference_label, fontName=fonts.SANS, fontSize=6,
                     fillColor=colors.HexColor(styles.RAG["red"])))
    return d


def bar_chart(chart: Chart, labels: Sequence[str], width: float = 480, height: float = 150) -> Drawing:
    """Monthly amounts as bars (the cost ledger), with the budget's monthly share as a reference line."""
    d = _drawing(width, height)
    right = _title(d, chart, width, height)
    if not chart.ys:
        d.add(String(width / 2, height / 2, "no spend recorded", fontName=fonts.SANS_ITALIC, fontSize=8,
                     textAnchor="middle"))
        return d
    bc = VerticalBarChart()
    bottom = 34 if len(labels) > 12 else 22
    bc.x, bc.y = 40, bottom
    bc.width, bc.height = width - 50, height - bottom - 20
    bc.data = [list(chart.ys)]
    bc.bars[0].fillColor = colors.HexColor(SERIES_COLOUR)
    bc.bars[0].strokeColor = None
    bc.barSpacing = 1
    bc.groupSpacing = 3
    top = max(list(chart.ys) + ([chart.reference] if chart.reference else []))
    bc.valueAxis.valueMin, bc.valueAxis.valueMax = 0, top * 1.1 or 1
    bc.valueAxis.labelTextFormat = _axis_format(0, top * 1.1)
    bc.valueAxis.maximumTicks = 5
    bc.valueAxis.visibleGrid = True
    bc.valueAxis.gridStrokeColor = colors.HexColor("#e8ecf0")
    bc.categoryAxis.categoryNames = list(labels)
    for axis in (bc.categoryAxis, bc.valueAxis):
        axis.labels.fontName = fonts.SANS
        axis.labels.fontSize = 6.2
        axis.labels.fillColor = colors.HexColor(styles.MUTED)
        axis.strokeColor = colors.HexColor(styles.RULE)
    if len(labels) > 12:
        bc.categoryAxis.labels.angle = 90
        bc.categoryAxis.labels.boxAnchor = "e"
        bc.categoryAxis.labels.dy = -2
    d.add(bc)
    if chart.reference:
        y = bc.y + bc.height * chart.reference / bc.valueAxis.valueMax
        red = colors.HexColor(styles.RAG["red"])
        d.add(Line(bc.x, y, bc.x + bc.width, y, strokeColor=red, strokeWidth=0.8, strokeDashArray=(3, 2)))
        from reportlab.pdfbase.pdfmetrics import stringWidth

        label = f"{chart.reference_label} ({number(chart.reference)})"
        start = right - stringWidth(label, fonts.SANS, 6.5) - 19  # ends before the unit: never over it
        d.add(Line(start, height - 7, start + 15, height - 7, strokeColor=red, strokeWidth=0.8,
                   strokeDashArray=(3, 2)))
        d.add(String(start + 19, height - 9.5, label, fontName=fonts.SANS, fontSize=6.5, fillColor=red))
    return d

RATING_COLOURS = {"low": "#cfe8d5", "medium": "#fbe7a6", "high": "#f6b28a", "critical": "#e57373"}


def _band(likelihood: int, impact: int) -> str:
    score = likelihood * impact
    return "critical" if score >= 20 else "high" if score >= 10 else "medium" if score >= 5 else "low"


def heat_map(title: str, grid: Sequence[Sequence[int]], width: float = 230, height: float = 190) -> Drawing:
    """A 5×5 risk matrix: likelihood across, impact up, each cell coloured by its rating band and holding the
    number of open risks in it (``grid[impact - 1][likelihood - 1]``)."""
    d = _drawing(width, height)
    d.add(String(0, height - 10, title, fontName=fonts.SANS_BOLD, fontSize=8.5, fillColor=colors.HexColor(styles.INK)))
    left, bottom = 30, 26
    cell = min((width - left - 6) / 5, (height - bottom - 20) / 5)
    ink = colors.HexColor(styles.INK)
    muted = colors.HexColor(styles.MUTED)
    for im in range(1, 6):
        for li in range(1, 6):
            x, y = left + (li - 1) * cell, bottom + (im - 1) * cell
            d.add(Rect(x, y, cell, cell, fillColor=colors.HexColor(RATING_COLOURS[_band(li, im)]),
                       strokeColor=colors.white, strokeWidth=1))
            n = grid[im - 1][li - 1]
            if n:
                d.add(String(x + cell / 2, y + cell / 2 - 3.5, str(n), fontName=fonts.SANS_BOLD, fontSize=10,
                             textAnchor="middle", fillColor=ink))
    for k in range(1, 6):
        d.add(String(left + (k - 0.5) * cell, bottom - 9, str(k), fontName=fonts.SANS, fontSize=6.5,
                     textAnchor="middle", fillColor=muted))
        d.add(String(left - 5, bottom + (k - 0.5) * cell - 2.5, str(k), fontName=fonts.SANS, fontSize=6.5,
                     textAnchor="end", fillColor=muted))
    d.add(String(left + 2.5 * cell, bottom - 20, "Likelihood", fontName=fonts.SANS, fontSize=7, textAnchor="middle",
                 fillColor=muted))
    label = String(0, 0, "Impact", fontName=fonts.SANS, fontSize=7, textAnchor="middle", fillColor=muted)
    group = Group(label)
    group.transform = (0, 1, -1, 0, 10, bottom + 2.5 * cell)
    d.add(group)
    return d
