"""The inventory record of each initiative (edited in one action with an audit event), readiness against the
OMB 2025 dictionary, and the two OMB files: the individual use case inventory and the consolidated COTS file."""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from opsdesk.analytics import inventory as readiness
from opsdesk.analytics.inventory import UseCaseRow
from opsdesk.domain import atrs as atrs_fields
from opsdesk.domain import inventory as inv
from opsdesk.domain.csv_safety import escape_cell, write_rows
from opsdesk.domain.validation import Field
from opsdesk.errors import ValidationError
from opsdesk.store import records
from opsdesk.store.models import CotsUse, Initiative, UseCaseRecord, WorkspaceInfo
from opsdesk.store.workspace import Tx, Workspace

ENTITY = "use_case_record"
SPELLINGS = ("short", "full")


def _email(value: str) -> str | None:
    return None if not value or inv.EMAIL.match(value) else f"'{value}' is not an email address"


def _multi(choice: type[inv.InventoryChoice]) -> Any:
    def check(value: Any) -> str | None:
        _known, unknown = inv.parse_choices(choice, value or [])
        return f"{', '.join(repr(u) for u in unknown)} not among: {', '.join(m.short for m in choice)}" \
            if unknown else None
    return check


#: The record's editable fields (the form and the CLI use the same schema). Choices accept either spelling.
SCHEMA: tuple[Field, ...] = (
    Field("use_case_id", max_len=80),
    Field("agency", max_len=40),
    Field("agency_name", max_len=300),
    Field("agency_bureau", max_len=300),
    Field("contact_email", max_len=300, checks=(_email,)),
    Field("is_withheld", kind="enum", enum=inv.Withheld),
    Field("presumed_high_impact", kind="bool", default=False),
    Field("hi_justification", kind="text"),
    Field("topic_area", kind="enum", enum=inv.TopicArea),
    Field("ai_classification", kind="enum", enum=inv.AIClassification),
    Field("operational_date", kind="date"),
    Field("contracting_usage", kind="enum", enum=inv.ContractingUsage),
    Field("vendor_name", kind="text"),
    Field("have_ato", kind="enum", enum=inv.YesNo),
    Field("system_name_ato", kind="text"),
    Field("data_description", kind="text"),
    Field("link_to_data", kind="text"),
    Field("has_pii", kind="enum", enum=inv.YesNo),
    Field("pia_url", kind="text"),
    Field("demographic_features", kind="list", checks=(_multi(inv.DemographicFeature),)),
    Field("has_custom_code", kind="enum", enum=inv.YesNo),
    Field("code_url", kind="text"),
    Field("hi_testing_conducted", kind="enum", enum=inv.PracticeStatus),
    Field("hi_assessment_completed", kind="enum", enum=inv.PracticeStatus),
    Field("impact_assessment_date", kind="date"),
    Field("hi_potential_impacts", kind="text"),
    Field("hi_independent_review", kind="enum", enum=inv.IndependentReview),
    Field("hi_ongoing_monitoring", kind="enum", enum=inv.OngoingMonitoring),
    Field("hi_training_established", kind="enum", enum=inv.OperatorTraining),
    Field("hi_failsafe_presence", kind="enum", enum=inv.Failsafe),
    Field("hi_appeal_process", kind="enum", enum=inv.AppealProcess),
    Field("hi_public_consultation", kind="list", checks=(_multi(inv.PublicConsultation),)),
    Field("cots_task", max_len=300, checks=(lambda v: None if not v or inv.cots_task(v) else
                                            f"'{v}' is not one of the consolidated COTS tasks",)),
)
FIELD_NAMES = tuple(f.name for f in SCHEMA)

