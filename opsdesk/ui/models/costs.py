"""Table models of the Costs page: the ledger and the allocation rules."""

from __future__ import annotations

from decimal import Decimal

from opsdesk.services.finance.allocation_rules import RuleDTO
from opsdesk.services.finance.costs import UNALLOCATED, LedgerRow
from opsdesk.ui.models.rows import Column, RowsModel


def money(value: Decimal) -> str:
    """Thousands separated, at the scale the bills of the currency were written with."""
    return f"{value:,f}"



def ledger_model(by: str, parent=None) -> RowsModel[LedgerRow]:
    label = {"initiative": "Initiative", "service": "Service", "month": "Month"}[by]
    columns: list[Column[LedgerRow]] = [
        Column(label, lambda r: "Unallocated" if r.key == UNALLOCATED else r.key),
    ]
    if by == "initiative":
        columns.append(Column("Name", lambda r: r.label, tooltip=lambda r: r.label))
    columns += [
        Column("Currency", lambda r: r.currency),
        Column("BilledCost", lambda r: r.billed, money, align_right=True,
               tooltip=lambda r: "FOCUS BilledCost: what was invoiced"),
        Column("EffectiveCost", lambda r: r.total, money, align_right=True,
               tooltip=lambda r: "FOCUS EffectiveCost: amortised cost after discounts (what is allocated)"),
        Column("Share of spend", lambda r: r.share, lambda v: f"{v:.1%}", align_right=True),
    ]
    if by != "initiative":
        columns += [Column("Allocated", lambda r: r.allocated, money, align_right=True),
                    Column("Unallocated", lambda r: r.unallocated, money, align_right=True),
                    Column("Unallocated share", lambda r: (r.unallocated / r.total) if r.total else Decimal(0),
                           lambda v: f"{v:.1%}", align_right=True)]
    return RowsModel(columns, tone=lambda r: "warn" if r.key == UNALLOCATED or (by != "initiative" and r.unallocated)
                     else "", parent=parent)


RULE_COLUMNS: list[Column[RuleDTO]] = [
    Column("Priority", lambda r: r.priority, align_right=True),
    Column("Name", lambda r: r.name),
    Column("Matches", lambda r: r.match_text, tooltip=lambda r: r.match_text),
    Column("Allocates to", lambda r: r.target_text, tooltip=lambda r: r.target_text),
    Column("Active", lambda r: "yes" if r.active else "no"),
]


def rules_model(parent=None) -> RowsModel[RuleDTO]:
    return RowsModel(RULE_COLUMNS, tone=lambda r: "" if r.active else "muted", parent=parent)
