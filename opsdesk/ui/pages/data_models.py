"""The registers of data assets and models, editable, beside the lineage graph that joins them to initiatives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox, QSplitter, QTabWidget, QVBoxLayout, QWidget

from opsdesk.domain.enums import NodeKind
from opsdesk.services.registry import initiatives, metadata
from opsdesk.services.registry.metadata import DataAssetDTO, LineageEdge, ModelDTO
from opsdesk.services.workspace import Workspace, lifecycle
from opsdesk.ui import errors
from opsdesk.ui.dialogs.record_form import FormField, RecordForm
from opsdesk.ui.models.records import Column, attr, haystack
from opsdesk.ui.pages.base import Page, PageContext
from opsdesk.ui.undo import run_undoable
from opsdesk.ui.widgets.lineage import LineageView
from opsdesk.ui.widgets.register import PageLayout, RegisterView

ASSET_COLUMNS = (
    Column("name", "Name", attr("name")),
    Column("owner", "Owner", attr("owner")),
    Column("source_system", "Source system", attr("source_system")),
    Column("classification", "Classification", attr("classification")),
    Column("pii", "PII", lambda a: "yes" if a.contains_pii else "no", colour=lambda a: "#c62828" if a.contains_pii
           else None),
    Column("format_standard", "Format standard", attr("format_standard")),
    Column("namespace", "Namespace", attr("namespace")),
)
MODEL_COLUMNS = (
    Column("name", "Name", attr("name")),
    Column("version_label", "Version", attr("version_label")),
    Column("framework", "Framework", attr("framework")),
    Column("owner", "Owner", attr("owner")),
    Column("registry_source", "Source", attr("registry_source")),
    Column("initiative", "Initiative", lambda m: m.initiative_code or ""),
    Column("classification", "Classification", attr("classification")),
)


@dataclass(frozen=True)
class RegistryData:
    assets: list[DataAssetDTO]
    models: list[ModelDTO]
    edges: list[LineageEdge]
    scheme: tuple[str, ...]
    initiative_codes: list[str]
    asset_hay: list[str] | None = None
    model_hay: list[str] | None = None


def load_registry(ws: Workspace) -> RegistryData:
    assets, models = metadata.list_assets(ws), metadata.list_models(ws)
    return RegistryData(assets, models, metadata.lineage_graph(ws), lifecycle.info(ws).classification_scheme,
                        initiatives.codes(ws), haystack(ASSET_COLUMNS, assets), haystack(MODEL_COLUMNS, models))


def asset_fields(scheme: tuple[str, ...]) -> list[FormField]:
    return [
        FormField("name", "Name"), FormField("namespace", "Namespace"), FormField("owner", "Owner"),
        FormField("source_system", "Source system"), FormField("format_standard", "Format standard",
                                                               placeholder="e.g. Parquet, CSV (RFC 4180)"),
        FormField("classification", "Classification", "choice", [(m, m) for m in scheme]),
        FormField("contains_pii", "Contains personal data", "bool"),
        FormField("description", "Description", "text"),
    ]


def model_fields(scheme: tuple[str, ...], codes: list[str]) -> list[FormField]:
    return [
        FormField("name", "Name"), FormField("version_label", "Version", placeholder="1"),
        FormField("framework", "Framework"), FormField("owner", "Owner"),
        FormField("registry_source", "Source", placeholder="e.g. mlflow:models:/name/3"),
        FormField("classification", "Classification", "choice", [(m, m) for m in scheme]),
        FormField("initiative_code", "Initiative", "choice", [("", "— none —")] + [(c, c) for c in codes]),
    ]


class DataModelsPage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.data = RegistryData([], [], [], ("OFFICIAL",), [])
        self.form: RecordForm | None = None
        self.assets = RegisterView("assetsTable", "data assets", ASSET_COLUMNS, self)
        self.models = RegisterView("modelsTable", "models", MODEL_COLUMNS, self)
        self.assets.set_empty_text("No data assets yet: import OpenLineage events (File ▸ Import…, or drop "
                                   "them on the window), or New….")
        self.models.set_empty_text("No models yet: import an MLflow store (File ▸ Import…, or drop it on the "
                                   "window), or New….")
        for view, kind in ((self.assets, NodeKind.DATA_ASSET), (self.models, NodeKind.MODEL)):
            for text, icon, handler in (("New…", "new", self.new_record), ("Edit…", "edit", self.edit_selected),
                                        ("Delete", "delete", self.delete_selected)):
                view.add_button(text, ctx.actions.icon(icon), handler,
                                f"{text.rstrip('…')} {view.noun[:-1]}", enabled=not ctx.ws.read_only)
            view.current_changed.connect(lambda row, k=kind: row is not None and self.lineage.highlight(k.value, row.id))
            view.activated.connect(lambda _row: self.edit_selected())
        self.tabs = QTabWidget(self)
        self.tabs.setObjectName("registryTabs")
        self.tabs.addTab(self.assets, ctx.actions.icon("data"), "Data assets")
        self.tabs.addTab(self.models, ctx.actions.icon("objectives"), "Models")
        self.lineage = LineageView(self)
        self.lineage.node_clicked.connect(self.select_node)
        right = QWidget(self)
        box = QVBoxLayout(right)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(QLabel("<b>Lineage</b> — data assets → models → initiatives. Click a node to select its "
                             "record.", right))
        box.addWidget(self.lineage, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setObjectName("dataModelsSplitter")
        self.splitter.addWidget(self.tabs)
        self.splitter.addWidget(right)
        self.splitter.setSizes([420, 420])
        layout = QVBoxLayout(self)
        layout.addWidget(self.splitter)
        self.layout_state = PageLayout("data_models", self.splitter, [self.assets, self.models])

    def save_state(self) -> None:
        self.layout_state.save()

    def restore_state(self) -> None:
        self.layout_state.restore()

    # --- data --------------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        self.ctx.tasks.submit(load_registry, self.ctx.ws, on_done=self._loaded)

    def _loaded(self, data: RegistryData) -> None:
        self.data = data
        self.assets.set_rows(data.assets, hay=data.asset_hay)
        self.models.set_rows(data.models, hay=data.model_hay)
        self.lineage.set_edges(data.edges)
        self.tabs.setTabText(0, f"Data assets ({len(data.assets):,})")
        self.tabs.setTabText(1, f"Models ({len(data.models):,})")

    def select_node(self, kind: str, ident: int) -> None:
        """Clicking a lineage node selects its record (an initiative opens on the initiatives page)."""
        if kind == NodeKind.DATA_ASSET.value:
            self.tabs.setCurrentWidget(self.assets)
            self._select(self.assets, ident)
        elif kind == NodeKind.MODEL.value:
            self.tabs.setCurrentWidget(self.models)
            self._select(self.models, ident)
        elif kind == NodeKind.INITIATIVE.value:
            node = self.lineage.nodes.get((kind, ident))
            if node is not None:
                self.ctx.open_initiative(node.node.label.split(" ", 1)[0])
        else:
            self.ctx.status("Jobs come from lineage imports and have no register of their own.")

    @staticmethod
    def _select(view: RegisterView, ident: int) -> None:
        if not view.select_key(ident):  # filtered out: clear the search so the record can be shown
            view.search.clear()
            view.search.flush()
            view.select_key(ident)

    def current_view(self) -> RegisterView:
        return self.assets if self.tabs.currentWidget() is self.assets else self.models

    def find(self) -> None:
        self.current_view().search.setFocus()
        self.current_view().search.selectAll()

    # --- forms and commands ------------------------------------------------------------------------------------

    def _asset_form(self, title: str, values: dict[str, Any], own: str | None) -> RecordForm:
        taken = {a.name for a in self.data.assets} - {own or ""}

        def check(raw: dict[str, Any]) -> dict[str, str]:
            name = str(raw.get("name", "")).strip()
            return {"name": f"'{name}' is already registered"} if name in taken else {}

        return RecordForm(title, metadata.ASSET_SCHEMA, asset_fields(self.data.scheme), values, cross_check=check,
                          parent=self)

    def _model_form(self, title: str, values: dict[str, Any], own: tuple[str, str] | None) -> RecordForm:
        taken = {(m.name, m.version_label) for m in self.data.models} - {own or ("", "")}

        def check(raw: dict[str, Any]) -> dict[str, str]:
            key = (str(raw.get("name", "")).strip(), str(raw.get("version_label", "")).strip() or "1")
            return {"version_label": f"{key[0]} version {key[1]} is already registered"} if key in taken else {}

        return RecordForm(title, metadata.MODEL_SCHEMA, model_fields(self.data.scheme, self.data.initiative_codes),
                          values, cross_check=check, parent=self)

    def new_record(self) -> None:
        scheme0 = self.data.scheme[0] if self.data.scheme else "OFFICIAL"
        if self.current_view() is self.assets:
            self.form = self._asset_form("New data asset", {"classification": scheme0}, None)
            self.form.accepted.connect(self._create_asset)
        else:
            self.form = self._model_form("New model", {"classification": scheme0, "version_label": "1"}, None)
            self.form.accepted.connect(self._create_model)
        self.form.open()

    def _undoable(self, text: str, apply: Any, revert: Any) -> None:
        run_undoable(self.ctx.tasks, self.ctx.undo, text, apply, revert,
                     on_done=lambda _r: self.ctx.status(text.capitalize()),
                     on_error=lambda exc: errors.show_user_error(self, exc))

    def _create_asset(self) -> None:
        assert self.form is not None
        values, ws, state = self.form.raw_values(), self.ctx.ws, {}

        def apply() -> DataAssetDTO:
            dto = metadata.create_asset(ws, values)
            state["id"] = dto.id
            return dto

        self._undoable(f"create data asset {values['name']}", apply, lambda: metadata.delete_asset(ws, state["id"]))

    def _create_model(self) -> None:
        assert self.form is not None
        values, ws, state = self.form.raw_values(), self.ctx.ws, {}

        def apply() -> ModelDTO:
            dto = metadata.create_model(ws, values)
            state["id"] = dto.id
            return dto

        self._undoable(f"create model {values['name']}", apply, lambda: metadata.delete_model(ws, state["id"]))

    def edit_selected(self) -> None:
        view = self.current_view()
        row = view.current()
        if row is None:
            return
        ws = self.ctx.ws
        if view is self.assets:
            before = {f.name: getattr(row, f.name) for f in asset_fields(self.data.scheme)}
            self.form = self._asset_form(f"Edit {row.name}", before, row.name)
            update = metadata.update_asset
        else:
            before = {f.name: getattr(row, f.name) for f in model_fields(self.data.scheme, [])}
            self.form = self._model_form(f"Edit {row.name}", before, (row.name, row.version_label))
            update = metadata.update_model
        form = self.form

        def save() -> None:
            changes = form.changed_values()
            if changes:
                old = {k: before[k] if isinstance(before[k], bool) else ("" if before[k] is None else str(before[k]))
                       for k in changes}
                self._undoable(f"edit {row.name}", lambda: update(ws, row.id, changes),
                               lambda: update(ws, row.id, old))

        form.accepted.connect(save)
        form.open()

    def delete_selected(self) -> None:
        view = self.current_view()
        row = view.current()
        if row is None:
            return
        if errors.dialogs_enabled and QMessageBox.question(
                self, "Delete", f"Delete {row.name} and its lineage links? You can undo this with Ctrl+Z.") \
                != QMessageBox.StandardButton.Yes:
            return
        ws = self.ctx.ws
        kind = NodeKind.DATA_ASSET if view is self.assets else NodeKind.MODEL
        state = {"id": row.id}
        links: list[metadata.LinkSpec] = []

        def apply() -> None:
            links[:] = metadata.links_of(ws, kind, state["id"])  # on the worker, just before the delete
            (metadata.delete_asset if kind is NodeKind.DATA_ASSET else metadata.delete_model)(ws, state["id"])

        def revert() -> None:
            restore = metadata.restore_asset if kind is NodeKind.DATA_ASSET else metadata.restore_model
            dto = restore(ws, row, [(sk, sid if (sk, sid) != (kind, state["id"]) else row.id, tk,
                                     tid if (tk, tid) != (kind, state["id"]) else row.id, lk)
                                    for sk, sid, tk, tid, lk in links])
            state["id"] = dto.id

        self._undoable(f"delete {row.name}", apply, revert)
