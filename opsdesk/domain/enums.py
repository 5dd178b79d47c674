"""The closed vocabularies of the committee's record."""

from __future__ import annotations

from enum import Enum
from typing import Self


class Labelled(str, Enum):
    """A string enum whose members carry a human label."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def parse(cls, text: str | Labelled) -> Self:
        if isinstance(text, cls):
            return text
        key = str(text).strip().lower().replace(" ", "_").replace("-", "_")
        for member in cls:
            if member.value == key or member.name.lower() == key:
                return member
        raise ValueError(f"'{text}' is not one of: {', '.join(m.value for m in cls)}")


class Stage(Labelled):
    PROPOSED = "proposed"
    PILOT = "pilot"
    EXPAND = "expand"
    PRODUCTION = "production"
    RETIRED = "retired"


STAGE_ORDER: tuple[Stage, ...] = (Stage.PROPOSED, Stage.PILOT, Stage.EXPAND, Stage.PRODUCTION, Stage.RETIRED)


class Discipline(Labelled):
    DATA = "data"
    ML = "ml"
    FINANCE = "finance"
    EXECUTIVE = "executive"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"data": "Data management", "ml": "ML operations", "finance": "Finance",
                "executive": "Executive", "other": "Other"}[self.value]


GOVERNING_DISCIPLINES: tuple[Discipline, ...] = (
    Discipline.DATA, Discipline.ML, Discipline.FINANCE, Discipline.EXECUTIVE
)


class OpsDiscipline(Labelled):
    """The three Ops disciplines a metric series belongs to."""

    DATAOPS = "dataops"
    MLOPS = "mlops"
    FINOPS = "finops"

    @property
    def label(self) -> str:
        return {"dataops": "DataOps", "mlops": "MLOps", "finops": "FinOps"}[self.value]


class RiskTier(Labelled):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    HIGH_IMPACT = "high_impact"


class CommitteeRole(Labelled):
    CHAIR = "chair"
    MEMBER = "member"
    SECRETARY = "secretary"
    OBSERVER = "observer"
    NONE = "none"


VOTING_ROLES: tuple[CommitteeRole, ...] = (CommitteeRole.CHAIR, CommitteeRole.MEMBER)


class TeamRole(Labelled):
    LEAD = "lead"
    DATA_ENGINEER = "data_engineer"
    ML_ENGINEER = "ml_engineer"
    DATA_SCIENTIST = "data_scientist"
    FINOPS_ANALYST = "finops_analyst"
    PRODUCT_OWNER = "product_owner"
    RISK_OFFICER = "risk_officer"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return {"ml_engineer": "ML engineer", "finops_analyst": "FinOps analyst"}.get(
            self.value, self.value.replace("_", " ").capitalize())


class Direction(Labelled):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"


class SubjectKind(Labelled):
    INITIATIVE = "initiative"
    MODEL = "model"
    DATA_ASSET = "data_asset"
    PORTFOLIO = "portfolio"


class LineageKind(Labelled):
    TRAINED_ON = "trained_on"
    EVALUATED_ON = "evaluated_on"
    DERIVED_FROM = "derived_from"
    USED_BY = "used_by"
    PRODUCES = "produces"


class NodeKind(Labelled):
    DATA_ASSET = "data_asset"
    MODEL = "model"
    INITIATIVE = "initiative"
    JOB = "job"


class StandardCategory(Labelled):
    DATA_FORMAT = "data_format"
    MODEL_PRACTICE = "model_practice"
    COST_ALLOCATION = "cost_allocation"
    SECURITY = "security"
    OTHER = "other"


class StandardStatus(Labelled):
    DRAFT = "draft"
    ADOPTED = "adopted"
    RETIRED = "retired"


class ConformanceStatus(Labelled):
    MET = "met"
    PARTIAL = "partial"
    NOT_MET = "not_met"
    WAIVED = "waived"
    NOT_APPLICABLE = "not_applicable"


class MeetingStatus(Labelled):
    PLANNED = "planned"
    HELD = "held"
    CLOSED = "closed"


class AgendaKind(Labelled):
    STAGE_GATE = "stage_gate"
    REVIEW = "review"
    BUDGET = "budget"
    STANDARD = "standard"
    OTHER = "other"
    APPROVE_MINUTES = "approve_minutes"  # approves the minutes of an earlier meeting


class Outcome(Labelled):
    APPROVED = "approved"
    APPROVED_WITH_CONDITIONS = "approved_with_conditions"
    DEFERRED = "deferred"
    REJECTED = "rejected"
    NOTED = "noted"


APPROVING_OUTCOMES: tuple[Outcome, ...] = (Outcome.APPROVED, Outcome.APPROVED_WITH_CONDITIONS)


class VoteChoice(Labelled):
    FOR = "for"
    AGAINST = "against"
    ABSTAIN = "abstain"
    RECUSED = "recused"


class ActionStatus(Labelled):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class ImportKind(Labelled):
    METRICS = "metrics"
    FOCUS = "focus"
    MLFLOW = "mlflow"
    OPENLINEAGE = "openlineage"
    GX = "gx"
    SKILLS = "skills"
    TRAINING = "training"
    BUNDLE = "bundle"
    INVENTORY = "inventory"
    RISKS = "risks"
    INCIDENTS = "incidents"
