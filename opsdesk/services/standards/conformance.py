"""Conformance across the portfolio: the initiatives × requirements matrix, percentages per initiative and per
standard, gate readiness, and evidence files kept inside the workspace.

Which requirements apply: those of *adopted* standards whose stages include the initiative's current stage (for
gate readiness: the stage it asks to move to). Statuses count as :mod:`opsdesk.domain.conformance` says; an expired
waiver counts as not met from the day after its expiry date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from opsdesk import files
from opsdesk.domain.conformance import SCORING_METHOD, effective_status, satisfies, score, waiver_expired
from opsdesk.domain.enums import ConformanceStatus, RiskTier, Stage, StandardStatus
from opsdesk.domain.evidence import MAX_EVIDENCE_BYTES, safe_file_name
from opsdesk.domain.rules import next_stage
from opsdesk.domain.validation import Field, clean
from opsdesk.errors import NotFoundError, ValidationError
from opsdesk.services.standards.catalog import CONFORMANCE, REQUIREMENT
from opsdesk.store import records
from opsdesk.store.models import Conformance, EvidenceFile, Initiative, Requirement, Standard
from opsdesk.store.workspace import Tx, Workspace

EVIDENCE = "evidence_file"


def today(ws: Workspace) -> dt.date:
    """The day waivers and certificates are judged on: the workspace clock's date (UTC)."""
    return ws.clock().astimezone(dt.UTC).date()


@dataclass(frozen=True)
class RequirementRef:
    id: int
    code: str
    text: str
    stages: tuple[str, ...]
    standard_id: int
    standard_code: str
    standard_version: str
    standard_status: StandardStatus
    risk_tiers: tuple[str, ...] = ()

    def applies_to(self, init: InitiativeRef) -> bool:
        """Adopted, for the initiative's stage and, when the standard names risk tiers, for its tier."""
        return (self.standard_status is StandardStatus.ADOPTED and init.stage.value in self.stages
                and (not self.risk_tiers or init.risk_tier.value in self.risk_tiers))

    @property
    def key(self) -> str:
        return f"{self.standard_code}:{self.code}"


@dataclass(frozen=True)
class InitiativeRef:
    code: str
    name: str
    stage: Stage
    risk_tier: RiskTier


@dataclass(frozen=True)
class Cell:
    """One initiative × requirement. ``recorded`` is what was entered; ``status`` what counts today."""

    applicable: bool
    recorded: ConformanceStatus | None
    status: ConformanceStatus | None
    waiver_expired: bool = False
    waiver_expires: dt.date | None = None
    evidence: str = ""
    reviewer: str = ""
    reviewed_on: dt.date | None = None
    evidence_files: int = 0
    waiver_reason: str = ""
    waiver_approver: str = ""


@dataclass(frozen=True)
class ConformanceMatrix:
    as_of: dt.date
    initiatives: list[InitiativeRef]
    requirements: list[RequirementRef]
    cells: dict[tuple[str, int], Cell]  # (initiative code, requirement id)
    by_initiative: dict[str, Decimal | None]  # conformance % over applicable requirements
    by_standard: dict[str, Decimal | None]  # "CODE version" → % over every applicable cell
    method: str = SCORING_METHOD
    counts: dict[str, int] = field(default_factory=dict)  # effective status value (or "unassessed") → cells

    def cell(self, code: str, requirement_id: int) -> Cell:
        return self.cells[(code, requirement_id)]


def _requirement_refs(session, *, include_retired: bool) -> list[RequirementRef]:
    stmt = (select(Requirement, Standard).join(Standard, Standard.id == Requirement.standard_id)
            .order_by(Standard.category, Standard.code, Standard.version_label, Requirement.id))
    if not include_retired:
        stmt = stmt.where(Standard.status == StandardStatus.ADOPTED)
    return [RequirementRef(r.id, r.code, r.text, tuple(r.stages or ()), s.id, s.code, s.version_label, s.status,
                           tuple(s.risk_tiers or ())) for r, s in session.execute(stmt)]


