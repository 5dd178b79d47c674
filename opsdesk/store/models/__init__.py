"""All mapped classes, importable from one place."""

from opsdesk.store.models.committee import (
    ActionItem,
    AgendaItem,
    Attendance,
    ConflictOfInterest,
    Decision,
    IssuedPaper,
    IssuedPaperFile,
    Lesson,
    Meeting,
    Vote,
)
from opsdesk.store.models.exchange import (
    ExchangeBundle,
    ExchangeState,
    ExchangeVersion,
    TrustedKey,
    WorkspaceIdentity,
)
from opsdesk.store.models.finance import Allocation, AllocationRule, CostRecord, ExchangeRate
from opsdesk.store.models.metrics import MetricPoint, MetricSeries
from opsdesk.store.models.people import Person, PersonSkill, Skill, TrainingRecord
from opsdesk.store.models.records import (
    AuditCheckpoint,
    AuditEvent,
    DashboardSummary,
    DataVersion,
    ImportBatch,
)
from opsdesk.store.models.registry import (
    DataAsset,
    Experiment,
    Initiative,
    InitiativeDataAsset,
    InitiativeObjective,
    Job,
    LineageLink,
    Model,
    Objective,
    StageChange,
    TeamMember,
    WorkspaceInfo,
)
from opsdesk.store.models.reporting import CotsUse, UseCaseRecord
from opsdesk.store.models.risk import ImpactAssessment, Incident, IncidentAction, Mitigation, Risk
from opsdesk.store.models.signing import RevocationList, TrustAnchor
from opsdesk.store.models.standards import Conformance, EvidenceFile, Requirement, Standard

__all__ = [
    "ActionItem", "AgendaItem", "AuditCheckpoint", "Allocation", "AllocationRule", "Attendance", "AuditEvent", "ConflictOfInterest",
    "Conformance", "CostRecord", "DashboardSummary", "DataAsset", "DataVersion", "Decision", "EvidenceFile", "ExchangeRate", "Experiment", "ImportBatch", "IssuedPaper", "IssuedPaperFile",
    "Initiative", "InitiativeDataAsset", "InitiativeObjective", "Job", "Lesson", "LineageLink", "Meeting",
    "MetricPoint", "MetricSeries", "Model", "Objective", "Person", "PersonSkill", "Requirement", "Skill",
    "Standard", "StageChange", "TeamMember", "TrainingRecord", "Vote", "WorkspaceInfo",
    "ExchangeBundle", "ExchangeState", "ExchangeVersion", "TrustedKey", "WorkspaceIdentity", "CotsUse", "UseCaseRecord",
    "ImpactAssessment", "Incident", "IncidentAction", "Mitigation", "Risk", "RevocationList", "TrustAnchor",
]
