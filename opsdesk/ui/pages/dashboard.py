"""The operations dashboard: KPI tiles by discipline, time charts on one shared time range, the cost-and-quality
chart of one initiative, the portfolio and the stage funnel, and the "needs the committee" list. Everything is
computed on the worker (:func:`opsdesk.analytics.dashboard.load`), or read from the summary written for exactly the
data as it is now (:mod:`opsdesk.analytics.summary`); this page only draws the result."""

from __future__ import annotations

import contextlib
import datetime as dt
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSortFilterProxyModel, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from opsdesk.analytics import dashboard as analytics
from opsdesk.analytics import summary
from opsdesk.analytics.kpis import FINOPS_KEYS, SERIES_KPIS
from opsdesk.domain.enums import STAGE_ORDER, OpsDiscipline, Stage
from opsdesk.services.onboarding import checklist
from opsdesk.ui import file_dialogs
from opsdesk.ui.first_paint import after_first_paint
from opsdesk.ui.models.attention import CODE_ROLE, SORT_ROLE, AttentionModel
from opsdesk.ui.pages.base import Page, PageContext
from opsdesk.ui.plots.funnel_chart import FunnelChart
from opsdesk.ui.plots.portfolio_chart import PortfolioChart
from opsdesk.ui.plots.time_chart import SharedRange, TimeChart
from opsdesk.ui.widgets.empty_note import attach as say_when_empty
from opsdesk.ui.widgets.getting_started import GettingStarted
from opsdesk.ui.widgets.kpi_tile import KpiTile

DAY = 86400
HISTORY_DELAY_MS = 150  # let the first screen paint before the full curve history is read
RANGES: tuple[tuple[str, int | None], ...] = (("30 d", 30), ("90 d", 90), ("1 y", 365), ("All", None))
TILE_KEYS: dict[OpsDiscipline, list[str]] = {
    OpsDiscipline.DATAOPS: [s.key for s in SERIES_KPIS if s.discipline is OpsDiscipline.DATAOPS],
    OpsDiscipline.MLOPS: [s.key for s in SERIES_KPIS if s.discipline is OpsDiscipline.MLOPS],
    OpsDiscipline.FINOPS: list(FINOPS_KEYS),
}


