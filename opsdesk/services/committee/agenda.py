"""Building a meeting's agenda from the dashboard's "needs the committee" list, stage-gate requests and free
items. The list comes from ``opsdesk.analytics.bottlenecks.attention``; each of its items (an ``AttentionItem``:
initiative code, kind, reason, score, since) becomes a proposed agenda item the secretary can accept."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from opsdesk.domain.enums import AgendaKind, Stage
from opsdesk.domain.rules import next_stage
from opsdesk.services.committee import gates, meetings
from opsdesk.services.registry import initiatives
from opsdesk.store.workspace import Workspace

KIND_OF_ATTENTION = {
    "gate_request": AgendaKind.STAGE_GATE,
    "breach": AgendaKind.REVIEW,
    "overdue_action": AgendaKind.REVIEW,
    "skill_gap": AgendaKind.REVIEW,
    "non_conformance": AgendaKind.STANDARD,
    "stalled": AgendaKind.REVIEW,
    "budget": AgendaKind.BUDGET,
    "inventory": AgendaKind.OTHER,  # its own item: it never takes the place of a review of the same initiative
}


class Attention(Protocol):
    initiative_code: str | None
    kind: str
    reason: str
    score: float
    since: dt.date | None


@dataclass(frozen=True)
class Proposal:
    kind: AgendaKind
    title: str
    initiative_code: str | None
    requested_decision: str
    target_stage: Stage | None
    source: str
    reason: str
    score: float


def needs_committee(ws: Workspace, as_of: dt.date | None = None) -> list[Any]:
    """The dashboard's ranked "needs the committee" list."""
    from opsdesk.analytics.bottlenecks import attention

    return list(attention(ws, as_of))


def proposals(ws: Workspace, items: Iterable[Attention], meeting_id: int | None = None) -> list[Proposal]:
    """Agenda items proposed for ``items``, highest score first: one per initiative and kind, none for what is
    already on the meeting's agenda, and a gate request names the initiative's next stage."""
    stages = {r.code: r.stage for r in initiatives.list_rows(ws)}
    taken: set[tuple[str | None, AgendaKind]] = set()
    if meeting_id is not None:
        taken = {(i.initiative_code, i.kind) for i in meetings.get_meeting(ws, meeting_id).items}
    out: list[Proposal] = []
    for a in sorted(items, key=lambda x: -x.score):
        kind = KIND_OF_ATTENTION.get(a.kind, AgendaKind.OTHER)
        key = (a.initiative_code, kind)
        if key in taken:
            continue
        target = None
        if kind is AgendaKind.STAGE_GATE:
            current = stages.get(a.initiative_code or "")
            target = next_stage(current) if current is not None else None
            if target is None:
                continue
            title = f"{a.initiative_code}: gate to {target.label}"
            requested = f"Approve the move to {target.label}."
        else:
            label = a.kind.replace("_", " ")
            title = f"{a.initiative_code}: {label}" if a.initiative_code else label.capitalize()
            requested = "Note the position and agree actions."
        taken.add(key)
        out.append(Proposal(kind, title, a.initiative_code, requested, target, a.kind, a.reason, a.score))
    return out


def add_proposals(ws: Workspace, meeting_id: int, chosen: Sequence[Proposal]) -> list[int]:
    """Put the chosen proposals on the agenda in one action; gate items come prepared with their options and
    the recommendation read from the gate criteria."""
    prepared = []
    for p in chosen:
        options = recommendation = ""
        if p.kind is AgendaKind.STAGE_GATE and p.initiative_code and p.target_stage:
            view = gates.gate_view(ws, p.initiative_code, p.target_stage)
            options, recommendation = gates.default_options(p.target_stage), gates.recommend(view)
        prepared.append((p, options, recommendation))
    with ws.write() as tx:
        return [meetings.add_item_tx(tx, meeting_id, p.kind, p.title, initiative_code=p.initiative_code,
                                      requested_decision=f"{p.requested_decision} ({p.reason})"
                                      if p.reason else p.requested_decision,
                                      target_stage=p.target_stage, options=o, recommendation=r)
                for p, o, r in prepared]