#: Inventory column -> the record field that answers it (columns not here come from the register).
COLUMN_FIELD: dict[str, str] = {
    "id": "use_case_id", "agency": "agency", "agency_name": "agency_name", "agency_bureau": "agency_bureau",
    "contact_email": "contact_email", "is_withheld": "is_withheld", "HI_justification": "hi_justification",
    "topic_area": "topic_area", "classification": "ai_classification", "operational_date": "operational_date",
    "contracting_usage": "contracting_usage", "vendor_name": "vendor_name", "have_ato": "have_ato",
    "system_name_ato": "system_name_ato", "data_description": "data_description", "link_to_data": "link_to_data",
    "has_pii": "has_pii", "pia_url": "pia_url", "demographic_features": "demographic_features",
    "has_custom_code": "has_custom_code", "code_url": "code_url",
    "hi_testing_conducted": "hi_testing_conducted", "hi_assessment_completed": "hi_assessment_completed",
    "hi_potential_impacts": "hi_potential_impacts", "hi_independent_review": "hi_independent_review",
    "hi_ongoing_monitoring": "hi_ongoing_monitoring", "hi_training_established": "hi_training_established",
    "hi_failsafe_presence": "hi_failsafe_presence", "hi_appeal_process": "hi_appeal_process",
    "hi_public_consultation": "hi_public_consultation",
}
#: Columns answered by the initiative itself, and where to change them.
REGISTER_COLUMNS: dict[str, str] = {
    "use_case_name": "the initiative's name", "development_stage": "the initiative's stage (a gate decision)",
    "is_high_impact": "the initiative's risk tier (high-impact), or 'presumed high-impact' on this record",
    "problem_solved": "the initiative's problem", "benefits": "the initiative's expected benefits",
    "system_outputs": "the initiative's outputs",
}


def _clean_multi(choice: type[inv.InventoryChoice], value: Any) -> list[str]:
    known, _ = inv.parse_choices(choice, value or [])
    return sorted({m.name for m in known}, key=lambda n: list(choice.__members__).index(n))


def _prepare(changes: Mapping[str, Any]) -> dict[str, Any]:
    unknown = [k for k in changes if k not in FIELD_NAMES and not k.startswith("atrs.")]
    if unknown:
        raise ValidationError(unknown[0], "is not a field of the inventory record", entity=ENTITY)
    from opsdesk.domain.validation import clean

    cleaned = clean(SCHEMA, {k: v for k, v in changes.items() if k in FIELD_NAMES}, partial=True)
    for name, choice in (("demographic_features", inv.DemographicFeature),
                         ("hi_public_consultation", inv.PublicConsultation)):
        if name in cleaned:
            cleaned[name] = _clean_multi(choice, cleaned[name])
    if "cots_task" in cleaned:
        cleaned["cots_task"] = inv.cots_task(cleaned["cots_task"]) if cleaned["cots_task"] else None
    if "use_case_id" in cleaned:
        cleaned["use_case_id"] = cleaned["use_case_id"] or None
    return cleaned


def record_tx(tx: Tx, init: Initiative) -> UseCaseRecord:
    """The initiative's record, created (with an audit event) the first time it is needed."""
    rec = tx.session.scalar(select(UseCaseRecord).where(UseCaseRecord.initiative_id == init.id))
    if rec is None:
        rec = tx.add(UseCaseRecord(initiative_id=init.id, demographic_features=[], hi_public_consultation=[],
                                   unrecognised={}, atrs={}), ENTITY, key=init.code)
    return rec