class DashboardPage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.filters = analytics.Filters()
        self.data: analytics.DashboardData | None = None
        self.range_days: int | None = 365
        self.integrated_code: str | None = None
        self._loading = False
        self._stale = False
        self._range_applied = False
        self.loads = 0
        self.history_loads = 0
        self._history_wanted = False
        self.integrated_loads = 0
        self._unkept: tuple[summary.Key, analytics.DashboardData] | None = None  # computed, kept after the paint
        self._history_complete = False  # whether the curves hold their whole history (not only the last year)
        # the worker reads the data while the widgets are built; the refresh that follows building a page
        # (before the event loop turns again) joins this load instead of starting another one
        self._joins_next_refresh = True
        self.refresh()
        QTimer.singleShot(0, self, self._stop_joining)

        self.content = QWidget()
        self.content.setObjectName("dashboardContent")
        self.content.setMinimumSize(1000, 690)
        self.tiles: dict[str, KpiTile] = {}
        self.tile_groups: dict[OpsDiscipline, QGroupBox] = {}
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)
        layout.addLayout(self._build_bar())
        layout.addLayout(self._build_tiles())
        layout.addWidget(self._build_main(), 1)

        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.content)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        # until the workspace is ready for a first meeting, the checklist sits above everything else
        self.getting_started = GettingStarted(self.start_step, self)
        self.getting_started.setVisible(False)
        outer.addWidget(self.getting_started)
        outer.addWidget(scroll)

    # --- building ----------------------------------------------------------------------------------------------

    def _combo(self, name: str, items: list[tuple[str, Any]]) -> QComboBox:
        combo = QComboBox(self.content)
        combo.setAccessibleName(name)
        combo.setToolTip(name)
        for text, value in items:
            combo.addItem(text, value)
        combo.currentIndexChanged.connect(self._filters_changed)
        return combo

    def _build_bar(self) -> QHBoxLayout:
        bar = QHBoxLayout()
        self.objective_filter = self._combo("Filter by objective", [("All objectives", None)])
        self.stage_filter = self._combo("Filter by stage", [("All stages", None)]
                                        + [(s.label, s.value) for s in STAGE_ORDER])
        self.discipline_filter = self._combo("Filter by discipline", [("All disciplines", None)]
                                             + [(d.label, d.value) for d in OpsDiscipline])
        for w in (QLabel("Show:"), self.objective_filter, self.stage_filter, self.discipline_filter):
            bar.addWidget(w)
        bar.addSpacing(16)
        bar.addWidget(QLabel("Time range:"))
        self.range_group = QButtonGroup(self)
        self.range_buttons: dict[str, QToolButton] = {}
        for text, days in RANGES:
            button = QToolButton(self.content)
            button.setText(text)
            button.setCheckable(True)
            button.setAccessibleName(f"Time range {text}")
            button.setToolTip(f"Show {'all the data' if days is None else 'the last ' + text} on every time chart; "
                              "drag on a chart to zoom")
            button.setChecked(days == self.range_days)
            button.clicked.connect(lambda _checked=False, d=days: self.set_range(d))
            self.range_group.addButton(button)
            self.range_buttons[text] = button
            bar.addWidget(button)
        bar.addStretch(1)
        self.as_of_label = QLabel("Loading…", self.content)
        bar.addWidget(self.as_of_label)
        self.export_button = QPushButton("Export dashboard…", self.content)
        self.export_button.setAccessibleName("Export the whole dashboard as a PNG image")
        self.export_button.clicked.connect(self._ask_export)
        bar.addWidget(self.export_button)
        return bar

    def _build_tiles(self) -> QHBoxLayout:
        row = QHBoxLayout()
        for disc, keys in TILE_KEYS.items():
            box = QGroupBox(disc.label, self.content)
            grid = QGridLayout(box)
            grid.setContentsMargins(6, 4, 6, 6)
            grid.setSpacing(6)
            columns = 3 if len(keys) > 4 else 2
            for n, key in enumerate(keys):
                tile = KpiTile(key, box)
                tile.clicked.connect(self.ctx.open_initiative)
                grid.addWidget(tile, n // columns, n % columns)
                self.tiles[key] = tile
            self.tile_groups[disc] = box
            row.addWidget(box, len(keys) if len(keys) > 3 else 3)
        return row

    def _build_main(self) -> QStackedWidget:
        self.charts_area = charts = QWidget(self.content)
        grid = QGridLayout(charts)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setSpacing(6)
        self.trend_charts: dict[str, TimeChart] = {}
        for n, (key, (title, _disc, _members, _total)) in enumerate(analytics.TREND_CHARTS.items()):
            chart = TimeChart(title, charts)
            chart.setObjectName(f"chart_{key}")
            self.trend_charts[key] = chart
            grid.addWidget(chart, n // 2, n % 2)
        self.integrated = TimeChart("Cost and quality of", charts, right_axis="model quality")
        self.integrated.title.setToolTip("Daily EffectiveCost allocated to one initiative (left axis: the cost "
                                         "ledger's records) and its model quality (right axis) on one time axis")
        self.integrated.setObjectName("chart_integrated")
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        self.integrated_combo = QComboBox(self.integrated)
        self.integrated_combo.setAccessibleName("Initiative shown on the cost and model quality chart")
        self.integrated_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.integrated_combo.setMinimumContentsLength(12)
        self.integrated_combo.currentIndexChanged.connect(self._integrated_changed)
        # the chosen initiative's whole name, wherever the combo is too narrow to show it
        self.integrated_combo.currentTextChanged.connect(self.integrated_combo.setToolTip)
        self.integrated.head.insertWidget(1, self.integrated_combo)
        grid.addWidget(self.integrated, 1, 1)
        self.master = self.trend_charts["dataops"]
        self.shared_range = SharedRange(self.time_charts())
        # a range dragged or chosen to where a chart has nothing: that chart says where its data is
        self.master.plot_item.getViewBox().sigXRangeChanged.connect(self._say_where_the_data_is)

        side = QSplitter(Qt.Orientation.Vertical, self.content)
        self.portfolio = PortfolioChart(side)
        self.portfolio.initiative_clicked.connect(self.ctx.open_initiative)
        self.funnel = FunnelChart(side)
        box = QGroupBox("Needs the committee", side)
        self.attention_model = AttentionModel(self)
        self.attention_proxy = QSortFilterProxyModel(self)
        self.attention_proxy.setSourceModel(self.attention_model)
        self.attention_proxy.setSortRole(SORT_ROLE)
        self.attention_view = QTableView(box)
        self.attention_view.setObjectName("attentionTable")
        self.attention_view.setAccessibleName("Needs the committee")
        self.attention_view.setModel(self.attention_proxy)
        say_when_empty(self.attention_view, "Nothing needs the committee: gate requests, KPI breaches, overdue "
                                            "actions, skill gaps and non-conformance appear here.")
        self.attention_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.attention_view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.attention_view.setWordWrap(False)
        self.attention_view.verticalHeader().setVisible(False)
        # widths from the font, not from measuring every row (the list can be long)
        metrics = self.attention_view.fontMetrics()
        for column, sample in enumerate(("000", "AI-0000", "Threshold breach")):
            self.attention_view.setColumnWidth(column, metrics.horizontalAdvance(sample) + 16)
        self.attention_view.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        self.attention_view.clicked.connect(self._attention_clicked)
        self.attention_view.activated.connect(self._attention_clicked)
        inner = QVBoxLayout(box)
        inner.setContentsMargins(4, 4, 4, 4)
        self.risk_overview = QLabel("", box)
        self.risk_overview.setObjectName("riskOverview")
        self.risk_overview.setAccessibleName("Open risks by residual rating and open incidents")
        self.risk_overview.setTextFormat(Qt.TextFormat.RichText)
        self.risk_overview.setWordWrap(True)
        inner.addWidget(self.risk_overview)
        inner.addWidget(self.attention_view)
        for w in (self.portfolio, self.funnel, box):
            side.addWidget(w)
        side.setSizes([210, 150, 360])

        main = QSplitter(Qt.Orientation.Horizontal, self.content)
        main.addWidget(charts)
        main.addWidget(side)
        main.setStretchFactor(0, 3)
        main.setStretchFactor(1, 2)
        main.setSizes([700, 460])
        # nothing to draw in the charts and lists before the first load: drawing them empty only delays it. They
        # wait hidden behind a painted placeholder (a widget with updates off shows black on X11 until the load)
        self.main_area = main
        self.placeholder = QLabel("Loading the dashboard…", self.content)
        self.placeholder.setObjectName("dashboardPlaceholder")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.main_stack = QStackedWidget(self.content)
        self.main_stack.addWidget(self.placeholder)
        self.main_stack.addWidget(main)
        return self.main_stack

    def _reveal(self) -> None:
        self.main_stack.setCurrentWidget(self.main_area)

    # --- loading -------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Reload everything on the worker; changes arriving during a load trigger one more load after it."""
        if self._loading:
            if self._joins_next_refresh:  # the load started while the page was being built is this one
                self._joins_next_refresh = False
                return
            self._stale = True
            return
        self._loading = True
        self._keep_now()  # a summary computed before comes first on the worker: this load may then read it
        # the figures first: the checklist above them is quick and may follow
        self.ctx.tasks.submit(summary.read_or_compute, self.ctx.ws, self.filters, on_done=self._loaded,
                              on_error=self._failed)
        self.ctx.tasks.submit(checklist.checklist, self.ctx.ws,
                              on_done=lambda c: self.getting_started.set_checklist(c),
                              on_error=self._failed_checklist)

    def _stop_joining(self) -> None:
        self._joins_next_refresh = False

    def _keep_now(self) -> None:
        """Keep the summary computed by the last load (on the worker; derived data, never an error)."""
        if self._unkept is None:
            return
        key, data = self._unkept
        self._unkept = None
        with contextlib.suppress(RuntimeError):  # the window is closing and its worker has stopped
            self.ctx.tasks.submit(summary.keep, self.ctx.ws, key, data, quiet=True)

    def _failed_checklist(self, exc: BaseException) -> None:
        from opsdesk.ui import errors

        errors.handle(type(exc), exc, exc.__traceback__)

    # --- getting started -----------------------------------------------------------------------------------------

    def start_step(self, key: str) -> None:
        """What a checklist button does: the step itself where it needs no page, otherwise the page that does it."""
        from PySide6.QtWidgets import QInputDialog

        from opsdesk.ui import errors

        ws, tasks, go = self.ctx.ws, self.ctx.tasks, self.ctx.go_to
        c = self.getting_started.checklist
        step = next((s for s in c.steps if s.key == key), None) if c else None

        def failed(exc: BaseException) -> None:
            errors.show_user_error(self, exc)

        if key == "organisation":
            name, ok = QInputDialog.getText(self, "Name the organisation",
                                            "The organisation the committee's papers are issued by:")
            if ok:
                tasks.submit(checklist.name_organisation, ws, name, on_error=failed)
        elif key == "classification" and step is not None and not step.done:
            tasks.submit(checklist.keep_default_markings, ws, on_error=failed)
        elif key == "committee" and step is not None and not step.done:
            # the committee is people with a voting role: a new person's form, as a member, until four
            # voting members cover the four disciplines
            page = go("people")
            if page is not None and hasattr(page, "new_member"):
                page.new_member()
        elif key in ("classification", "committee"):
            page = go("committee")
            if page is not None and hasattr(page, "tabs"):
                page.tabs.setCurrentIndex(page.tabs.count() - 1)  # the charter
        elif key == "initiative":
            page = go("initiatives")
            if page is not None:
                page.new_record()
        elif key == "import":
            self.ctx.actions.get("import").trigger()
        elif key == "allocate" and c is not None and c.rule is not None and step is not None and not step.done:
            tasks.submit(checklist.add_suggested_rule, ws, on_error=failed)
        elif key == "allocate":
            go("costs")
        elif key == "models":
            page = go("data_models")
            if page is not None and hasattr(page, "tabs"):
                page.tabs.setCurrentIndex(1)
        elif key == "meeting":
            page = go("committee")
            if page is not None:
                page.new_meeting()

    def _failed(self, exc: BaseException) -> None:
        self._loading = False
        self._reveal()
        self.as_of_label.setText("Could not load the dashboard")
        from opsdesk.ui import errors

        errors.handle(type(exc), exc, exc.__traceback__)

    def _loaded(self, result: tuple[analytics.DashboardData, summary.Key | None]) -> None:
        data, unkept = result
        self._loading = False
        self._unkept = (unkept, data) if unkept is not None else None
        if self._stale or data.filters != self.filters:
            self._stale = False
            self.refresh()
            return
        try:
            self._show(data)
        finally:
            self._reveal()
        self._history_wanted = True
        # what was computed is kept once it is on screen (keeping it first would delay the first paint)
        if self.isVisible():
            after_first_paint(self.main_area, self._keep_now)
        else:
            self._keep_now()

    def _show(self, data: analytics.DashboardData) -> None:
        self.data = data
        self.loads += 1
        self._history_complete = False
        if not self._range_applied and self.range_days is not None:
            # the range before the curves: each chart then fits its Y axis once, to the shown range only
            self.set_range(self.range_days)
        self._fill_objectives(data.objectives)
        self.as_of_label.setText(f"As of {data.as_of.isoformat()}")
        self.as_of_label.setToolTip(f"{len(data.initiatives)} initiatives shown; data up to {data.as_of.isoformat()}")
        higher = analytics.HIGHER_IS_BETTER_KEYS
        for k in data.portfolio:
            tile = self.tiles.get(k.key)
            if tile is not None:
                tile.set_kpi(k, k.key in higher, data.worst.get(k.key))
        for disc, box in self.tile_groups.items():
            box.setVisible(self.filters.shows(disc))
        for key, chart in self.trend_charts.items():
            curves = data.trends.get(key)
            chart.setVisible(curves is not None)
            if curves is not None:
                chart.set_curves(curves)
        self.portfolio.set_points(data.points)
        if data.points:
            self.portfolio.set_empty(None)
        else:
            self.portfolio.set_empty("No initiatives to show yet: each initiative is a point, its spend against "
                                     "the predictions its models served.", "Register an initiative…",
                                     lambda: self._start("initiative"))
        self.funnel.set_stages(data.funnel)
        self.attention_model.set_items(data.attention)
        self.risk_overview.setText(risk_overview_html(data.risks))
        self._fill_integrated(data)
        if not self._range_applied:
            self.set_range(self.range_days)
        self._say_where_the_data_is()

    EMPTY = {
        "dataops": ("No pipeline or data-quality series yet: they come from metrics tables (pipeline success) and "
                    "Great Expectations results (data quality).", "Import files…", "import"),
        "mlops": ("No model-quality or drift series yet: they come from MLflow runs and metrics tables.",
                  "Import files…", "import"),
        "finops": ("No cloud spend yet: it comes from FOCUS cost exports, allocated to initiatives by rules.",
                   "Import a FOCUS export…", "import"),
    }

    def _say_where_the_data_is(self, *_args: Any) -> None:
        """Over each time chart with nothing to draw in the shown range: what fills it when it has no data at all,
        where its data is (and "Show all") when it has data outside the range only — an old FOCUS export just
        imported, say — instead of a blank chart."""
        if self.data is None:
            return
        start, end = self.master.x_range()
        for key, chart in [*self.trend_charts.items(), ("integrated", self.integrated)]:
            bounds = chart.data_bounds()
            if bounds is not None and not chart.has_points_between(start, end):
                first, last = (day_of(b) for b in bounds)
                chart.set_empty(f"Nothing in the shown range: this chart's data runs from {first} to {last}.",
                                "Show all", lambda: self.set_range(None))
            elif bounds is not None or key == "integrated":
                chart.set_empty(None)
            elif not self._history_complete:  # the first screen holds the last year: older data may follow
                chart.set_empty("Reading the older history…")
            else:
                text, link, step = self.EMPTY.get(key, ("Nothing to draw yet.", "", ""))
                chart.set_empty(text, link, (lambda s=step: self._start(s)) if step else None)

    def _start(self, step: str) -> None:
        self.start_step(step)

    def _load_history(self) -> None:
        """Read the whole history of the curves once the first screen is drawn, so it never delays it."""
        if not self._history_wanted or self.data is None:
            return
        self._history_wanted = False
        self._keep_now()  # before the history replaces the curves of the data it keeps
        with contextlib.suppress(RuntimeError):  # the window is closing and its worker has stopped
            # quiet: a fill-in after the first paint, which must not replace what the status bar says (an edit
            # refused a moment ago) with "Working…" and "Ready"
            self.ctx.tasks.submit(analytics.load_trends, self.ctx.ws, self.data.filters, self.data.as_of,
                                  on_done=lambda trends, f=self.data.filters: self._history_loaded(f, trends),
                                  quiet=True)

    def _history_loaded(self, filters: analytics.Filters, trends: dict[str, list[analytics.Curve]]) -> None:
        """The whole history of the curves, after the first paint; the shown range stays as it is."""
        self.history_loads += 1
        if filters != self.filters or self.data is None:
            return
        self.data.trends = trends
        self._history_complete = True
        shown = self.master.x_range()
        for key, curves in trends.items():
            self.trend_charts[key].set_curves(curves)
        if self.range_days is None:
            self.set_range(None)
        else:
            self.master.set_x_range(*shown)
        self._say_where_the_data_is()

    def _fill_objectives(self, objectives: list[tuple[str, str]]) -> None:
        if self.objective_filter.count() > 1:
            return
        self.objective_filter.blockSignals(True)
        for code, title in objectives:
            self.objective_filter.addItem(f"{code} {title}", code)
        self.objective_filter.blockSignals(False)

    def _fill_integrated(self, data: analytics.DashboardData) -> None:
        codes = [c for c, _n in data.initiatives]
        if self.integrated_code not in codes:
            self.integrated_code = data.integrated_code
        self.integrated_combo.blockSignals(True)
        self.integrated_combo.clear()
        for code, name in data.initiatives:
            self.integrated_combo.addItem(f"{code} {name}", code)
        self.integrated_combo.setCurrentIndex(max(0, codes.index(self.integrated_code))
                                              if self.integrated_code in codes else -1)
        self.integrated_combo.blockSignals(False)
        self.integrated_combo.setToolTip(self.integrated_combo.currentText())
        if data.integrated is not None and self.integrated_code == data.integrated_code:
            self._integrated_loaded(data.integrated)  # came with the first load: no second trip to the worker
        else:
            self._load_integrated()

    def _integrated_changed(self, _index: int) -> None:
        self.integrated_code = self.integrated_combo.currentData()
        self._load_integrated()

    def _load_integrated(self) -> None:
        if self.integrated_code is None or self.data is None:
            self.integrated.set_curves([])
            self.integrated_loads += 1
            QTimer.singleShot(HISTORY_DELAY_MS, self, self._load_history)
            return
        self.ctx.tasks.submit(analytics.integrated, self.ctx.ws, self.integrated_code, self.data.as_of,
                              on_done=self._integrated_loaded)

    def _integrated_loaded(self, curves: tuple[analytics.Curve, analytics.Curve]) -> None:
        cost, quality = curves
        self.integrated.set_curves([cost], right=[quality])
        self.integrated_loads += 1
        QTimer.singleShot(HISTORY_DELAY_MS, self, self._load_history)

    @property
    def painted(self) -> bool:
        """Whether everything of the first screen has arrived (the full curve history may still follow)."""
        return self.loads > 0 and self.integrated_loads > 0 and not self._loading

    # --- interaction ---------------------------------------------------------------------------------------------

    def _filters_changed(self, _index: int = 0) -> None:
        # Qt hands enum data back as plain text: parse it again
        stage, disc = self.stage_filter.currentData(), self.discipline_filter.currentData()
        self.filters = analytics.Filters(self.objective_filter.currentData() or None,
                                         Stage.parse(stage) if stage else None,
                                         OpsDiscipline.parse(disc) if disc else None)
        self.refresh()

    def set_range(self, days: int | None) -> None:
        """Show the last ``days`` days up to the data's date on every time chart (None: all the data)."""
        self.range_days = days
        for text, d in RANGES:
            self.range_buttons[text].setChecked(d == days)
        if self.data is None:
            return
        end = analytics.day_end_ts(self.data.as_of)
        bounds = [b for c in self.time_charts() if (b := c.data_bounds()) is not None]
        start = min(b[0] for b in bounds) if (days is None and bounds) else end - (days or 365) * DAY
        self.master.set_x_range(start, end)
        self._range_applied = True
        self._say_where_the_data_is()

    def time_charts(self) -> list[TimeChart]:
        return [*self.trend_charts.values(), self.integrated]

    def _attention_clicked(self, index: Any) -> None:
        code = self.attention_proxy.data(index, CODE_ROLE)
        if code:
            self.ctx.open_initiative(code)

    def export_png(self, path: Path | str) -> Path:
        """The whole dashboard as one PNG image."""
        target = Path(path)
        self.content.grab().save(str(target))
        return target

    def _ask_export(self) -> None:
        path = file_dialogs.save_file(self, "charts", "Export dashboard as PNG", "dashboard.png", "PNG image (*.png)")
        if path:
            self.export_png(path)
            self.ctx.status(f"Dashboard saved to {path}")

    def extra_screenshots(self, folder: Path, settle: Any, grab: Any) -> list[Path]:
        """``--screenshot`` also saves the dashboard in the other palette (dark when the app is light)."""
        from PySide6.QtWidgets import QApplication

        from opsdesk.ui import theme

        app = QApplication.instance()
        dark = bool(app.property("opsdesk_dark")) if app is not None else False
        if not isinstance(app, QApplication):
            return []
        theme.apply(app, dark=not dark)
        settle()
        path = folder / f"dashboard-{'light' if dark else 'dark'}.png"
        grab().save(str(path))
        theme.apply(app, dark=dark)
        settle()
        return [path]


def day_of(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).date().isoformat()


RATING_COLOURS = (("critical", "#c62828"), ("high", "#ef6c00"), ("medium", "#f9a825"), ("low", "#2e7d32"))


def risk_overview_html(r: analytics.RiskOverview) -> str:
    """One line each: open risks by residual rating (untreated high ones called out), open incidents."""
    parts = [f"<span style='color:{colour}'>■</span> {getattr(r, name)} {name}" for name, colour in RATING_COLOURS]
    untreated = f" — <b style='color:#c62828'>{r.untreated_high} untreated high</b>" if r.untreated_high else ""
    serious = f" — <b style='color:#c62828'>{r.serious_incidents} serious (severity 1–2)</b>" \
        if r.serious_incidents else ""
    return (f"<b>Open risks by residual rating</b>: {' · '.join(parts)}{untreated}<br>"
            f"<b>Open incidents</b>: {r.open_incidents}{serious}")
