"""The recommendation every brief ends in, read from the same rules as the "needs the committee" list
(:func:`opsdesk.analytics.bottlenecks.attention`): continue, corrective action with an owner and a date, hold,
retire, or the gate decision — and the rules that fired, by name."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from opsdesk.analytics.bottlenecks import AttentionItem
from opsdesk.domain.enums import Stage

RULES = {
    "gate_request": "Gate request",
    "retired_spending": "Retired but still spending",
    "breach": "Threshold breach",
    "budget": "Forecast overrun",
    "overdue_action": "Overdue action",
    "stalled": "Stalled in stage",
    "skill_gap": "Team discipline gap",
    "non_conformance": "Non-conformance",
}
CORRECTIONS = {
    "budget": "a plan that brings the forecast at fiscal year end within budget, or a budget change for decision",
    "breach": "the cause of the red KPIs and the fix, with the date they return to green",
    "non_conformance": "a plan that closes the standards gaps (or waivers for decision)",
    "overdue_action": "the overdue actions closed or re-planned",
    "skill_gap": "a named team member for each missing discipline",
}
DUE_DAYS = 30


@dataclass(frozen=True)
class Advice:
    verdict: str  # Continue | Corrective action | Hold | Retire | the gate decision
    text: str
    rules: tuple[str, ...]  # "Rule name: why" for every rule that fired

    @property
    def rules_text(self) -> str:
        if not self.rules:
            return "Rules that fired: none of " + ", ".join(v.lower() for v in RULES.values()) + "."
        return "Rules that fired: " + "; ".join(self.rules) + "."


def advise(items: Sequence[AttentionItem], *, stage: Stage, owner: str, day: dt.date,
           gate: str | None = None) -> Advice:
    """``items``: the attention entries of one initiative; ``gate``: the gate recommendation when a gate is
    before the committee."""
    kinds = [i.kind for i in items]
    rules = tuple(f"{RULES.get(i.kind, i.kind)}: {i.reason}" for i in items)
    who = owner or "the initiative owner"
    due = (day + dt.timedelta(days=DUE_DAYS)).strftime("%d %B %Y").lstrip("0")
    fixes = [CORRECTIONS[k] for k in CORRECTIONS if k in kinds]
    corrective = f"{who} to bring to the committee by {due}: " + "; ".join(fixes) + "." if fixes else ""
    if gate:
        text = gate + (f" Corrective action alongside: {corrective}" if corrective else "")
        return Advice(gate.split(":")[0].split(".")[0], text, rules)
    if "retired_spending" in kinds:
        return Advice("Retire", f"Complete the retirement: {who} to stop the remaining spend and confirm to the "
                                f"committee by {due} that it has stopped."
                      + (f" Also: {corrective}" if corrective else ""), rules)
    if "stalled" in kinds:
        return Advice("Hold", f"Hold: no further spend beyond running costs until the committee decides whether to "
                              f"continue, re-plan or retire; {who} to bring that proposal by {due}."
                      + (f" Also: {corrective}" if corrective else ""), rules)
    if corrective:
        return Advice("Corrective action", f"Corrective action: {corrective}", rules)
    if stage is Stage.RETIRED:
        return Advice("Continue", "Continue: the initiative is retired and no rule asks anything of the committee.",
                      rules)
    return Advice("Continue", f"Continue at the {stage.label.lower()} stage: no attention rule fires; the next "
                              "review is at the next quarterly portfolio review.", rules)
