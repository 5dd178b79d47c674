"""The "Getting started" checklist. Every step is judged from the record (nothing is ticked by hand except
accepting the default classification markings, which is an audited confirmation), so the checklist stays until
the workspace really is ready for a first meeting, and says what is missing."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import func, select

from opsdesk.domain.classification import DEFAULT_SCHEME
from opsdesk.domain.enums import VOTING_ROLES, Discipline
from opsdesk.errors import ValidationError
from opsdesk.services.committee import charter as charter_service
from opsdesk.services.finance import allocation_rules
from opsdesk.store.models import (
    Allocation,
    AuditEvent,
    CostRecord,
    ImportBatch,
    Initiative,
    Meeting,
    Model,
    Person,
    WorkspaceInfo,
)
from opsdesk.store.workspace import Workspace

UNNAMED = ("", "My organisation")
COMMITTEE_DISCIPLINES = (Discipline.DATA, Discipline.ML, Discipline.FINANCE, Discipline.EXECUTIVE)
SCHEME_KEY = "classification_scheme"


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    done: bool
    detail: str  # what is there, or what is missing, in the user's words
    action: str  # the button's text


@dataclass(frozen=True)
class RuleSuggestion:
    tag_key: str
    matching: int  # unallocated cost lines whose tag value is an initiative's code
    values: tuple[str, ...]


@dataclass(frozen=True)
class Checklist:
    steps: tuple[Step, ...]
    rule: RuleSuggestion | None

    @property
    def done(self) -> bool:
        return all(s.done for s in self.steps)

    @property
    def remaining(self) -> int:
        return sum(not s.done for s in self.steps)


def _count(s, stmt) -> int:  # type: ignore[no-untyped-def]
    return int(s.scalar(stmt) or 0)


def checklist(ws: Workspace) -> Checklist:
    with ws.read() as s:
        info = s.scalar(select(WorkspaceInfo))
        org = (info.organisation if info else "").strip()
        scheme = tuple(info.classification_scheme) if info else DEFAULT_SCHEME
        scheme_confirmed = _count(s, select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity == "workspace", AuditEvent.entity_id == SCHEME_KEY)) > 0
        voting = list(s.execute(select(Person.name, Person.discipline).where(
            Person.active.is_(True), Person.committee_role.in_(VOTING_ROLES))))
        initiatives = _count(s, select(func.count()).select_from(Initiative))
        batches = _count(s, select(func.count()).select_from(ImportBatch))
        costs = _count(s, select(func.count()).select_from(CostRecord))
        allocated_ids = select(Allocation.cost_record_id)
        unallocated = _count(s, select(func.count()).select_from(CostRecord).where(
            CostRecord.id.not_in(allocated_ids)))
        models = _count(s, select(func.count()).select_from(Model))
        unlinked = _count(s, select(func.count()).select_from(Model).where(Model.initiative_id.is_(None)))
        meetings = _count(s, select(func.count()).select_from(Meeting))
        rule = _suggest_rule(s, allocated_ids) if unallocated else None
        allocated = costs - unallocated

    covered = {d for _n, d in voting}
    missing = [d.label for d in COMMITTEE_DISCIPLINES if d not in covered]
    committee_ok = len(voting) >= 4 and not missing
    committee_detail = (f"{len(voting)} voting members covering every discipline" if committee_ok else
                        f"{len(voting)} of at least 4 voting members"
                        + (f"; nobody yet for {', '.join(missing)}" if missing else "")
                        + " — the charter needs four voting members (chair or member) covering data, ML "
                          "operations, finance and executive leadership")
    if costs == 0:
        alloc = Step("allocate", "Allocate costs to initiatives", False,
                     "No cost lines yet: import a FOCUS cost export first", "Costs page")
    elif not allocated:
        offer = (f"; a rule can take {rule.matching} of them by their tag '{rule.tag_key}'" if rule else
                 "; add a rule on the Costs page")
        alloc = Step("allocate", "Allocate costs to initiatives", False,
                     f"{unallocated} of {costs} cost lines are Unallocated{offer}",
                     f"Add rule by tag '{rule.tag_key}'" if rule else "Costs page")
    elif unallocated:
        alloc = Step("allocate", "Allocate costs to initiatives", True,
                     f"{allocated} of {costs} cost lines allocated; {unallocated} stay Unallocated until a rule "
                     "takes them (Costs page)", "Costs page")
    else:
        alloc = Step("allocate", "Allocate costs to initiatives", True, f"all {costs} cost lines allocated",
                     "Costs page")
    steps = (
        Step("organisation", "Name the organisation", org not in UNNAMED,
             f"Papers are issued by {org}" if org not in UNNAMED else
             "Not named yet: the name is printed on every paper", "Name it…"),
        Step("classification", "Set the classification scheme", scheme_confirmed or scheme != DEFAULT_SCHEME,
             "Markings, lowest first: " + " < ".join(scheme)
             + ("" if scheme_confirmed or scheme != DEFAULT_SCHEME else " (the default: keep it or change it)"),
             "Keep these markings" if not (scheme_confirmed or scheme != DEFAULT_SCHEME) else "Charter"),
        Step("committee", "Add the committee", committee_ok, committee_detail,
             "Committee charter" if committee_ok else "Add a voting member…"),
        Step("initiative", "Register the first initiative", initiatives > 0,
             f"{initiatives} initiatives registered" if initiatives else "None yet", "New initiative…"),
        Step("import", "Import the Ops teams' files", batches > 0,
             f"{batches} files imported" if batches else
             "None yet: drop FOCUS, MLflow, metrics or lineage files on the window", "Import files…"),
        alloc,
        Step("models", "Link imported models to initiatives", models > 0 and unlinked == 0,
             ("No models yet: import an MLflow store" if models == 0 else
              f"{unlinked} of {models} models are not linked to an initiative" if unlinked else
              f"all {models} models linked"), "Data & Models"),
        Step("meeting", "Plan the first meeting", meetings > 0,
             f"{meetings} meetings" if meetings else "None yet", "Plan a meeting…"),
    )
    return Checklist(steps, rule)


def _suggest_rule(s, allocated_ids) -> RuleSuggestion | None:  # type: ignore[no-untyped-def]
    """The tag key whose values name initiatives on the most unallocated cost lines."""
    codes = {c.upper() for c in s.scalars(select(Initiative.code))}
    hits: Counter[str] = Counter()
    values: dict[str, set[str]] = {}
    for (tags,) in s.execute(select(CostRecord.tags).where(CostRecord.id.not_in(allocated_ids))):
        for key, value in (tags or {}).items():
            if isinstance(value, str) and value.strip().upper() in codes:
                hits[key] += 1
                values.setdefault(key, set()).add(value.strip())
    if not hits:
        return None
    key, n = max(hits.items(), key=lambda kv: (kv[1], kv[0]))
    return RuleSuggestion(key, n, tuple(sorted(values[key])))


def name_organisation(ws: Workspace, name: str) -> str:
    """Set the organisation's name (printed on every paper); one audited action."""
    from opsdesk.services.workspace import lifecycle

    return lifecycle.set_organisation(ws, name)


def keep_default_markings(ws: Workspace) -> None:
    """Accept the classification markings as they are: recorded in the audit trail as a confirmation."""
    current = charter_service.get(ws).classification_scheme
    with ws.write("workspace") as tx:
        tx.audit("confirm", "workspace", SCHEME_KEY, None, {"classification_scheme": list(current)})


def add_suggested_rule(ws: Workspace) -> allocation_rules.RuleDTO:
    """Create the allocation rule the checklist offers: the initiative named by the most useful tag."""
    rule = checklist(ws).rule
    if rule is None:
        raise ValidationError("allocation_rule", "no tag of the unallocated costs names an initiative; add a rule "
                                                 "on the Costs page", entity="allocation_rule")
    return allocation_rules.create_rule(ws, {"name": f"Initiative from tag {rule.tag_key}", "priority": 100,
                                             "match": {"tag_key": rule.tag_key},
                                             "target": {"from_tag": rule.tag_key}})