def update_record(ws: Workspace, code: str, changes: Mapping[str, Any], expected_version: int | None = None) -> None:
    """Set inventory fields of one initiative (``atrs.<attribute>`` keys set ATRS text) in one action. Answering
    a column clears what an import had kept aside for it."""
    cleaned = _prepare(changes)
    atrs_changes = {k[5:]: str(v or "").strip() for k, v in changes.items() if k.startswith("atrs.")}
    bad = [a for a in atrs_changes if a not in atrs_fields.STORED]
    if bad:
        raise ValidationError(f"atrs.{bad[0]}", "is not an ATRS field OpsDesk keeps on the record", entity=ENTITY)
    with ws.write() as tx:
        init = records.get_by(tx.session, Initiative, "initiative", code=code)
        rec = record_tx(tx, init)
        records.check_version(rec, expected_version, ENTITY)
        if cleaned.get("use_case_id"):
            agency = cleaned.get("agency", rec.agency)
            other = tx.session.scalar(select(UseCaseRecord).where(
                UseCaseRecord.use_case_id == cleaned["use_case_id"], UseCaseRecord.agency == agency,
                UseCaseRecord.id != rec.id))
            if other is not None:
                raise ValidationError("use_case_id", f"'{cleaned['use_case_id']}' is already the id of another use "
                                                     "case of this agency", entity=ENTITY)
        answered = {col for col, f in COLUMN_FIELD.items() if f in cleaned}
        if answered & set(rec.unrecognised or {}):
            cleaned["unrecognised"] = {k: v for k, v in (rec.unrecognised or {}).items() if k not in answered}
        if atrs_changes:
            cleaned["atrs"] = {k: v for k, v in ({**(rec.atrs or {}), **atrs_changes}).items() if v}
        tx.update(rec, ENTITY, cleaned, key=code)


@dataclass(frozen=True)
class RecordView:
    """The record's stored values as text for a form, with its version."""

    code: str
    version: int | None
    values: dict[str, Any]


def get_record(ws: Workspace, code: str) -> RecordView:
    with ws.read() as s:
        init = records.get_by(s, Initiative, "initiative", code=code)
        rec = s.scalar(select(UseCaseRecord).where(UseCaseRecord.initiative_id == init.id))
        if rec is None:
            return RecordView(code, None, {})
        values: dict[str, Any] = {}
        for f in SCHEMA:
            v = getattr(rec, f.name)
            if f.name == "demographic_features":
                v = [inv.DemographicFeature[n].short for n in v or []]
            elif f.name == "hi_public_consultation":
                v = [inv.PublicConsultation[n].short for n in v or []]
            values[f.name] = v
        values.update({f"atrs.{k}": v for k, v in (rec.atrs or {}).items()})
        return RecordView(code, rec.version, values)


def set_cots_uses(ws: Workspace, agency_name: str, uses: Iterable[tuple[str, str, str, str]]) -> None:
    """Record the agency's answers for consolidated COTS tasks: (task, Yes/No or "", products, licences)."""
    with ws.write() as tx:
        for task_text, answer, products, licences in uses:
            task = inv.cots_task(task_text)
            if task is None:
                raise ValidationError("task", f"'{task_text}' is not one of the consolidated COTS tasks",
                                      entity="cots_use")
            try:
                in_use = inv.YesNo.parse(answer) if answer else None
            except ValueError as exc:
                raise ValidationError("in_use", str(exc), entity="cots_use") from None
            values = {"in_use": in_use, "products": products.strip(), "licences": licences.strip()}
            found = tx.session.scalar(select(CotsUse).where(CotsUse.agency_name == agency_name,
                                                            CotsUse.task == task))
            if found is None:
                tx.add(CotsUse(agency_name=agency_name, task=task, **values), "cots_use", key=f"{agency_name}: {task}")
            else:
                tx.update(found, "cots_use", values, key=f"{agency_name}: {task}")


# --- readiness -----------------------------------------------------------------------------------------------

def check(ws: Workspace, year: int | None = None) -> list[UseCaseRow]:
    """Every initiative reported for ``year`` with what it still lacks."""
    return readiness.rows(ws, year)


def default_year(ws: Workspace) -> int:
    return ws.clock().year


# --- the OMB files -------------------------------------------------------------------------------------------

def individual_rows(ws: Workspace, year: int | None) -> list[UseCaseRow]:
    """The rows of the individual file: initiatives reported in the consolidated COTS file are left out."""
    return [r for r in readiness.rows(ws, year) if not r.cots_task]


