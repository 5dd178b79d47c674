"""The lineage view on its own: layout by kind, and redrawing after a highlight (a crash once lived here)."""

from __future__ import annotations

from opsdesk.domain.enums import LineageKind, NodeKind
from opsdesk.services.registry.metadata import LineageEdge, LineageNode
from opsdesk.ui.widgets.lineage import LineageView

RAW = LineageNode(NodeKind.DATA_ASSET, 1, "claims.raw")
CUR = LineageNode(NodeKind.DATA_ASSET, 2, "claims.curated")
MODEL = LineageNode(NodeKind.MODEL, 7, "triage v1")
INIT = LineageNode(NodeKind.INITIATIVE, 3, "AI-0001 Triage")
EDGES = [LineageEdge(RAW, CUR, LineageKind.DERIVED_FROM), LineageEdge(CUR, MODEL, LineageKind.TRAINED_ON),
         LineageEdge(MODEL, INIT, LineageKind.USED_BY)]


def test_nodes_are_laid_out_in_columns_by_kind(qtbot):
    view = LineageView()
    qtbot.addWidget(view)
    view.resize(900, 400)
    view.set_edges(EDGES)
    x = {key: item.rect().x() for key, item in view.nodes.items()}
    assert x[("data_asset", 1)] == x[("data_asset", 2)] < x[("model", 7)] < x[("initiative", 3)]


def test_redrawing_after_a_highlight_is_safe(qtbot, tmp_path):
    view = LineageView()
    qtbot.addWidget(view)
    view.show()
    view.set_edges(EDGES)
    assert view.highlight("model", 7)
    view.set_edges([])  # the highlighted item is gone with the old scene
    view.resize(500, 300)
    view.grab().save(str(tmp_path / "empty.png"))
    assert not view.highlight("model", 7) and view.nodes == {}
    view.set_edges(EDGES)
    assert view.highlight("initiative", 3)
