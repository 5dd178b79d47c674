"""Seeding or updating the register from a published AI use case inventory (2025, 2024 or 2023 shape, or the 2025
COTS file). Use cases are matched by agency and use case id (by agency, bureau and name where a row has no id);
a new one becomes an initiative with its inventory record, a known one is updated where the file says otherwise.
Everything is one transaction with an audit event per use case; the same file again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from opsdesk.domain import inventory as inv
from opsdesk.domain.enums import RiskTier, Stage
from opsdesk.domain.rules import INITIATIVE_CODE
from opsdesk.errors import OpsDeskError
from opsdesk.ingest import inventory as reader
from opsdesk.ingest.report import Issue
from opsdesk.services.reporting.inventory import COLUMN_FIELD, ENTITY
from opsdesk.store import audit
from opsdesk.store.models import CotsUse, Initiative, StageChange, UseCaseRecord
from opsdesk.store.workspace import Tx, Workspace

NAME_LIMIT = 200  # the register's initiative name


@dataclass
class ImportReport:
    file: str
    shape: str
    encoding: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    per_agency: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    rows_by_line: dict[int, int] = field(default_factory=dict)

    def _issue(self, issue: Issue) -> dict[str, Any]:
        """An issue with its file line and its spreadsheet row (they differ after cells that span lines)."""
        row = self.rows_by_line.get(issue.line) if issue.line is not None else None
        return issue.to_json() | ({"row": row} if row is not None else {})

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "shape": self.shape, "encoding": self.encoding, "rows": self.rows,
                "created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": [self._issue(i) for i in self.rejected],
                "warnings": [self._issue(i) for i in self.warnings],
                "notes": self.notes, "per_agency": self.per_agency, "dry_run": self.dry_run}


class _DryRun(Exception):
    pass


def import_file(ws: Workspace, path: Path | str, *, dry_run: bool = False) -> ImportReport:
    p = Path(path)
    if not p.is_file():
        raise OpsDeskError(f"{p}: no such file")
    parsed = reader.read(p)
    if parsed.fatal:
        raise OpsDeskError(str(parsed.rejected[0]))
    data: reader.InventoryData = parsed.data
    report = ImportReport(p.name, data.shape, data.encoding, rejected=list(parsed.rejected),
                          warnings=list(parsed.warnings), notes=list(data.notes), dry_run=dry_run,
                          rows_by_line=dict(data.rows_by_line))
    report.rows = len(data.use_cases) + len(data.cots)
    try:
        with ws.write() as tx:
            if data.shape == "cots":
                _apply_cots(tx, data, report)
            else:
                _apply(tx, data, report, p.name, parsed.sha256)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report


def _apply_cots(tx: Tx, data: reader.InventoryData, report: ImportReport) -> None:
    existing = {(u.agency_name.casefold(), u.task): u for u in tx.session.scalars(select(CotsUse))}
    for row in data.cots:
        report.per_agency[row.agency_name] = report.per_agency.get(row.agency_name, 0) + 1
        values = {"in_use": row.in_use, "products": row.products, "licences": row.licences}
        found = existing.get((row.agency_name.casefold(), row.task))
        if found is None:
            tx.add(CotsUse(agency_name=row.agency_name, task=row.task, **values), "cots_use",
                   key=f"{row.agency_name}: {row.task}")
            report.created += 1
        elif tx.update(found, "cots_use", values, key=f"{row.agency_name}: {row.task}"):
            report.updated += 1
        else:
            report.unchanged += 1


def _record_key(rec: UseCaseRecord, init: Initiative) -> tuple[str, str, str]:
    agency = (rec.agency or rec.agency_name or "").strip().casefold()
    if rec.use_case_id:
        return (agency, "id", rec.use_case_id)
    return (agency, "name", (rec.agency_bureau + "\x1f" + (rec.full_name or init.name)).casefold())


def _record_values(uc: reader.UseCaseIn, present: set[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for col_name, fname in COLUMN_FIELD.items():
        if col_name not in present:
            continue
        col = inv.BY_NAME[col_name]
        value = uc.values.get(col_name)
        if col.kind == "multi":
            out[fname] = [m.name for m in value or []]
        elif col.kind == "text":
            out[fname] = value or ""
        else:
            out[fname] = value
    if "id" in out:
        out["use_case_id"] = out["use_case_id"] or None
    if "is_high_impact" in present:
        impact = uc.values.get("is_high_impact")
        out["presumed_high_impact"] = impact is inv.HighImpact.PRESUMED_NOT_HIGH_IMPACT
    out["unrecognised"] = dict(uc.unrecognised)
    return out


def _apply(tx: Tx, data: reader.InventoryData, report: ImportReport, file_name: str, sha256: str) -> None:
    s = tx.session
    inits = {i.id: i for i in s.scalars(select(Initiative))}
    by_key: dict[tuple[str, str, str], UseCaseRecord] = {}
    for rec in s.scalars(select(UseCaseRecord)):
        by_key[_record_key(rec, inits[rec.initiative_id])] = rec
    numbers = [int(i.code.split("-")[1]) for i in inits.values() if INITIATIVE_CODE.match(i.code)]
    next_number = max(numbers, default=0) + 1
    present = set(data.columns)
    note = f"inventory import of {file_name} (sha256 {sha256[:16]})"
    for uc in data.use_cases:
        v = uc.values
        agency = str(v.get("agency") or v.get("agency_name") or "(no agency)")
        report.per_agency[agency] = report.per_agency.get(agency, 0) + 1
        name = str(v.get("use_case_name"))
        short_name = name if len(name) <= NAME_LIMIT else name[:NAME_LIMIT - 1] + "…"
        rec_values = _record_values(uc, present)
        rec_values["full_name"] = name if short_name != name else ""
        init_values: dict[str, Any] = {"name": short_name}
        for col, attr in (("problem_solved", "problem"), ("benefits", "expected_benefits"),
                          ("system_outputs", "outputs")):
            if col in present:
                init_values[attr] = str(v.get(col) or "")
        stage_in = v.get("development_stage")
        impact = v.get("is_high_impact")
        found = by_key.get(uc.key)
        if found is None:
            code = f"AI-{next_number:04d}"
            next_number += 1
            stage = inv.INVENTORY_TO_STAGE.get(stage_in, Stage.PROPOSED) if stage_in else Stage.PROPOSED
            if stage_in is None:
                report.warnings.append(Issue(file_name, uc.line, "development_stage",
                                             "no stage of development: registered as Proposed", "value"))
            tier = RiskTier.HIGH_IMPACT if impact is inv.HighImpact.HIGH_IMPACT else RiskTier.LOW
            init = Initiative(code=code, stage=stage, risk_tier=tier, created_at=tx.ws.clock(), tags=[],
                              disciplines=[], **init_values)
            s.add(init)
            s.flush()
            s.add(StageChange(initiative_id=init.id, from_stage=None, to_stage=stage, changed_at=tx.ws.clock(),
                              note=note))
            rec = UseCaseRecord(initiative_id=init.id, **({"demographic_features": [], "hi_public_consultation": [],
                                                            "atrs": {}} | rec_values))
            s.add(rec)
            s.flush()
            tx.audit("create", "initiative", code, None,
                     {"initiative": audit.snapshot(init), ENTITY: audit.snapshot(rec)}, note)
            by_key[uc.key] = rec
            inits[init.id] = init
            report.created += 1
            continue
        rec = found
        init = inits[rec.initiative_id]
        if stage_in is not None and inv.STAGE_TO_INVENTORY[init.stage] is not stage_in:
            report.warnings.append(Issue(file_name, uc.line, "development_stage",
                                         f"{init.code} is {init.stage.label} in the register; the file says "
                                         f"{stage_in.short}: not changed (a stage moves only by a gate decision)",
                                         "stage"))
        if impact is inv.HighImpact.HIGH_IMPACT and init.risk_tier is not RiskTier.HIGH_IMPACT:
            init_values["risk_tier"] = RiskTier.HIGH_IMPACT
        elif impact is not None and impact is not inv.HighImpact.HIGH_IMPACT \
                and init.risk_tier is RiskTier.HIGH_IMPACT:
            report.warnings.append(Issue(file_name, uc.line, "is_high_impact",
                                         f"{init.code} is high-impact in the register; the file says "
                                         f"{impact.short}: the risk tier is not lowered by an import", "tier"))
        changed = tx.update(init, "initiative", init_values, note=note)
        changed = tx.update(rec, ENTITY, rec_values, key=init.code, note=note) or changed
        if changed:
            report.updated += 1
        else:
            report.unchanged += 1
    if report.created:
        report.notes.append(f"{report.created} new use case(s) registered; risk tier high-impact where the file "
                            "says High-impact, otherwise low (the inventory has no finer tier) — review them")