def omb_csv(rows: list[UseCaseRow], spelling: str = "short") -> bytes:
    """The individual use case inventory: the dictionary's 36 columns in order, UTF-8 with a BOM, CRLF."""
    if spelling not in SPELLINGS:
        raise ValidationError("spelling", f"'{spelling}' is not one of: {', '.join(SPELLINGS)}")
    out = io.StringIO()
    write_rows(out, inv.COLUMN_NAMES, ([_cell(c, r.values.get(c.name), spelling) for c in inv.COLUMNS] for r in rows))
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _cell(col: inv.Column, value: Any, spelling: str) -> str:
    text = inv.cell(col, value, spelling=spelling)
    return escape_cell(text) if col.kind == "text" else text


def organisation(ws: Workspace) -> str:
    """The agency the COTS file speaks for: the workspace's organisation."""
    with ws.read() as s:
        info = s.scalar(select(WorkspaceInfo))
        return info.organisation if info else ""


def cots_rows(ws: Workspace, year: int | None) -> list[list[str]]:
    """The consolidated COTS file for the workspace's agency: every task, answered from the recorded COTS uses and
    from the initiatives reported under a task (their vendors as products)."""
    agency = organisation(ws)
    with ws.read() as s:
        uses = {u.task: u for u in s.scalars(select(CotsUse).where(CotsUse.agency_name == agency))}
    by_task: dict[str, list[UseCaseRow]] = {}
    for r in readiness.rows(ws, year):
        if r.cots_task and r.stage.value != "retired":
            by_task.setdefault(r.cots_task, []).append(r)
    out = []
    for task in inv.COTS_TASKS:
        use = uses.get(task)
        users = by_task.get(task, [])
        products = [p for p in ((use.products if use else "").split(";")) if p.strip()]
        products += [str(r.values.get("vendor_name") or r.name) for r in users]
        answer = "Y" if users or (use and use.in_use is inv.YesNo.YES) else (
            "N" if use and use.in_use is inv.YesNo.NO else "")
        out.append([agency, task, answer, "; ".join(dict.fromkeys(p.strip() for p in products)),
                    use.licences if use else ""])
    return out


def cots_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    write_rows(out, inv.COTS_COLUMNS, rows)  # every cell escaped against formulas
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


@dataclass(frozen=True)
class ExportResult:
    path: str
    rows: int
    ready: int
    gaps: int
    sha256: str


def export(ws: Workspace, fmt: str, out: Path | str, *, year: int | None = None, spelling: str = "short",
           tier: int = 1) -> ExportResult:
    """Write one of the reports and record the export (with the file's SHA-256) in the audit trail."""
    import hashlib

    from opsdesk.services.reporting import atrs

    year = year if year is not None else default_year(ws)
    target = Path(out)
    if fmt == "omb-2025":
        rows = individual_rows(ws, year)
        data = omb_csv(rows, spelling)
        ready, gaps = sum(r.ready for r in rows), sum(len(r.gaps) for r in rows)
        count = len(rows)
    elif fmt == "omb-2025-cots":
        crows = cots_rows(ws, year)
        data = cots_csv(crows)
        count, ready, gaps = len(crows), sum(1 for c in crows if c[2]), sum(1 for c in crows if not c[2])
    elif fmt == "atrs":
        records_ = atrs.records(ws, tier, year=year)
        data = atrs.render(records_, target.suffix.lower(), tier)
        count, ready = len(records_), sum(1 for r in records_ if not r.gaps)
        gaps = sum(len(r.gaps) for r in records_)
    else:
        raise ValidationError("format", f"'{fmt}' is not one of: omb-2025, omb-2025-cots, atrs")
    if target.parent and not target.parent.exists():
        raise ValidationError("out", f"the folder {target.parent} does not exist")
    tmp = target.with_name(target.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    digest = hashlib.sha256(data).hexdigest()
    if ws.read_only:  # a reader may export; the audit trail of a read-only workspace cannot record it
        return ExportResult(str(target), count, ready, gaps, digest)
    with ws.write(audit_only=True) as tx:
        tx.audit("export", "inventory", fmt, None, {"file": target.name, "sha256": digest, "year": year,
                                                    "rows": count, "tier": tier if fmt == "atrs" else None})
    return ExportResult(str(target), count, ready, gaps, digest)
