"""UK Algorithmic Transparency Recording Standard records of the initiatives, in the fields of the standard's
published template (v3.0): Tier 1 (metadata, title and the public overview) or Tier 2 (also owner and
responsibility, description and rationale, decision-making process, tool, model and data specification, risks and
impact assessments). Written as Markdown for reading, and as CSV or JSON keyed by the template's attribute names.
A required field OpsDesk cannot fill is listed as a gap, like the OMB check."""

from __future__ import annotations

import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select

from opsdesk.analytics import inventory as readiness
from opsdesk.analytics.inventory import UseCaseRow
from opsdesk.domain import atrs as spec
from opsdesk.domain import inventory as inv
from opsdesk.domain.enums import Stage
from opsdesk.errors import ValidationError
from opsdesk.store.models import AuditEvent, DataAsset, Initiative, InitiativeDataAsset, Model
from opsdesk.store.workspace import Workspace

PHASE = {Stage.PROPOSED: "Pre-deployment", Stage.PILOT: "Beta/Pilot", Stage.EXPAND: "Production",
         Stage.PRODUCTION: "Production", Stage.RETIRED: "Retired"}


@dataclass(frozen=True)
class AtrsValue:
    field: spec.AtrsField
    value: str
    source: str  # "register", "inventory", "record", "" when empty


