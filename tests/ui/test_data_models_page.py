"""Data & Models: registers editable with validation, and the lineage graph that selects what you click."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from opsdesk.domain.enums import NodeKind
from opsdesk.services.registry import metadata
from opsdesk.store import audit


@pytest.fixture
def page(window):
    p = window.go_to("data_models")
    window.settle()
    return p


def _settle(window):
    window.settle()
    window.settle()


def _click_node(qtbot, page, kind: str, ident: int) -> None:
    view = page.lineage
    view.centerOn(view.nodes[(kind, ident)])
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=view.node_center(kind, ident))


def test_clicking_a_lineage_node_selects_its_record(window, page, qtbot, tmp_path):
    model = next(m for m in metadata.list_models(window.ws) if m.name == "wildfire-risk-forecasting")
    assert ("model", model.id) in page.lineage.nodes
    _click_node(qtbot, page, "model", model.id)
    assert page.tabs.currentWidget() is page.models
    assert page.models.current().id == model.id
    assert page.lineage.nodes[("model", model.id)].pen().widthF() == 3.0  # highlighted

    asset = next(a for a in metadata.list_assets(window.ws) if a.name == "fleet_telematics.raw")
    page.assets.search.setText("payments")
    page.assets.search.flush()  # the clicked record is filtered out: the search is cleared to show it
    _click_node(qtbot, page, "data_asset", asset.id)
    assert page.tabs.currentWidget() is page.assets
    assert page.assets.current().name == "fleet_telematics.raw"
    window.grab().save(str(tmp_path / "data_models.png"))


def test_clicking_an_initiative_node_opens_the_initiative(window, page, qtbot):
    node = next(k for k in page.lineage.nodes if k[0] == "initiative")
    code = page.lineage.nodes[node].node.label.split()[0]
    _click_node(qtbot, page, *node)
    _settle(window)
    assert window.current_page() is window.pages["initiatives"]
    assert window.pages["initiatives"].register.current().code == code


def test_selecting_a_record_highlights_its_node(window, page):
    asset = page.assets.model.row_at(3)
    page.assets.select_key(asset.id)
    assert page.lineage.nodes[("data_asset", asset.id)].pen().widthF() == 3.0


def test_a_data_asset_is_created_with_validation_and_undone(window, page, tmp_path):
    page.tabs.setCurrentWidget(page.assets)
    window.actions_.get("new").trigger()
    form = page.form
    form.set_text("name", "payments_ledger.raw")
    assert form.reasons["name"].text() == "'payments_ledger.raw' is already registered"
    assert not form.ok_button.isEnabled()
    form.set_text("name", "")
    assert form.reasons["name"].text() == "is required"
    form.set_text("name", "benefits_claims.features")
    form.set_text("owner", "Ben Castillo")
    form.set_text("contains_pii", "yes")
    form.grab().save(str(tmp_path / "asset_form.png"))
    assert form.ok_button.isEnabled()
    form.accept()
    _settle(window)
    created = next(a for a in metadata.list_assets(window.ws) if a.name == "benefits_claims.features")
    assert created.contains_pii and created.owner == "Ben Castillo"
    assert page.assets.model.total == 17
    window.undo.undo()
    _settle(window)
    assert all(a.name != "benefits_claims.features" for a in metadata.list_assets(window.ws))
    assert page.assets.model.total == 16


def test_a_model_is_edited_and_its_version_kept_unique(window, page):
    page.tabs.setCurrentWidget(page.models)
    row = next(m for m in page.models.model.all_rows() if m.name == "tax-enquiry-chatbot")
    page.models.select_key(row.id)
    window.actions_.get("edit").trigger()
    form = page.form
    other = next(m for m in page.models.model.all_rows() if m.name != row.name)
    form.set_text("name", other.name)
    form.set_text("version_label", other.version_label)
    assert "is already registered" in form.reasons["version_label"].text()
    form.set_text("name", row.name)
    form.set_text("version_label", row.version_label)
    form.set_text("framework", "scikit-learn 1.6")
    form.accept()
    _settle(window)
    assert next(m for m in metadata.list_models(window.ws) if m.id == row.id).framework == "scikit-learn 1.6"
    assert audit.history(window.ws, "model", row.id)[0].action == "update"


def test_deleting_an_asset_is_undone_with_its_lineage(window, page):
    asset = next(a for a in page.assets.model.all_rows() if a.name == "fleet_telematics.curated")
    links_before = len(metadata.links_of(window.ws, NodeKind.DATA_ASSET, asset.id))
    assert links_before > 0
    page.assets.select_key(asset.id)
    window.actions_.get("delete").trigger()
    _settle(window)
    assert all(a.name != asset.name for a in metadata.list_assets(window.ws))
    window.undo.undo()
    _settle(window)
    back = next(a for a in metadata.list_assets(window.ws) if a.name == asset.name)
    assert len(metadata.links_of(window.ws, NodeKind.DATA_ASSET, back.id)) == links_before
    assert ("data_asset", back.id) in page.lineage.nodes
