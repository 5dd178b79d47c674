"""The record as it stood at one moment — what a paper for a past meeting shows when it was never issued.

Sources: the stage history (each move is dated), the audit trail (the state of a conformance row or an action
after the last event at or before the moment), and dated records (cost periods, metric points, lessons).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsdesk.domain.enums import ConformanceStatus, Stage
from opsdesk.store.models import (
    Allocation,
    AuditEvent,
    Conformance,
    CostRecord,
    Initiative,
    Requirement,
    StageChange,
    Standard,
)


def audit_states(session: Session, entity: str, keys: Iterable[str], at: dt.datetime) -> dict[str, dict[str, Any] | None]:
    """{key: the record's columns after its last audit event at or before ``at`` (None: deleted by then)}; a key
    absent from the result had no event yet (the record did not exist)."""
    wanted = list(keys)
    out: dict[str, dict[str, Any] | None] = {}
    if not wanted:
        return out
    rows = session.execute(select(AuditEvent.entity_id, AuditEvent.action, AuditEvent.after)
                           .where(AuditEvent.entity == entity, AuditEvent.entity_id.in_(wanted),
                                  AuditEvent.at <= at).order_by(AuditEvent.seq))
    for key, action, after in rows:
        if action == "delete":
            out[key] = None
        elif isinstance(after, dict):
            out[key] = after
    return out


@dataclass(frozen=True)
class StageAt:
    stage: Stage | None  # None: not registered yet
    since: dt.datetime | None
    history: list[StageChange]


def stage_at(session: Session, initiative_id: int, at: dt.datetime) -> StageAt:
    rows = [c for c in session.scalars(select(StageChange).where(StageChange.initiative_id == initiative_id)
                                       .order_by(StageChange.changed_at, StageChange.id)) if c.changed_at <= at]
    if not rows:
        return StageAt(None, None, [])
    return StageAt(rows[-1].to_stage, rows[-1].changed_at, rows)


def conformance_rows_at(session: Session, initiative: Initiative, at: dt.datetime) -> dict[int, Any]:
    """{requirement id: the conformance row as it stood at ``at``} (rows created later are left out)."""
    keys: dict[str, int] = {}
    for req_id, req_code, std_code, version in session.execute(
            select(Requirement.id, Requirement.code, Standard.code, Standard.version_label)
            .join(Standard, Standard.id == Requirement.standard_id)
            .join(Conformance, Conformance.requirement_id == Requirement.id)
            .where(Conformance.initiative_id == initiative.id)):
        keys[f"{initiative.code}:{std_code}:{version}:{req_code}"] = req_id
    out: dict[int, Any] = {}
    for key, state in audit_states(session, "conformance", keys, at).items():
        if state is None or "status" not in state:
            continue
        out[keys[key]] = row_from_state(state, at.date())
    return out


def row_from_state(state: dict[str, Any], day: dt.date) -> SimpleNamespace:
    def date(name: str) -> dt.date | None:
        v = state.get(name)
        return dt.date.fromisoformat(v[:10]) if v else None

    reviewed = date("reviewed_on")
    return SimpleNamespace(
        id=state.get("id"), status=ConformanceStatus(state["status"]), waiver_expires=date("waiver_expires"),
        evidence=state.get("evidence") or "",
        reviewer=(state.get("reviewer") or "") if reviewed and reviewed <= day else "", reviewed_on=reviewed if reviewed and reviewed <= day else None,
        waiver_reason=state.get("waiver_reason") or "", waiver_approver=state.get("waiver_approver") or "")


def spend_to(session: Session, initiative: Initiative, day: dt.date) -> list[tuple[dt.datetime, Decimal]]:
    """(period start, amount) of the initiative's allocated cost in its budget currency, periods begun by ``day``."""
    limit = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) + dt.timedelta(days=1)
    return [(start, amount) for start, amount in session.execute(
        select(CostRecord.charge_period_start, Allocation.amount)
        .join(CostRecord, CostRecord.id == Allocation.cost_record_id)
        .where(Allocation.initiative_id == initiative.id, Allocation.currency == initiative.currency,
               CostRecord.charge_period_start < limit))]