@dataclass
class AtrsRecord:
    code: str
    title: str
    tier: int
    values: list[AtrsValue] = field(default_factory=list)

    @property
    def gaps(self) -> list[spec.AtrsField]:
        return [v.field for v in self.values if v.field.required and not v.value]

    def as_dict(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for v in self.values:
            out.setdefault(v.field.attribute, v.value)
        return out


def _first_sentence(text: str) -> str:
    text = " ".join(text.split())
    m = re.match(r"(.+?[.!?])(\s|$)", text)
    return m.group(1) if m else text


def records(ws: Workspace, tier: int, *, year: int | None = None, codes: list[str] | None = None) -> list[AtrsRecord]:
    if tier not in (1, 2):
        raise ValidationError("tier", "the ATRS tier is 1 or 2")
    rows = readiness.rows(ws, year, codes=codes)
    with ws.read() as s:
        inits = {i.code: i for i in s.scalars(select(Initiative))}
        models: dict[int, list[Model]] = defaultdict(list)
        for m in s.scalars(select(Model).order_by(Model.name, Model.version_label)):
            if m.initiative_id is not None:
                models[m.initiative_id].append(m)
        assets: dict[int, list[str]] = defaultdict(list)
        for init_id, name in s.execute(select(InitiativeDataAsset.initiative_id, DataAsset.name)
                                       .join(DataAsset, DataAsset.id == InitiativeDataAsset.data_asset_id)
                                       .order_by(DataAsset.name)):
            assets[init_id].append(name)
        dates = {key: (first, last) for key, first, last in s.execute(
            select(AuditEvent.entity_id, func.min(AuditEvent.at), func.max(AuditEvent.at))
            .where(AuditEvent.entity.in_(("initiative", "use_case_record"))).group_by(AuditEvent.entity_id))}
    out = []
    for r in rows:
        init = inits[r.code]
        first, last = dates.get(r.code, (None, None))
        values = _values(r, init, models.get(init.id, []), assets.get(init.id, []),
                         first.date().isoformat() if first else "", last.date().isoformat() if last else "")
        out.append(AtrsRecord(r.code, init.name, tier, [AtrsValue(f, *values.get(f.attribute, ("", "")))
                                                        for f in spec.fields_for(tier)]))
    return out


def _values(r: UseCaseRow, init: Initiative, models: list[Model], assets: list[str], first: str,
            last: str) -> dict[str, tuple[str, str]]:
    v = r.values
    a = r.atrs

    def text(x: object) -> str:
        if x is None:
            return ""
        if isinstance(x, inv.InventoryChoice):
            return x.short
        if isinstance(x, list):
            return "; ".join(text(i) for i in x)
        return str(x).strip()

    out: dict[str, tuple[str, str]] = {}

    def put(attr: str, value: object, source: str) -> None:
        t = text(value)
        out[attr] = (t, source if t else "")

    for attr in spec.STORED:
        put(attr, a.get(attr, ""), "record")
    put("standard_version", spec.TEMPLATE_VERSION, "template")
    if not a.get("function") and v.get("topic_area"):
        put("function", v["topic_area"], "inventory: topic area")
    put("tags", ", ".join(init.tags or []), "register")
    put("date_of_completion", first, "audit trail")
    put("date_updated", last, "audit trail")
    put("title", init.name, "register")
    put("organisation_name", v.get("agency_name"), "inventory")
    put("phase", PHASE[init.stage], "register: stage")
    put("one_sentence_description", _first_sentence(init.problem), "register: problem")
    put("name", init.name, "register")
    put("description", " ".join(p for p in (init.problem.strip(), init.expected_benefits.strip()) if p), "register")
    put("contact_email", v.get("contact_email"), "inventory")
    put("organisation_or_department", v.get("agency_name"), "inventory")
    if not a.get("team"):
        put("team", v.get("agency_bureau"), "inventory: bureau")
    put("senior_responsible_owner", init.sponsor or init.owner, "register: sponsor")
    usage = v.get("contracting_usage")
    if usage is not None:
        put("external_supplier_involvement", "No" if usage is inv.ContractingUsage.IN_HOUSE else "Yes",
            "inventory: contracting")
    put("external_supplier", v.get("vendor_name"), "inventory")
    if not a.get("detailed_description"):
        put("detailed_description", init.outputs, "register: outputs")
    if not a.get("scope"):
        put("scope", init.problem, "register: problem")
    put("benefit", init.expected_benefits, "register")
    put("provided_information", init.outputs, "register: outputs")
    if v.get("hi_training_established"):
        put("required_training", v["hi_training_established"], "inventory")
    if v.get("hi_appeal_process"):
        put("appeals_and_review", v["hi_appeal_process"], "inventory")
    put("models", "; ".join(f"{m.name} {m.version_label}" for m in models), "register: models")
    put("model_name", "; ".join(m.name for m in models), "register: models")
    put("model_version", "; ".join(m.version_label for m in models), "register: models")
    put("model_task", v.get("classification"), "inventory: AI classification")
    put("model_output", init.outputs, "register: outputs")
    if not a.get("model_architecture"):
        put("model_architecture", "; ".join(m.framework for m in models if m.framework), "register: frameworks")
    put("datasets", "; ".join(assets), "register: data assets")
    put("source_data_name", "; ".join(assets), "register: data assets")
    put("data_description", v.get("data_description"), "inventory")
    features = [f.short for f in v.get("demographic_features") or []]
    pii = v.get("has_pii")
    sensitive = "; ".join(features + (["personal data (PII)"] if pii is inv.YesNo.YES else []))
    if features or pii is not None:
        put("sensitive_attributes", sensitive or "None", "inventory: PII and demographic features")
    put("source_data_url", v.get("link_to_data"), "inventory")
    assessment = []
    if v.get("hi_assessment_completed") is not None:
        assessment.append(f"AI impact assessment: {v['hi_assessment_completed'].short}"
                          + (f" ({r.assessment_date.isoformat()})" if r.assessment_date else ""))
    if v.get("pia_url"):
        assessment.append(f"Privacy impact assessment: {v['pia_url']}")
    put("impact_assessment", "; ".join(assessment), "inventory")
    if not a.get("risks_and_mitigations"):
        put("risks_and_mitigations", v.get("hi_potential_impacts"), "inventory: potential impacts")
    return out


def render(recs: list[AtrsRecord], suffix: str, tier: int) -> bytes:
    if suffix in (".md", ".markdown"):
        return markdown(recs, tier).encode("utf-8")
    if suffix == ".json":
        return (json.dumps(as_json(recs, tier), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if suffix == ".csv":
        return as_csv(recs, tier)
    raise ValidationError("out", f"an ATRS export is .md, .csv or .json, not '{suffix or 'no suffix'}'")


def markdown(recs: list[AtrsRecord], tier: int) -> str:
    lines = [f"# Algorithmic transparency records — Tier {tier}", "",
             f"Written in the fields of the {spec.TEMPLATE}.", ""]
    for rec in recs:
        lines += markdown_one(rec).splitlines() + [""]
    return "\n".join(lines).rstrip() + "\n"


def markdown_one(rec: AtrsRecord) -> str:
    lines = [f"## {rec.title} ({rec.code})", "",
             f"*{spec.TEMPLATE}, Tier {rec.tier}*", ""]
    section = None
    for v in rec.values:
        if v.field.section != section:
            section = v.field.section
            tier = "Tier 2 — " if v.field.tier == 2 else ("Tier 1 — " if v.field.tier == 1 else "")
            lines += [f"### {tier}{section}", ""]
        flag = "" if v.value or not v.field.required else " — **gap: required**"
        lines.append(f"**{v.field.ref} {v.field.name}** (`{v.field.attribute}`){flag}")
        lines.append("")
        lines.append(v.value.replace("\n", "  \n") if v.value else "*Not recorded in OpsDesk.*")
        lines.append("")
    gaps = rec.gaps
    lines += ["### Gaps", ""]
    lines += [f"- {g.ref} {g.name} (`{g.attribute}`)" for g in gaps] or ["None: every required field is filled."]
    return "\n".join(lines) + "\n"


def _attributes(tier: int) -> list[str]:
    return list(dict.fromkeys(f.attribute for f in spec.fields_for(tier)))


def as_json(recs: list[AtrsRecord], tier: int) -> dict[str, object]:
    return {"standard": "Algorithmic Transparency Recording Standard", "standard_version": spec.TEMPLATE_VERSION,
            "template": spec.TEMPLATE, "tier": tier,
            "records": [{"opsdesk_code": r.code, **r.as_dict(),
                         "gaps": [g.attribute for g in r.gaps]} for r in recs]}


def as_csv(recs: list[AtrsRecord], tier: int) -> bytes:
    from opsdesk.domain.csv_safety import write_rows

    attrs = _attributes(tier)
    out = io.StringIO()
    write_rows(out, ["opsdesk_code", *attrs, "gaps"],
               ([r.code, *(r.as_dict().get(a, "") for a in attrs), "; ".join(g.attribute for g in r.gaps)]
                for r in recs))
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")
