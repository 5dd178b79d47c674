"""A spend-against-budget RAG for the initiatives register.

Kept small and replaceable: when ``opsdesk.analytics.kpis`` lands (issue 5), the register can take its FinOps
"spend vs budget" KPI instead; until then this rule gives the same kind of answer from the register alone.
"""

from __future__ import annotations

from decimal import Decimal

AMBER_SHARE = Decimal("0.85")  # spend at or above 85 % of budget is amber
THRESHOLD_TEXT = "green < 85 % of budget, amber < 100 %, red at or over budget"


def spend_rag(budget: Decimal, spend: Decimal) -> str:
    """"green" | "amber" | "red" | "grey" (no budget to compare with)."""
    if budget <= 0:
        return "grey" if spend <= 0 else "red"
    share = spend / budget
    if share >= 1:
        return "red"
    if share >= AMBER_SHARE:
        return "amber"
    return "green"


def spend_share(budget: Decimal, spend: Decimal) -> Decimal | None:
    return None if budget <= 0 else spend / budget
