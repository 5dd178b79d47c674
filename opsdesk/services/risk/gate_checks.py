"""What the risk, assessment and incident registers say at a stage gate: no untreated high residual risk, a
current approved impact assessment for a high-impact initiative going to Pilot or beyond, no open serious
incident. The committee's gate service shows these beside its other criteria; the decision service refuses an
approval over an open serious incident unless the decision records why (:func:`approval_blocker`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from opsdesk.analytics import risk_register
from opsdesk.domain.enums import Stage
from opsdesk.services.risk import assessments, incidents
from opsdesk.store import records
from opsdesk.store.models import Initiative
from opsdesk.store.workspace import Workspace


@dataclass(frozen=True)
class Check:
    name: str
    met: bool
    status: str
    note: str


def gate_checks(ws: Workspace, code: str, target: Stage, today: dt.date) -> list[Check]:
    with ws.read() as s:
        return gate_checks_in(s, code, target, today)


def gate_checks_in(session: Session, code: str, target: Stage, today: dt.date) -> list[Check]:
    init = records.get_by(session, Initiative, "initiative", code=code)
    out = []
    facts = risk_register.risk_facts(session, today, [init.id])
    untreated = [f for f in facts if f.untreated_high]
    if not facts:  # evidence, not its absence: an empty register is not a treated one
        out.append(Check("No untreated high residual risk", False, "none identified",
                         f"no risk has been identified for {code} yet: the register holds none, so there is no "
                         "evidence that its risks are known and treated"))
    else:
        out.append(Check("No untreated high residual risk", not untreated, "none" if not untreated else "untreated",
                         "; ".join(f"{f.ref} {f.title} ({f.residual.value}: {f.treatment_note})" for f in untreated)
                         or f"{sum(1 for f in facts if f.status.value == 'open')} open risk(s), every high one "
                            "treated"))
    check = assessments.gate_check(session, code, init.risk_tier, target, today)
    if check is not None:
        met, note = check
        out.append(Check("Current approved impact assessment", met, "current" if met else "missing", note))
    serious = incidents.open_serious(session, init.id, today)  # a gate on a past day: incidents known then
    out.append(Check("No open serious incident", not serious, "none" if not serious else "open",
                     "; ".join(serious) or "no open severity-1 or -2 incident"))
    return out


def approval_blocker(session: Session, initiative_id: int, decided_on: dt.date | None = None) -> list[str]:
    """The open serious incidents an approving gate decision must record an override for: those still open and
    already known on the day of the decision (a correction of an older decision is not held to an incident found
    after it)."""
    return incidents.open_serious(session, initiative_id, decided_on)


def initiative_ids(session: Session, codes: list[str]) -> list[int]:
    return list(session.scalars(select(Initiative.id).where(Initiative.code.in_(codes))))
