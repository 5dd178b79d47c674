"""Risks, impact assessments and incidents: the closed vocabularies and the pure rules the register, the gates,
the attention list and the briefs share.

A rating is likelihood × impact on the 1–5 scales, read on the usual 5×5 matrix: 1–4 low, 5–9 medium, 10–16
high, 20–25 critical. A risk's residual rating is taken after mitigation (its inherent rating while no residual
scores are given, and while a KPI breach it is linked to shows the mitigation is not holding).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from opsdesk.domain.enums import Labelled, RiskTier, Stage

SCALE = (1, 2, 3, 4, 5)
ASSESSMENT_VALID_DAYS = 365  # an approved assessment is current for a year unless it names its own review date


class RiskCategory(Labelled):
    PERFORMANCE = "performance"
    BIAS_AND_FAIRNESS = "bias_and_fairness"
    PRIVACY = "privacy"
    SECURITY = "security"
    SAFETY = "safety"
    LEGAL = "legal"
    FINANCIAL = "financial"
    OPERATIONAL = "operational"
    VENDOR = "vendor"

    @property
    def label(self) -> str:
        return "Bias and fairness" if self is RiskCategory.BIAS_AND_FAIRNESS else super().label


class RiskStatus(Labelled):
    OPEN = "open"
    CLOSED = "closed"


class Treatment(Labelled):
    MITIGATE = "mitigate"
    ACCEPT = "accept"
    TRANSFER = "transfer"
    AVOID = "avoid"


class MitigationStatus(Labelled):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


OPEN_MITIGATION = (MitigationStatus.PLANNED, MitigationStatus.IN_PROGRESS)


class Rating(Labelled):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


RATING_ORDER: tuple[Rating, ...] = (Rating.CRITICAL, Rating.HIGH, Rating.MEDIUM, Rating.LOW)  # worst first
SERIOUS_RATINGS = (Rating.HIGH, Rating.CRITICAL)


class AssessmentStatus(Labelled):
    DRAFT = "draft"
    APPROVED = "approved"


class IncidentStatus(Labelled):
    OPEN = "open"
    CONTAINED = "contained"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN_INCIDENT = (IncidentStatus.OPEN, IncidentStatus.CONTAINED)  # not yet resolved
SERIOUS_SEVERITY = 2  # severity 1 (most severe) and 2 are serious

SEVERITY_LABELS = {1: "1 — critical", 2: "2 — major", 3: "3 — moderate", 4: "4 — minor"}

#: Stages whose gates need a current approved impact assessment for a high-impact initiative.
ASSESSED_GATES = (Stage.PILOT, Stage.EXPAND, Stage.PRODUCTION)


def rating(likelihood: int, impact: int) -> Rating:
    score = likelihood * impact
    if score >= 20:
        return Rating.CRITICAL
    if score >= 10:
        return Rating.HIGH
    if score >= 5:
        return Rating.MEDIUM
    return Rating.LOW


@dataclass(frozen=True)
class MitigationState:
    status: MitigationStatus
    due_on: dt.date | None


def overdue(m: MitigationState, today: dt.date) -> bool:
    return m.status in OPEN_MITIGATION and m.due_on is not None and m.due_on < today


def treated(treatment: Treatment, accepted_by: object | None, mitigations: Iterable[MitigationState],
            today: dt.date, serious: bool = True) -> tuple[bool, str]:
    """Whether a risk has a treatment in hand, and why not. Accepted with a named approver counts; otherwise at
    least one mitigation still under way (planned or in progress) and none of them overdue. A risk whose
    mitigations are all done counts as treated unless it still rates high (``serious``): then it needs more
    mitigation or an explicit acceptance."""
    ms = list(mitigations)
    if treatment is Treatment.ACCEPT:
        return (True, "accepted") if accepted_by is not None else (False, "acceptance has no approver")
    late = [m for m in ms if overdue(m, today)]
    if late:
        return False, f"{len(late)} mitigation(s) overdue"
    if any(m.status in OPEN_MITIGATION for m in ms):
        return True, "mitigation under way"
    if not ms or all(m.status is MitigationStatus.CANCELLED for m in ms):
        return False, "no mitigation"
    if not serious:
        return True, "mitigations done"
    return False, "mitigations done but the residual rating is still high; mitigate further or accept"


def assessment_current(status: AssessmentStatus, approved_on: dt.date | None, review_by: dt.date | None,
                       today: dt.date) -> tuple[bool, str]:
    if status is not AssessmentStatus.APPROVED or approved_on is None:
        return False, "not approved"
    until = review_by or approved_on + dt.timedelta(days=ASSESSMENT_VALID_DAYS)
    if until < today:
        return False, f"review was due {until.isoformat()}"
    return True, f"approved {approved_on.isoformat()}, current until {until.isoformat()}"


def needs_assessment(tier: RiskTier, target: Stage) -> bool:
    return tier is RiskTier.HIGH_IMPACT and target in ASSESSED_GATES


def serious(severity: int, status: IncidentStatus) -> bool:
    return severity <= SERIOUS_SEVERITY and status in OPEN_INCIDENT
