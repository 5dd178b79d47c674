"""Costs: the ledger by initiative, service or month with the unallocated share, and the allocation rules,
which can be edited and re-applied here (each change is an audited action)."""

from __future__ import annotations

from decimal import Decimal

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from opsdesk.errors import OpsDeskError, ValidationError
from opsdesk.services.finance import allocation_rules, costs
from opsdesk.ui.dialogs.allocation_rule import RuleDialog
from opsdesk.ui.models.costs import ledger_model, money, rules_model
from opsdesk.ui.models.rows import ROW_ROLE, SORT_ROLE
from opsdesk.ui.pages.base import Page, PageContext
from opsdesk.ui.widgets.empty_note import attach as say_when_empty


def _table(parent: QWidget, name: str, accessible: str) -> QTableView:
    table = QTableView(parent)
    table.setObjectName(name)
    table.setAccessibleName(accessible)
    table.setSortingEnabled(True)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.verticalHeader().setVisible(False)
    table.setAlternatingRowColors(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


class CostsPage(Page):
    def __init__(self, ctx: PageContext) -> None:
        super().__init__(ctx)
        self.by = QComboBox(self)
        self.by.setAccessibleName("Group costs by")
        for key, label in (("initiative", "By initiative"), ("service", "By service"), ("month", "By month")):
            self.by.addItem(label, key)
        self.by.currentIndexChanged.connect(lambda _i: self.refresh())
        self.share = QLabel(self)
        self.share.setObjectName("unallocatedShare")
        self.share.setTextFormat(Qt.TextFormat.RichText)
        self.share.setWordWrap(True)

        self.ledger_proxy = QSortFilterProxyModel(self)
        self.ledger_proxy.setSortRole(SORT_ROLE)
        self.ledger = _table(self, "costLedger", "Cost ledger")
        self.ledger.setModel(self.ledger_proxy)
        say_when_empty(self.ledger, "No costs yet: import a FOCUS cost export (File ▸ Import…, or drop it on the "
                                    "window).")
        self.ledger_model = ledger_model("initiative", self)
        self.ledger_proxy.setSourceModel(self.ledger_model)

        self.rules_model = rules_model(self)
        self.rules_proxy = QSortFilterProxyModel(self)
        self.rules_proxy.setSourceModel(self.rules_model)
        self.rules_proxy.setSortRole(SORT_ROLE)
        self.rules = _table(self, "allocationRules", "Allocation rules")
        self.rules.setModel(self.rules_proxy)
        say_when_empty(self.rules, "No allocation rules yet: imported costs stay Unallocated until a rule takes "
                                   "them. Add rule… (Getting started offers one from the tags it finds).")
        self.rules.doubleClicked.connect(lambda _i: self.edit_rule())
        self.add_button = self._button("Add rule…", self.add_rule)
        self.edit_button = self._button("Edit rule…", self.edit_rule)
        self.delete_button = self._button("Delete rule", self.delete_rule)
        self.apply_button = self._button("Re-apply rules", self.apply_rules)
        for b in (self.add_button, self.edit_button, self.delete_button, self.apply_button):
            b.setEnabled(not ctx.ws.read_only)

        top = QHBoxLayout()
        top.addWidget(QLabel("<b>Cost ledger</b>", self))
        top.addWidget(self.by)
        top.addStretch(1)
        top.addWidget(self.share)
        ledger_box = QWidget(self)
        lv = QVBoxLayout(ledger_box)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addLayout(top)
        lv.addWidget(self.ledger, 1)
        rule_bar = QHBoxLayout()
        rules_title = QLabel("<b>Allocation rules</b> — the first matching rule by priority allocates a cost "
                             "line; lines no rule takes stay unallocated", self)
        rules_title.setWordWrap(True)  # fits beside the buttons on a 1280-pixel screen
        rule_bar.addWidget(rules_title, 1)
        for b in (self.add_button, self.edit_button, self.delete_button, self.apply_button):
            rule_bar.addWidget(b)
        rules_box = QWidget(self)
        rv = QVBoxLayout(rules_box)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addLayout(rule_bar)
        rv.addWidget(self.rules, 1)
        split = QSplitter(Qt.Orientation.Vertical, self)
        split.addWidget(ledger_box)
        split.addWidget(rules_box)
        split.setSizes([520, 300])
        layout = QVBoxLayout(self)
        layout.addWidget(split)

    def _button(self, text: str, slot) -> QPushButton:
        button = QPushButton(text, self)
        button.setAccessibleName(text.replace("…", ""))
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # --- loading --------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        by = self.by.currentData() or "initiative"
        ws = self.ctx.ws

        def load() -> tuple[str, list, dict, list]:
            return by, costs.ledger(ws, by), costs.totals(ws, "initiative"), allocation_rules.list_rules(ws)

        self.ctx.tasks.submit(load, on_done=self._loaded)

    def _loaded(self, result) -> None:
        by, rows, totals, rules = result
        if by != (self.by.currentData() or "initiative"):
            return
        self.ledger_model = ledger_model(by, self)
        self.ledger_model.set_rows(rows)
        self.ledger_proxy.setSourceModel(self.ledger_model)
        self.ledger.resizeColumnsToContents()
        header = self.ledger.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)  # modes outlive a model change
        self.ledger.resizeColumnsToContents()
        header.setSectionResizeMode(1 if by == "initiative" else 0, QHeaderView.ResizeMode.Stretch)
        self.rules_model.set_rows(rules)
        self.rules.resizeColumnsToContents()
        self.rules.horizontalHeader().setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
        parts = []
        for currency, grand in sorted(totals["currencies"].items()):
            left = totals["unallocated"].get(currency, Decimal(0))
            share = f"{left / grand:.1%}" if grand else "—"
            billed = totals["currencies_billed"].get(currency, Decimal(0))
            parts.append(f"Unallocated {currency}: <b>{money(left)}</b> ({share} of EffectiveCost {money(grand)}; "
                         f"BilledCost {money(billed)})")
        self.share.setText(" · ".join(parts) or "No costs imported yet — use File ▸ Import…")

    # --- rules ------------------------------------------------------------------------------------------------

    def selected_rule(self) -> allocation_rules.RuleDTO | None:
        rows = self.rules.selectionModel().selectedRows()
        return self.rules_proxy.index(rows[0].row(), 0).data(ROW_ROLE) if rows else None

    def _open_dialog(self, rule: allocation_rules.RuleDTO | None) -> RuleDialog:
        dialog = RuleDialog(rule, self)
        ws = self.ctx.ws

        def save(values: dict) -> None:
            if rule is None:
                fn, args = allocation_rules.create_rule, (ws, values)
            else:
                fn, args = allocation_rules.update_rule, (ws, rule.id, values, rule.version)
            self.ctx.tasks.submit(fn, *args, on_done=lambda _r: self._saved(dialog), on_error=lambda e: failed(e))

        def failed(exc: BaseException) -> None:
            if isinstance(exc, ValidationError):
                dialog.show_error(f"{exc.field}: {exc.reason}")
            elif isinstance(exc, OpsDeskError):
                dialog.show_error(str(exc))
            else:
                dialog.show_error("")
                raise exc

        dialog.submitted.connect(save)
        dialog.setModal(True)
        dialog.show()
        self.dialog = dialog
        return dialog

    def _saved(self, dialog: RuleDialog) -> None:
        dialog.accept()
        self.ctx.status("Rules saved and re-applied")

    def add_rule(self) -> RuleDialog:
        return self._open_dialog(None)

    def edit_rule(self) -> RuleDialog | None:
        rule = self.selected_rule()
        return self._open_dialog(rule) if rule is not None else None

    def delete_rule(self) -> None:
        rule = self.selected_rule()
        if rule is not None:
            self.ctx.tasks.submit(allocation_rules.delete_rule, self.ctx.ws, rule.id,
                                  on_done=lambda _r: self.ctx.status(f"Rule '{rule.name}' deleted"))

    def apply_rules(self) -> None:
        self.ctx.tasks.submit(costs.apply_rules, self.ctx.ws,
                              on_done=lambda s: self.ctx.status(
                                  f"Rules re-applied: {s['allocated_records']} lines allocated, "
                                  f"{s['unallocated_records']} unallocated"))
