"""The lineage graph drawn in columns — data assets → jobs → models → initiatives — and navigable by click."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QMouseEvent, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from opsdesk.domain.enums import NodeKind
from opsdesk.services.registry.metadata import LineageEdge, LineageNode

COLUMN_OF = {NodeKind.DATA_ASSET: 0, NodeKind.JOB: 1, NodeKind.MODEL: 2, NodeKind.INITIATIVE: 3}
COLUMN_TITLES = ("Data assets", "Jobs", "Models", "Initiatives")
KIND_COLOURS = {NodeKind.DATA_ASSET: "#2f80c2", NodeKind.JOB: "#8e6cc0", NodeKind.MODEL: "#d9822b",
                NodeKind.INITIATIVE: "#2e8b57"}
NODE_W, NODE_H, GAP_X, GAP_Y = 200.0, 28.0, 80.0, 10.0
KEY_ROLE = 0
MAX_NODES = 600  # beyond this the view shows the neighbourhood of the selected record only


class NodeItem(QGraphicsRectItem):
    def __init__(self, node: LineageNode, rect: QRectF, text_colour: QColor) -> None:
        super().__init__(rect)
        self.node = node
        colour = QColor(KIND_COLOURS.get(node.kind, "#888888"))
        fill = QColor(colour)
        fill.setAlpha(60)
        self.setBrush(QBrush(fill))
        self.setPen(QPen(colour, 1.4))
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(f"{node.kind.label}: {node.label}")
        self.setData(KEY_ROLE, (node.kind.value, node.id))
        label = QGraphicsSimpleTextItem(self)
        font = QFont()
        font.setPointSizeF(8.5)
        label.setFont(font)
        label.setText(QFontMetrics(font).elidedText(node.label, Qt.TextElideMode.ElideRight, int(rect.width() - 14)))
        label.setBrush(QBrush(text_colour))
        label.setPos(rect.x() + 7, rect.y() + (rect.height() - QFontMetrics(font).height()) / 2)

    def set_highlight(self, on: bool) -> None:
        pen = self.pen()
        pen.setWidthF(3.0 if on else 1.4)
        self.setPen(pen)


class LineageView(QGraphicsView):
    """``node_clicked(kind value, id)`` when the user clicks a node."""

    node_clicked = Signal(str, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lineageView")
        self.setAccessibleName("Lineage graph")
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._scene = QGraphicsScene(self)
        self.setScene(self._scene)
        self.nodes: dict[tuple[str, int], NodeItem] = {}
        self._edges: list[LineageEdge] = []
        self._focus: NodeItem | None = None
        self.empty_text = "No lineage recorded yet."

    def set_edges(self, edges: Sequence[LineageEdge], focus: tuple[str, int] | None = None) -> None:
        self._edges = list(edges)
        self._draw(self._edges if len(self._edges) <= MAX_NODES or focus is None
                   else self._around(focus))

    def _around(self, focus: tuple[str, int]) -> list[LineageEdge]:
        return [e for e in self._edges if focus in ((e.source.kind.value, e.source.id),
                                                    (e.target.kind.value, e.target.id))]

    def _draw(self, edges: Sequence[LineageEdge]) -> None:
        # forget the items before the scene deletes them: graphics items are not QObjects, so a Python reference
        # to a deleted one is not caught and would crash when used
        self._focus = None
        self.nodes = {}
        self._scene.clear()
        palette = self.palette()
        text_colour = palette.text().color()
        columns: dict[int, dict[tuple[str, int], LineageNode]] = defaultdict(dict)
        for e in edges:
            for n in (e.source, e.target):
                columns[COLUMN_OF.get(n.kind, 1)][(n.kind.value, n.id)] = n
        if not edges:
            text = self._scene.addSimpleText(self.empty_text)
            text.setBrush(QBrush(palette.placeholderText().color()))
            self.setSceneRect(self._scene.itemsBoundingRect().adjusted(-20, -20, 20, 20))
            return
        used = sorted(columns)
        header_font = QFont()
        header_font.setBold(True)
        for slot, col in enumerate(used):
            x = slot * (NODE_W + GAP_X)
            title = self._scene.addSimpleText(COLUMN_TITLES[col], header_font)
            title.setBrush(QBrush(text_colour))
            title.setPos(x, -34)
            for row, (key, node) in enumerate(sorted(columns[col].items(), key=lambda kv: kv[1].label.lower())):
                item = NodeItem(node, QRectF(x, row * (NODE_H + GAP_Y), NODE_W, NODE_H), text_colour)
                self._scene.addItem(item)
                self.nodes[key] = item
        edge_colour = QColor(text_colour)
        edge_colour.setAlpha(110)
        for e in edges:
            a = self.nodes[(e.source.kind.value, e.source.id)].rect()
            b = self.nodes[(e.target.kind.value, e.target.id)].rect()
            if a.x() == b.x():  # within one column (derived data): an arc on the right-hand side
                start, end = QPointF(a.right(), a.center().y()), QPointF(b.right(), b.center().y())
                bulge = a.right() + 22 + min(abs(a.center().y() - b.center().y()) / 8, 20)
                path = QPainterPath(start)
                path.cubicTo(QPointF(bulge, start.y()), QPointF(bulge, end.y()), end)
            else:
                left, right = (a, b) if a.x() < b.x() else (b, a)
                start = QPointF(left.right(), left.center().y())
                end = QPointF(right.left(), right.center().y())
                path = QPainterPath(start)
                mid = (start.x() + end.x()) / 2
                path.cubicTo(QPointF(mid, start.y()), QPointF(mid, end.y()), end)
            item = QGraphicsPathItem(path)
            item.setPen(QPen(edge_colour, 1.2))
            item.setToolTip(f"{e.source.label} — {e.kind.label} → {e.target.label}")
            item.setZValue(-1)
            self._scene.addItem(item)
        self.setSceneRect(self._scene.itemsBoundingRect().adjusted(-16, -16, 16, 16))
        self._fit_width()

    def _fit_width(self) -> None:
        """Shrink (never enlarge, never below 60 %) so every column is in view."""
        rect = self.sceneRect()
        if rect.width() <= 0:
            return
        scale = max(0.6, min(1.0, (self.viewport().width() - 4) / rect.width()))
        self.resetTransform()
        self.scale(scale, scale)
        if self._focus is not None and self._focus.scene() is self._scene:
            self.centerOn(self._focus)
        else:
            self.verticalScrollBar().setValue(self.verticalScrollBar().minimum())
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().minimum())

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit_width()

    def highlight(self, kind: str, ident: int) -> bool:
        """Mark the node of one record and bring it into view. False when it has no lineage."""
        if (kind, ident) not in self.nodes and len(self._edges) > MAX_NODES:
            self._draw(self._around((kind, ident)))
        found = False
        for key, item in self.nodes.items():
            on = key == (kind, ident)
            item.set_highlight(on)
            if on:
                found = True
                self._focus = item
                self.centerOn(item)
        return found

    def node_center(self, kind: str, ident: int):
        """Where a node is in viewport coordinates (tests click there)."""
        item = self.nodes[(kind, ident)]
        return self.mapFromScene(item.sceneBoundingRect().center())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        item = self.itemAt(event.position().toPoint())
        while item is not None and not isinstance(item, NodeItem):
            item = item.parentItem()
        if isinstance(item, NodeItem) and event.button() == Qt.MouseButton.LeftButton:
            self.highlight(item.node.kind.value, item.node.id)
            self.node_clicked.emit(item.node.kind.value, item.node.id)
            event.accept()
            return
        super().mousePressEvent(event)