def matrix(ws: Workspace, *, as_of: dt.date | None = None, include_retired: bool = False,
           initiative_code: str | None = None) -> ConformanceMatrix:
    """Every initiative against every requirement of the adopted standards (and retired ones if asked)."""
    as_of = as_of or today(ws)
    with ws.read() as s:
        reqs = _requirement_refs(s, include_retired=include_retired)
        stmt = select(Initiative).order_by(Initiative.code)
        if initiative_code:
            stmt = stmt.where(Initiative.code == initiative_code)
        inits = [InitiativeRef(i.code, i.name, i.stage, i.risk_tier) for i in s.scalars(stmt)]
        if initiative_code and not inits:
            raise NotFoundError("initiative", initiative_code)
        # plain columns rather than ORM objects: the matrix of a large portfolio reads tens of thousands of rows
        rows = {(r.code, r.requirement_id): r for r in s.execute(
            select(Initiative.code, Conformance.id, Conformance.requirement_id, Conformance.status,
                   Conformance.waiver_expires, Conformance.evidence, Conformance.reviewer, Conformance.reviewed_on,
                   Conformance.waiver_reason, Conformance.waiver_approver)
            .join(Initiative, Initiative.id == Conformance.initiative_id))}
        files = dict(s.execute(select(EvidenceFile.conformance_id, func.count()).group_by(
            EvidenceFile.conformance_id)).all())
    cells: dict[tuple[str, int], Cell] = {}
    per_init: dict[str, list[ConformanceStatus | None]] = defaultdict(list)
    per_std: dict[str, list[ConformanceStatus | None]] = defaultdict(list)
    counts: dict[str, int] = defaultdict(int)
    for init in inits:
        for req in reqs:
            applicable = req.applies_to(init)
            c = rows.get((init.code, req.id))
            if c is None:
                cell = Cell(applicable, None, None)
            else:
                cell = Cell(applicable, c.status, effective_status(c.status, c.waiver_expires, as_of),
                            waiver_expired=waiver_expired(c.status, c.waiver_expires, as_of),
                            waiver_expires=c.waiver_expires, evidence=c.evidence, reviewer=c.reviewer,
                            reviewed_on=c.reviewed_on, evidence_files=files.get(c.id, 0),
                            waiver_reason=c.waiver_reason, waiver_approver=c.waiver_approver)
            cells[(init.code, req.id)] = cell
            status = cell.status
            if applicable:
                per_init[init.code].append(status)
                per_std[f"{req.standard_code} {req.standard_version}"].append(status)
                counts[status.value if status else "unassessed"] += 1
    standards_seen = {f"{r.standard_code} {r.standard_version}" for r in reqs}
    return ConformanceMatrix(
        as_of, inits, reqs, cells,
        by_initiative={i.code: score(per_init.get(i.code, [])) for i in inits},
        by_standard={k: score(per_std.get(k, [])) for k in sorted(standards_seen)},
        counts=dict(counts))


def gate_readiness(ws: Workspace, code: str, target_stage: Stage | str,
                   as_of: dt.date | None = None, rows: Mapping[int, Any] | None = None) -> list[GateCriterion]:
    """Every requirement of an adopted standard that applies at ``target_stage``, with whether ``code`` meets it.

    Met means met, not applicable, or waived with the waiver still in force on ``as_of`` (default: today);
    an expired waiver, partial, not met and unassessed are not met. ``rows`` (requirement id → a row as it stood
    at some earlier moment) replaces the stored rows, for a paper built as of a past meeting.
    """
    target = Stage.parse(target_stage)
    as_of = as_of or today(ws)
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        at_target = InitiativeRef(init.code, init.name, target, init.risk_tier)
        reqs = [r for r in _requirement_refs(s, include_retired=False) if r.applies_to(at_target)]
        if rows is None:
            rows = {c.requirement_id: c for c in s.scalars(select(Conformance).where(
                Conformance.initiative_id == init.id))}
    out = []
    for r in reqs:
        c = rows.get(r.id)
        status = effective_status(c.status if c else None, c.waiver_expires if c else None, as_of)
        expired = c is not None and waiver_expired(c.status, c.waiver_expires, as_of)
        out.append(GateCriterion(requirement=f"{r.code}: {r.text}", standard=f"{r.standard_code} {r.standard_version}",
                                 status=status, met=satisfies(status), note=_note(c, as_of), waiver_expired=expired))
    return out


def _note(c: Any, as_of: dt.date) -> str:
    if c is None:
        return "not assessed yet"
    if c.status is ConformanceStatus.WAIVED:
        if waiver_expired(c.status, c.waiver_expires, as_of):
            return f"waiver expired on {c.waiver_expires.isoformat() if c.waiver_expires else '?'}"
        return (f"waived until {c.waiver_expires.isoformat() if c.waiver_expires else '?'} by "
                f"{c.waiver_approver}: {c.waiver_reason}")
    reviewed = f" (reviewed by {c.reviewer} on {c.reviewed_on.isoformat()})" if c.reviewer and c.reviewed_on else ""
    return (c.evidence.splitlines()[0] if c.evidence else c.status.label) + reviewed


def next_gate(ws: Workspace, code: str, as_of: dt.date | None = None) -> tuple[Stage | None, list[GateCriterion]]:
    """The stage ``code`` would move to next (not retirement) and its gate criteria."""
    with ws.read() as s:
        stage = records.get_by(s, Initiative, "initiative", code=code).stage
    target = next_stage(stage)
    if target is None or target is Stage.RETIRED:
        return None, []
    return target, gate_readiness(ws, code, target, as_of)


# --- evidence files ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EvidenceFileDTO:
    id: int
    file_name: str
    sha256: str
    size: int


def _conformance_row(session, initiative_code: str, requirement_id: int) -> Conformance:
    init = records.get_by(session, Initiative, "initiative", code=initiative_code)
    row = session.scalar(select(Conformance).where(Conformance.initiative_id == init.id,
                                                   Conformance.requirement_id == requirement_id))
    if row is None:
        raise ValidationError("evidence", f"record a status for {initiative_code} on this requirement before "
                                          "attaching evidence", entity=EVIDENCE)
    return row


def read_evidence(path: Path | str) -> tuple[str, bytes]:
    """Check and read a file to attach (before any transaction starts)."""
    source = Path(path)
    try:
        size = files.require_regular(source, "readable file").st_size
    except files.FileRefused as exc:
        raise ValidationError("file", str(exc), entity=EVIDENCE) from None
    if size > MAX_EVIDENCE_BYTES:
        raise ValidationError("file", f"{source.name} is {size // (1024 * 1024)} MB; evidence files are limited "
                                      f"to {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB", entity=EVIDENCE)
    try:
        return source.name, files.read_bounded(source, MAX_EVIDENCE_BYTES, "readable file")
    except files.FileRefused as exc:
        raise ValidationError("file", str(exc), entity=EVIDENCE) from None


def attach_tx(tx: Tx, row: Conformance, file_name: str, content: bytes, key: str) -> EvidenceFileDTO:
    """Store ``content`` as evidence of ``row`` inside the caller's transaction; the same bytes twice are kept once."""
    digest = hashlib.sha256(content).hexdigest()
    duplicate = tx.session.scalar(select(EvidenceFile).where(EvidenceFile.conformance_id == row.id,
                                                             EvidenceFile.sha256 == digest))
    if duplicate is not None:
        return EvidenceFileDTO(duplicate.id, duplicate.file_name, duplicate.sha256, len(duplicate.content))
    ev = EvidenceFile(conformance_id=row.id, file_name=file_name, sha256=digest, content=content,
                      meta={"size": len(content), "attached_at": tx.ws.clock().isoformat(), "by": tx.ws.actor})
    tx.add(ev, EVIDENCE, key=f"{key}:{file_name}")
    return EvidenceFileDTO(ev.id, ev.file_name, digest, len(content))


def attach_evidence(ws: Workspace, initiative_code: str, requirement_id: int, path: Path | str,
                    file_name: str | None = None) -> EvidenceFileDTO:
    """Copy a file into the workspace as evidence for a conformance row, with its SHA-256."""
    name, content = read_evidence(path)
    with ws.write() as tx:
        row = _conformance_row(tx.session, initiative_code, requirement_id)
        return attach_tx(tx, row, safe_file_name(file_name or name), content, f"{initiative_code}:{requirement_id}")


def evidence_files(ws: Workspace, initiative_code: str, requirement_id: int) -> list[EvidenceFileDTO]:
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=initiative_code)
        stmt = (select(EvidenceFile.id, EvidenceFile.file_name, EvidenceFile.sha256,
                       func.length(EvidenceFile.content))
                .join(Conformance, Conformance.id == EvidenceFile.conformance_id)
                .where(Conformance.initiative_id == init.id, Conformance.requirement_id == requirement_id)
                .order_by(EvidenceFile.id))
        return [EvidenceFileDTO(i, n, h, size or 0) for i, n, h, size in s.execute(stmt)]


def export_evidence(ws: Workspace, file_id: int, dest: Path | str) -> Path:
    """Write an evidence file out, after checking its content still has the SHA-256 recorded for it."""
    with ws.read() as s:
        ev = records.get_by(s, EvidenceFile, EVIDENCE, id=file_id)
        content, digest, name = ev.content, ev.sha256, ev.file_name
    if hashlib.sha256(content).hexdigest() != digest:
        raise ValidationError("sha256", f"{name} no longer matches its recorded SHA-256", entity=EVIDENCE)
    target = Path(dest)
    if target.is_dir():
        target = target / safe_file_name(name)  # a stored name never leads outside the chosen folder
    target.write_bytes(content)
    return target





CONFORMANCE_SCHEMA = (
    Field("status", kind="enum", enum=ConformanceStatus, required=True),
    Field("evidence", kind="text"),
    Field("waiver_reason", kind="text"),
    Field("waiver_approver"),
    Field("waiver_expires", kind="date"),
    Field("reviewer"),
    Field("reviewed_on", kind="date"),
)


@dataclass(frozen=True)
class ConformanceDTO:
    initiative_code: str
    standard_code: str
    requirement_code: str
    status: ConformanceStatus
    evidence: str
    waiver_reason: str
    waiver_approver: str
    waiver_expires: dt.date | None
    reviewer: str
    reviewed_on: dt.date | None


@dataclass(frozen=True)
class GateCriterion:
    requirement: str  # "CODE: text"
    standard: str  # "CODE version"
    status: ConformanceStatus | None  # effective status (an expired waiver shows as not met); None = unassessed
    met: bool
    note: str
    waiver_expired: bool = False


def record_conformance(ws: Workspace, initiative_code: str, requirement_id: int,
                       values: Mapping[str, Any], files: Sequence[str | Path] = ()) -> ConformanceDTO:
    """Record (or change) one initiative's status on one requirement, with evidence files, in one transaction.

    A waiver needs a reason, an approver and an expiry date; the files are stored inside the workspace with
    their SHA-256.
    """
    cleaned = clean(CONFORMANCE_SCHEMA, values)
    if cleaned["status"] is ConformanceStatus.WAIVED:
        for name, what in (("waiver_reason", "a reason"), ("waiver_approver", "an approver"),
                           ("waiver_expires", "an expiry date")):
            if not cleaned.get(name):
                raise ValidationError(name, f"a waiver needs {what}", entity=CONFORMANCE)
    else:
        cleaned |= {"waiver_reason": "", "waiver_approver": "", "waiver_expires": None}
    attachments = [read_evidence(f) for f in files]
    with ws.write() as tx:
        init = records.get_by(tx.session, Initiative, "initiative", code=initiative_code)
        req = records.get_by(tx.session, Requirement, REQUIREMENT, id=requirement_id)
        row = tx.session.scalar(select(Conformance).where(Conformance.initiative_id == init.id,
                                                          Conformance.requirement_id == req.id))
        key = f"{init.code}:{req.standard.code}:{req.standard.version_label}:{req.code}"
        if row is None:
            row = Conformance(initiative_id=init.id, requirement_id=req.id, **cleaned)
            tx.add(row, CONFORMANCE, key=key)
        else:
            tx.update(row, CONFORMANCE, cleaned, key=key)
        for name, content in attachments:
            attach_tx(tx, row, name, content, key)
        return _conformance_dto(row, init, req)


def _conformance_dto(row: Conformance, init: Initiative, req: Requirement) -> ConformanceDTO:
    return records.to_dto(ConformanceDTO, row, initiative_code=init.code, standard_code=req.standard.code,
                          requirement_code=req.code)


def list_conformance(ws: Workspace, initiative_code: str | None = None) -> list[ConformanceDTO]:
    with ws.read() as s:
        stmt = (select(Conformance, Initiative, Requirement)
                .join(Initiative, Initiative.id == Conformance.initiative_id)
                .join(Requirement, Requirement.id == Conformance.requirement_id)
                .order_by(Initiative.code, Requirement.code))
        if initiative_code:
            stmt = stmt.where(Initiative.code == initiative_code)
        return [_conformance_dto(c, i, r) for c, i, r in s.execute(stmt)]


__all__ = ["CONFORMANCE", "CONFORMANCE_SCHEMA", "Cell", "ConformanceDTO", "ConformanceMatrix", "EvidenceFileDTO", "GateCriterion", "InitiativeRef",
           "RequirementRef", "attach_evidence", "evidence_files", "export_evidence", "gate_readiness", "list_conformance", "matrix",
           "next_gate", "record_conformance", "today"]
