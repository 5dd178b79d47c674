"""A deterministic, realistic demo workspace: a public body's AI portfolio over two years.

Everything goes through the services (so the audit trail is real) on a fixed clock and a seeded random
generator, so the same command twice writes the same content.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import numpy as np

from opsdesk.domain.enums import (
    AgendaKind,
    ConformanceStatus,
    Direction,
    LineageKind,
    MeetingStatus,
    NodeKind,
    OpsDiscipline,
    Outcome,
    RiskTier,
    Stage,
    StandardCategory,
    StandardStatus,
    TeamRole,
    VoteChoice,
)
from opsdesk.services.committee import gates
from opsdesk.services.committee import meetings as committee
from opsdesk.services.finance import allocation_standards, costs
from opsdesk.services.onboarding import checklist
from opsdesk.services.registry import initiatives, lessons, metadata, metrics, objectives, people
from opsdesk.services.reporting import inventory
from opsdesk.services.risk import assessments as risk_assessments
from opsdesk.services.risk import incidents as risk_incidents
from opsdesk.services.risk import risks as risk_register
from opsdesk.services.standards import catalog, conformance, library, skills
from opsdesk.services.workspace import lifecycle
from opsdesk.store.engine import is_server_url
from opsdesk.store.models import AllocationRule, ImportBatch
from opsdesk.store.workspace import FixedStepClock, Workspace

ORG = "Department of Public Services"
START = dt.date(2024, 12, 1)
DAYS = 730
TODAY = START + dt.timedelta(days=DAYS - 1)  # 2026-11-30, the demo's "now"
SEED = 20241201


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


OBJECTIVES = [
    ("OBJ-01", "Faster citizen services", "Median days to resolve a citizen request", "≤ 5 days by 2027"),
    ("OBJ-02", "Protect public money", "Fraud and error losses recovered", "+20 % by 2027"),
    ("OBJ-03", "Safer infrastructure", "Critical defects found before failure", "90 %"),
    ("OBJ-04", "Responsible and affordable AI", "AI spend within approved budget", "100 % of initiatives"),
    ("OBJ-05", "Better informed policy", "Decisions backed by published evidence", "80 %"),
]

PEOPLE = [
    ("Amara Okafor", "data", "chair", "Office of the Chief Data Officer"),
    ("Ben Castillo", "data", "member", "Data Platform"),
    ("Chloé Martin", "data", "member", "Data Governance"),
    ("Dmitri Volkov", "data", "none", "Data Platform"),
    ("Esi Mensah", "data", "none", "Analytics"),
    ("Farah Haddad", "ml", "member", "ML Operations"),
    ("Gustavo Pereira", "ml", "member", "ML Operations"),
    ("Hana Sato", "ml", "none", "Applied AI Lab"),
    ("Ivan Petrov", "ml", "none", "Applied AI Lab"),
    ("Jade Thompson", "ml", "observer", "Model Risk"),
    ("Kofi Asante", "finance", "member", "FinOps Office"),
    ("Laura Becker", "finance", "member", "Budget & Planning"),
    ("Mohammed Rahimi", "finance", "none", "FinOps Office"),
    ("Nadia Kowalski", "finance", "none", "Procurement"),
    ("Oliver Grant", "executive", "member", "Deputy Secretary's Office"),
    ("Priya Nair", "executive", "member", "Digital Transformation"),
    ("Quentin Dubois", "executive", "observer", "Internal Audit"),
    ("Rosa Jiménez", "other", "secretary", "Governance Secretariat"),
    ("Samuel Otieno", "other", "none", "Legal"),
]

# code, name, target stage, risk, objectives, tags, budget, classification, owner index, retired-from
INITIATIVES = [
    ("Benefits claim triage", Stage.PRODUCTION, RiskTier.HIGH_IMPACT, {"OBJ-01": 0.7, "OBJ-02": 0.3},
     ["casework", "nlp"], 480_000, "OFFICIAL-SENSITIVE"),
    ("Grant payment fraud detection", Stage.PRODUCTION, RiskTier.HIGH, {"OBJ-02": 1.0},
     ["fraud", "tabular"], 350_000, "OFFICIAL-SENSITIVE"),
    ("FOI request document classification", Stage.EXPAND, RiskTier.MEDIUM, {"OBJ-01": 0.6, "OBJ-05": 0.4},
     ["nlp", "records"], 150_000, "OFFICIAL"),
    ("Road defect detection from imagery", Stage.EXPAND, RiskTier.MEDIUM, {"OBJ-03": 1.0},
     ["vision", "infrastructure"], 260_000, "OFFICIAL"),
    ("Call centre speech analytics", Stage.PILOT, RiskTier.HIGH, {"OBJ-01": 1.0},
     ["speech", "casework"], 190_000, "OFFICIAL-SENSITIVE"),
    ("Fleet predictive maintenance", Stage.PILOT, RiskTier.LOW, {"OBJ-03": 0.5, "OBJ-04": 0.5},
     ["tabular", "infrastructure"], 90_000, "OFFICIAL"),
    ("Citizen letter translation assistant", Stage.PILOT, RiskTier.MEDIUM, {"OBJ-01": 1.0},
     ["nlp", "language"], 120_000, "OFFICIAL"),
    ("Procurement anomaly detection", Stage.PROPOSED, RiskTier.HIGH, {"OBJ-02": 1.0},
     ["fraud", "procurement"], 140_000, "OFFICIAL-SENSITIVE"),
    ("Permit application summarisation", Stage.PROPOSED, RiskTier.LOW, {"OBJ-01": 1.0},
     ["nlp", "genai"], 60_000, "OFFICIAL"),
    ("Tax enquiry chatbot", Stage.RETIRED, RiskTier.HIGH_IMPACT, {"OBJ-01": 1.0},
     ["genai", "citizen-facing"], 210_000, "OFFICIAL"),
    ("Wildfire risk forecasting", Stage.PRODUCTION, RiskTier.HIGH_IMPACT, {"OBJ-03": 0.6, "OBJ-05": 0.4},
     ["forecasting", "geospatial"], 300_000, "SECRET"),
    ("Hospital bed demand forecasting", Stage.EXPAND, RiskTier.HIGH, {"OBJ-05": 1.0},
     ["forecasting", "health"], 220_000, "OFFICIAL-SENSITIVE"),
    ("Invoice matching automation", Stage.PROPOSED, RiskTier.LOW, {"OBJ-04": 1.0},
     ["finance", "tabular"], 45_000, "OFFICIAL"),
    ("Satellite crop-yield estimation", Stage.RETIRED, RiskTier.MEDIUM, {"OBJ-05": 1.0},
     ["geospatial", "vision"], 170_000, "OFFICIAL"),
]

SERIES = [
    # discipline, name, unit, direction, green, amber, base, trend per year, weekly amplitude, noise
    (OpsDiscipline.DATAOPS, "Pipeline success rate", "%", Direction.HIGHER_IS_BETTER, 98, 95, 97.5, 0.8, 0.8, 0.7),
    (OpsDiscipline.DATAOPS, "Data freshness", "h", Direction.LOWER_IS_BETTER, 6, 24, 8, -2.0, 3.0, 1.5),
    (OpsDiscipline.DATAOPS, "Data quality score", "%", Direction.HIGHER_IS_BETTER, 97, 92, 95, 1.2, 0.3, 0.6),
    (OpsDiscipline.MLOPS, "Model quality (F1)", "ratio", Direction.HIGHER_IS_BETTER, 0.85, 0.78, 0.84, 0.01, 0.0, 0.008),
    (OpsDiscipline.MLOPS, "Feature drift (PSI)", "psi", Direction.LOWER_IS_BETTER, 0.1, 0.25, 0.06, 0.03, 0.0, 0.015),
    (OpsDiscipline.MLOPS, "Inference latency p95", "ms", Direction.LOWER_IS_BETTER, 300, 600, 240, -20, 40, 25),
    (OpsDiscipline.MLOPS, "Deployments", "count", Direction.HIGHER_IS_BETTER, 2, 1, 0.15, 0.05, 0.0, 0.0),
    (OpsDiscipline.MLOPS, "Predictions served", "count", Direction.HIGHER_IS_BETTER, None, None, 12000, 4000, 5000, 800),
    (OpsDiscipline.FINOPS, "Daily cloud spend", "USD", Direction.LOWER_IS_BETTER, None, None, 300, 60, 40, 25),
]

SKILLS = [
    ("Data quality management", "data"), ("Data governance and lineage", "data"), ("Pipeline engineering", "data"),
    ("Model validation and testing", "ml"), ("Model deployment and monitoring", "ml"), ("Drift detection", "ml"),
    ("FinOps cost allocation", "finance"), ("Cloud pricing and forecasting", "finance"),
    ("AI risk literacy", "executive"), ("AI policy and ethics", "executive"),
]


def build(path: Path | str, *, force: bool = False) -> Path | str:
    """Write the demo workspace to ``path`` (a file, or a server database URL) and return it."""
    if not is_server_url(str(path)):
        # built in a hidden file beside the target and moved into place when complete: a killed build leaves
        # nothing at ``path`` (and its leftovers are cleared by the next build)
        return lifecycle.build_file(Path(path), _build, force=force)
    _build(str(path))
    return path


def _build(target: Path | str) -> None:
    clock = FixedStepClock(_at(START - dt.timedelta(days=30), 9))
    ws = lifecycle.create_in_place(target, organisation=ORG, currency="USD", actor="demo", clock=clock)
    try:
        _populate(ws, clock)
    finally:
        ws.close()


def _populate(ws: Workspace, clock: FixedStepClock) -> None:
    rng = np.random.default_rng(SEED)
    checklist.keep_default_markings(ws)  # the secretary kept the standard markings
    for code, title, kpi, target in OBJECTIVES:
        objectives.create(ws, {"code": code, "title": title, "kpi_name": kpi, "kpi_target": target,
                               "owner": "Deputy Secretary", "due_date": "2027-06-30",
                               "description": f"{title}: {kpi.lower()}, target {target}."})
    person_ids: dict[str, int] = {}
    for name, disc, role, unit in PEOPLE:
        first, last = name.split(" ", 1)
        email = f"{first}.{last}".lower().replace(" ", "").replace("é", "e").replace("í", "i") + "@dps.example.gov"
        p = people.create(ws, {"name": name, "email": email, "unit": unit, "discipline": disc,
                               "committee_role": role})
        person_ids[name] = p.id
    by_disc = {d: [pid for (n, dd, _r, _u), pid in zip(PEOPLE, person_ids.values(), strict=True) if dd == d]
               for d in ("data", "ml", "finance", "executive", "other")}

    codes: list[str] = []
    for i, (name, _stage, risk, objs, tags, budget, marking) in enumerate(INITIATIVES, start=1):
        code = f"AI-{i:04d}"
        codes.append(code)
        owner = PEOPLE[5 + (i % 5)][0]
        team = {by_disc["data"][i % 5]: TeamRole.DATA_ENGINEER, by_disc["ml"][(i + 1) % 5]: TeamRole.ML_ENGINEER,
                by_disc["executive"][i % 3]: TeamRole.PRODUCT_OWNER}
        if i % 3 != 0:  # a third of the teams have nobody from finance: a real gap
            team[by_disc["finance"][i % 4]] = TeamRole.FINOPS_ANALYST
        if i % 4 == 0:
            team[by_disc["ml"][(i + 3) % 5]] = TeamRole.DATA_SCIENTIST
        initiatives.create(ws, {
            "code": code, "name": name, "risk_tier": risk, "classification": marking,
            "problem": f"Today {name.lower()} is done by hand or not at all; backlogs grow and decisions vary.",
            "expected_benefits": "Shorter turnaround, consistent decisions, staff time freed for complex cases.",
            "outputs": "A model in production behind a human-in-the-loop review step, with monitoring.",
            "owner": owner, "sponsor": PEOPLE[14 + (i % 3)][0], "budget": Decimal(budget), "currency": "USD",
            "cost_centre": f"CC-{400 + i}", "tags": tags,
            "disciplines": ["data", "ml", "finance"] if i % 3 else ["data", "ml"],
            "start_date": (START + dt.timedelta(days=20 * i)).isoformat(),
            "end_date": (START + dt.timedelta(days=20 * i + 900)).isoformat(),
        }, objectives=objs, team=team)

    _lineage(ws, codes)
    _series_and_points(ws, codes, rng)
    _costs(ws, codes, rng)
    _standards(ws, codes)
    _skills(ws, person_ids, rng)
    _risk_register(ws, clock, codes)
    _meetings(ws, clock, codes, person_ids)
    _inventory(ws, codes)
    _incidents(ws, clock, codes)


def _lineage(ws: Workspace, codes: list[str]) -> None:
    systems = ["Case management system", "Payments ledger", "Records archive", "Road survey imagery",
               "Telephony platform", "Fleet telematics", "Correspondence system", "Procurement portal"]
    asset_ids: list[int] = []
    for j, system in enumerate(systems):
        for kind, pii in (("raw", j % 2 == 0), ("curated", False)):
            a = metadata.create_asset(ws, {
                "name": f"{system.lower().replace(' ', '_')}.{kind}", "namespace": "warehouse://dps",
                "owner": PEOPLE[1 + j % 4][0], "source_system": system,
                "format_standard": "Parquet (DATA-FMT 1.0)" if kind == "curated" else "CSV export",
                "classification": "OFFICIAL-SENSITIVE" if pii else "OFFICIAL", "contains_pii": pii,
                "description": f"{kind.title()} extract from the {system.lower()}."})
            asset_ids.append(a.id)
        metadata.add_link(ws, (NodeKind.DATA_ASSET, asset_ids[-2]), (NodeKind.DATA_ASSET, asset_ids[-1]),
                          LineageKind.DERIVED_FROM)
    frameworks = ["scikit-learn", "XGBoost", "PyTorch", "LightGBM", "Transformers"]
    for i, code in enumerate(codes):
        detail = initiatives.get(ws, code)
        curated = asset_ids[(2 * i + 1) % len(asset_ids)]
        extra = asset_ids[(2 * i + 5) % len(asset_ids)]
        m = metadata.create_model(ws, {
            "name": detail.name.lower().replace(" ", "-").replace("é", "e")[:40], "version_label": f"{1 + i % 3}.{i % 4}",
            "framework": frameworks[i % len(frameworks)], "owner": detail.owner,
            "registry_source": f"mlflow://models/{code.lower()}/{1 + i % 3}", "initiative_code": code,
            "classification": detail.classification})
        metadata.add_link(ws, (NodeKind.DATA_ASSET, curated), (NodeKind.MODEL, m.id), LineageKind.TRAINED_ON)
        metadata.add_link(ws, (NodeKind.DATA_ASSET, extra), (NodeKind.MODEL, m.id), LineageKind.EVALUATED_ON)
        metadata.add_link(ws, (NodeKind.MODEL, m.id), (NodeKind.INITIATIVE, detail.id), LineageKind.USED_BY)


def _series_and_points(ws: Workspace, codes: list[str], rng: np.random.Generator) -> None:
    days = np.arange(DAYS)
    base_ts = int(_at(START, 0).timestamp())
    ts = base_ts + days * 86400
    weekday = (days + START.weekday()) % 7
    weekend = (weekday >= 5).astype(float)
    with ws.write("metrics") as tx:
        for i, code in enumerate(codes):
            live = INITIATIVES[i][1] not in (Stage.PROPOSED,)
            for disc, name, unit, direction, green, amber, base, trend, weekly, noise in SERIES:
                series = metrics.create_series_tx(tx, {
                    "discipline": disc, "name": name, "unit": unit, "direction": direction,
                    "green_threshold": green, "amber_threshold": amber}, initiative_code=code)
                scale = 1.0 + 0.15 * ((i * 7) % 5 - 2) / 2
                values = (base * scale + trend * days / 365.0 + weekly * (weekend - 2 / 7)
                          + rng.normal(0, noise, DAYS))
                if name == "Feature drift (PSI)" and i % 4 == 1:  # slow drift then retrain
                    values += np.clip((days - 420) / 200, 0, None) * 0.2 * (days < 660)
                if name == "Model quality (F1)":
                    values -= np.clip((days - 420) / 200, 0, None) * 0.08 * (days < 660) * (i % 4 == 1)
                if name == "Pipeline success rate":
                    outages = rng.choice(DAYS, size=4, replace=False)
                    for o in outages:
                        values[o:o + 2] -= 25 + 10 * rng.random()
                if name == "Deployments":
                    values = (rng.random(DAYS) < (0.03 + 0.02 * (i % 3)) * (1 + days / DAYS)).astype(float)
                if name == "Daily cloud spend":
                    overrun = 1.6 if i % 5 == 1 else 1.0
                    values = np.maximum(5, values * (0.3 if not live else 1.0) * overrun)
                if name == "Predictions served":
                    values = np.maximum(0, values * (0.05 if not live else 1.0))
                if unit == "%":
                    values = np.clip(values, 0, 100)
                values = np.maximum(values, 0)
                metrics.insert_points_tx(tx, zip([series.id] * DAYS, ts.tolist(),
                                                 np.round(values, 4).tolist(), strict=True))
        tx.audit("demo_points", "metric_point", "demo", None, {"series": len(codes) * len(SERIES),
                                                                "points_per_series": DAYS})


def _costs(ws: Workspace, codes: list[str], rng: np.random.Generator) -> None:
    services = [("Compute", "Virtual Machines", "Microsoft"), ("Storage", "Object Storage", "AWS"),
                ("AI and Machine Learning", "Managed ML Training", "AWS")]
    rows = []
    for month in range(24):
        start, end = month_span(START, month)
        for i, code in enumerate(codes):
            stage = INITIATIVES[i][1]
            level = {Stage.PROPOSED: 0.05, Stage.PILOT: 0.5, Stage.EXPAND: 0.8, Stage.PRODUCTION: 1.0,
                     Stage.RETIRED: 0.4}[stage]
            budget = INITIATIVES[i][5]
            overrun = 1.5 if i % 5 == 1 else 1.0
            monthly = budget / 24 * level * overrun * (0.6 + 0.8 * month / 23)
            for k, (category, service, provider) in enumerate(services):
                share = (0.5, 0.15, 0.35)[k]
                amount = Decimal(str(round(monthly * share * (0.9 + 0.2 * rng.random()), 2)))
                rows.append(_cost_row(start, end, amount, category, service, provider,
                                      {"opsdesk-initiative": code, "env": "prod" if stage is Stage.PRODUCTION else "dev"},
                                      f"/subscriptions/dps-ai/{code.lower()}/{service.lower().replace(' ', '-')}"))
        shared = Decimal(str(round(4200 + 300 * rng.random(), 2)))
        rows.append(_cost_row(start, end, shared, "Networking", "Private Link", "Microsoft",
                              {"shared": "ml-platform"}, "/subscriptions/dps-ai/shared/ml-platform"))
        rows.append(_cost_row(start, end, Decimal(str(round(900 + 100 * rng.random(), 2))), "Management and Governance",
                              "Monitoring", "Microsoft", {}, "/subscriptions/dps-ai/unassigned/monitoring"))
        if month % 6 == 5:
            rows.append(_cost_row(start, end, Decimal("-1250.00"), "Compute", "Virtual Machines", "Microsoft",
                                  {"opsdesk-initiative": codes[0]}, "/subscriptions/dps-ai/credits", "Credit"))
    with ws.write("costs") as tx:
        batch = ImportBatch(kind="focus", file_name="demo-focus-export.csv", sha256="0" * 63 + "1",
                            accepted=len(rows), rejected=0, imported_at=ws.clock(), actor=ws.actor,
                            report={"source": "demo"})
        tx.add(batch, "import_batch")
        costs.add_records_tx(tx, rows, batch.id)
        tx.add(AllocationRule(name="Initiative tag", priority=10, match={"tag_key": "opsdesk-initiative"},
                              target={"from_tag": "opsdesk-initiative"}), "allocation_rule")
        tx.add(AllocationRule(name="Shared ML platform, split evenly", priority=20,
                              match={"tag_key": "shared", "tag_value": "ml-platform"},
                              target={"split": "even", "initiatives": [codes[0], codes[1], codes[10]]}),
               "allocation_rule")
        costs.apply_rules_tx(tx)


def month_span(first: dt.date, k: int) -> tuple[dt.datetime, dt.datetime]:
    """The start and the (exclusive) end, UTC, of the ``k``-th calendar month from the month of ``first``."""
    y, m = divmod(first.month - 1 + k, 12)
    start = dt.datetime(first.year + y, m + 1, 1, tzinfo=dt.UTC)
    y2, m2 = divmod(m + 1, 12)
    return start, dt.datetime(first.year + y + y2, m2 + 1, 1, tzinfo=dt.UTC)


def _cost_row(start: dt.datetime, end: dt.datetime, amount: Decimal, category: str, service: str, provider: str,
              tags: dict[str, str], resource: str, charge: str = "Usage") -> dict[str, object]:
    return {"charge_period_start": start, "charge_period_end": end, "billed_cost": amount, "effective_cost": amount,
            "list_cost": (amount * Decimal("1.12")).quantize(Decimal("0.01")), "contracted_cost": amount,
            "billing_currency": "USD", "service_category": category, "service_name": service,
            "provider_name": provider, "billing_account_id": "dps-ai", "sub_account_id": "dps-ai-prod",
            "charge_category": charge, "resource_id": resource, "sku_id": f"{service[:3].upper()}-STD",
            "pricing_quantity": Decimal("1"), "pricing_unit": "Month", "tags": tags, "extra": {}}


STANDARDS = [
    ("DATA-FMT", "Common data formats for AI pipelines", StandardCategory.DATA_FORMAT, [
        ("DF-1", "Curated datasets are stored as Parquet with a published schema.", ["pilot", "expand", "production"]),
        ("DF-2", "Every dataset has an owner and a classification marking.", ["proposed", "pilot", "expand", "production"]),
        ("DF-3", "Lineage from source system to model is recorded (OpenLineage).", ["expand", "production"]),
    ]),
    ("ML-PRAC", "Model development and deployment practice", StandardCategory.MODEL_PRACTICE, [
        ("MP-1", "Models are tracked in the registry with parameters and metrics.", ["pilot", "expand", "production"]),
        ("MP-2", "Performance is validated against a baseline before each promotion.", ["expand", "production"]),
        ("MP-3", "Drift is monitored with an alert threshold agreed by the committee.", ["production"]),
        ("MP-4", "High-impact uses have a human review step and an impact assessment.", ["pilot", "expand", "production"]),
    ]),
    ("COST-ALLOC", "Cost allocation methodology", StandardCategory.COST_ALLOCATION, [
        ("CA-1", "Cloud costs are exported in FOCUS 1.2 and tagged with the initiative code.", ["pilot", "expand", "production"]),
        ("CA-2", "Shared platform costs are split by the committee's allocation rules.", ["expand", "production"]),
        ("CA-3", "Spend is forecast to fiscal year end each month.", ["production"]),
    ]),
]


def _standards(ws: Workspace, codes: list[str]) -> None:
    statuses = [ConformanceStatus.MET, ConformanceStatus.MET, ConformanceStatus.PARTIAL, ConformanceStatus.MET,
                ConformanceStatus.NOT_MET, ConformanceStatus.MET, ConformanceStatus.WAIVED]
    n = 0
    for code, title, cat, reqs in STANDARDS:
        std = catalog.create_standard(
            ws, {"code": code, "title": title, "category": cat, "version_label": "1.0",
                 "status": StandardStatus.ADOPTED, "owner": "AI Governance Committee",
                 "source": "Committee resolution", "text": f"{title}, adopted by the committee."},
            [{"code": c, "text": t, "stages": s} for c, t, s in reqs])
        if cat is StandardCategory.COST_ALLOCATION:
            for rule in allocation_standards.rules(ws):
                allocation_standards.link_rule(ws, rule.id, std.id)
        for i, init_code in enumerate(codes):
            stage = INITIATIVES[i][1]
            for req in std.requirements:
                if stage.value not in req.stages:
                    continue
                status = statuses[n % len(statuses)]
                n += 1
                values: dict[str, object] = {"status": status, "reviewer": "Chloé Martin",
                                             "reviewed_on": (TODAY - dt.timedelta(days=n % 90)).isoformat(),
                                             "evidence": f"Reviewed at the {stage.label.lower()} gate."}
                if status is ConformanceStatus.WAIVED:
                    values |= {"waiver_reason": "Vendor tooling not yet available on the secure network.",
                               "waiver_approver": "Amara Okafor",
                               "waiver_expires": (TODAY + dt.timedelta(days=(n % 3 - 1) * 60)).isoformat()}
                conformance.record_conformance(ws, init_code, req.id, values)
    _library_standards(ws, codes)


def _library_standards(ws: Workspace, codes: list[str]) -> None:
    """OMB M-25-21 adopted for high-impact AI (partly assessed), NIST AI RMF under review as a draft."""
    omb = library.adopt(ws, "omb-m-25-21-high-impact")
    library.adopt(ws, "nist-ai-rmf-1.0", status=StandardStatus.DRAFT)
    plan = {"OMB-1": ConformanceStatus.MET, "OMB-2": ConformanceStatus.MET, "OMB-3": ConformanceStatus.PARTIAL,
            "OMB-4": ConformanceStatus.MET, "OMB-5": ConformanceStatus.WAIVED}
    for i, code in enumerate(codes):
        if INITIATIVES[i][2] is not RiskTier.HIGH_IMPACT or INITIATIVES[i][1] is Stage.RETIRED:
            continue
        for req in omb.requirements:
            status = plan.get(req.code)
            if status is None:
                continue
            values: dict[str, object] = {"status": status, "reviewer": "Jade Thompson",
                                         "reviewed_on": (TODAY - dt.timedelta(days=20 + i)).isoformat(),
                                         "evidence": f"{req.code} reviewed with the model risk team."}
            if status is ConformanceStatus.WAIVED:
                values |= {"waiver_reason": "Fail-safe switch scheduled with the next platform release.",
                           "waiver_approver": "Oliver Grant",
                           "waiver_expires": (TODAY + dt.timedelta(days=45)).isoformat()}
            conformance.record_conformance(ws, code, req.id, values)


def _skills(ws: Workspace, person_ids: dict[str, int], rng: np.random.Generator) -> None:
    skill_ids = {}
    for name, disc in SKILLS:
        skill_ids[name] = skills.create_skill(ws, {"name": name, "discipline": disc}).id
    for (_pname, pdisc, _role, _unit), pid in zip(PEOPLE, person_ids.values(), strict=True):
        for sname, sdisc in SKILLS:
            home = sdisc == pdisc
            level = int(rng.integers(2, 5)) if home else int(rng.choice([0, 0, 0, 1, 1, 1, 1, 2, 2, 3]))
            if level:
                skills.set_level(ws, pid, skill_ids[sname], level, (TODAY - dt.timedelta(days=30)).isoformat())
        courses = {"data": ("Data stewardship essentials", "National School of Government"),
                   "ml": ("MLOps in regulated environments", "Open University"),
                   "finance": ("FinOps Certified Practitioner", "FinOps Foundation"),
                   "executive": ("AI risk for senior leaders", "Civil Service College"),
                   "other": ("AI literacy for all staff", "Internal Academy")}
        course, provider = courses[pdisc]
        done = START + dt.timedelta(days=int(rng.integers(0, 600)))
        skills.add_training(ws, pid, {"course": course, "provider": provider, "hours": 14 + pid % 3 * 7,
                                      "completed_on": done.isoformat(), "discipline": pdisc,
                                      "certificate_ref": f"CERT-{pid:04d}",
                                      "expires_on": (done + dt.timedelta(days=730)).isoformat()})
        if pid % 3 == 0:
            cross = {"data": "ml", "ml": "finance", "finance": "data", "executive": "ml", "other": "executive"}[pdisc]
            c2, p2 = courses[cross]
            skills.add_training(ws, pid, {"course": c2, "provider": p2, "hours": 7,
                                          "completed_on": (done + dt.timedelta(days=60)).isoformat(),
                                          "discipline": cross})
    # the executive on every third team knows cloud pricing only by awareness: those teams miss finance
    skills.set_level(ws, person_ids["Oliver Grant"], skill_ids["Cloud pricing and forecasting"], 1,
                     (TODAY - dt.timedelta(days=30)).isoformat())


def _meetings(ws: Workspace, clock: FixedStepClock, codes: list[str], person_ids: dict[str, int]) -> None:
    """Quarterly meetings that take the initiatives through their gates, with votes, actions and lessons."""
    voting = [pid for (n, _d, role, _u), pid in zip(PEOPLE, person_ids.values(), strict=True)
              if role in ("chair", "member")]
    secretary = person_ids["Rosa Jiménez"]
    # the gates each initiative passes, in order
    path = {Stage.PROPOSED: [], Stage.PILOT: [Stage.PILOT], Stage.EXPAND: [Stage.PILOT, Stage.EXPAND],
            Stage.PRODUCTION: [Stage.PILOT, Stage.EXPAND, Stage.PRODUCTION]}
    plans: dict[str, list[Stage]] = {}
    for i, code in enumerate(codes):
        target = INITIATIVES[i][1]
        if target is Stage.RETIRED:
            plans[code] = [Stage.PILOT, Stage.EXPAND, Stage.PRODUCTION, Stage.RETIRED] if i == 9 else \
                [Stage.PILOT, Stage.RETIRED]
        else:
            plans[code] = list(path[target])
    meeting_days = [dt.date(2025, 1, 16), dt.date(2025, 4, 17), dt.date(2025, 7, 17), dt.date(2025, 10, 16),
                    dt.date(2026, 1, 15), dt.date(2026, 4, 16), dt.date(2026, 7, 16), dt.date(2026, 10, 15)]
    sent_back: set[str] = set()
    for k, day in enumerate(meeting_days):
        clock.now = _at(day, 9)
        mid = committee.create_meeting(ws, {"title": f"AI Governance Committee — Q{(day.month - 1) // 3 + 1} {day.year}",
                                            "location": "Room 4.12, Central Office (secure)"}, _at(day, 10))
        absent = voting[(k * 3) % len(voting)] if k % 3 == 1 else None
        committee.set_attendance(ws, mid, [p for p in voting if p != absent] + [secretary])
        slot = 0
        for idx, code in enumerate(codes):
            slack = (len(meeting_days) - k - 1) // 2 >= len(plans[code])
            if not plans[code] or ((idx + k) % 2 and slack):
                continue
            slot += 1
            decided = _at(day, 10) + dt.timedelta(minutes=8 * slot)  # items in agenda order, each in its turn
            clock.now = decided - dt.timedelta(minutes=5)
            stage = plans[code][0]
            item = committee.add_item(ws, mid, AgendaKind.STAGE_GATE, f"{code}: gate to {stage.label}",
                                      initiative_code=code, requested_decision=f"Approve the move to {stage.label}.",
                                      target_stage=stage)
            conflicted = voting[(idx + 2) % len(voting)] if idx % 4 == 2 else None
            if conflicted is not None and conflicted != absent:
                committee.declare_conflict(ws, item, conflicted, "Line manager of the initiative owner.")
            present = [p for p in voting if p != absent and p != conflicted]
            clock.now = decided
            did = _gate_decision(ws, item, code, stage, decided, present,
                                 may_send_back=code not in sent_back
                                 and len(meeting_days) - k - 1 >= len(plans[code]) + 1)
            if did is None:
                sent_back.add(code)
            else:
                initiatives.change_stage(ws, code, stage, decision_id=did, note=f"Gate decision {did}")
                plans[code].pop(0)
                lesson = LESSONS.get((idx, stage))
                if lesson:
                    category, what, recommendation = lesson
                    lessons.create(ws, code, {"stage": stage, "category": category, "what_happened": what,
                                              "recommendation": recommendation, "tags": list(INITIATIVES[idx][4]),
                                              "recorded_on": day.isoformat()})
            owner = voting[(idx + k) % len(voting)]
            committee.add_action(ws, f"{code}: report on gate conditions" if did is not None else
                                 f"{code}: bring the missing evidence back to the committee",
                                 initiative_code=code, owner_id=owner, due_on=day + dt.timedelta(days=45),
                                 decision_id=did)
        clock.now = _at(day, 12) - dt.timedelta(minutes=5)
        if k == len(meeting_days) - 1:
            _incident_hold(ws, mid, day, codes[0], voting, absent)
        review = committee.add_item(ws, mid, AgendaKind.REVIEW, "Quarterly portfolio review: KPIs, spend and risks",
                                    requested_decision="Note the portfolio report.")
        committee.record_decision(ws, review, Outcome.NOTED, votes={p: VoteChoice.FOR for p in voting if p != absent},
                                  rationale="Report noted; overruns referred to the FinOps office.",
                                  decided_at=_at(day, 12))
        committee.set_meeting_status(ws, mid, MeetingStatus.HELD)
        if k < len(meeting_days) - 1:
            committee.set_meeting_status(ws, mid, MeetingStatus.CLOSED)
    # close most old actions; recent ones stay open and some are overdue on the demo's "today"
    from sqlalchemy import select

    from opsdesk.store.models import ActionItem

    with ws.read() as s:
        actions = [(a.id, a.due_on) for a in s.scalars(select(ActionItem).order_by(ActionItem.id))]
    for aid, due in actions:
        if due and due < TODAY - dt.timedelta(days=120) and aid % 4:
            committee.set_action_status(ws, aid, "done")
    clock.now = _at(TODAY, 9)
    nxt = committee.create_meeting(ws, {"title": "AI Governance Committee — Q1 2027",
                                        "location": "Room 4.12, Central Office (secure)"}, _at(dt.date(2027, 1, 14), 10))
    # boards approve the last meeting's minutes first: the pack carries the draft
    committee.add_item(ws, nxt, AgendaKind.APPROVE_MINUTES, "Minutes of the Q4 2026 meeting")
    for i, code in enumerate(codes):
        if INITIATIVES[i][1] in (Stage.PROPOSED, Stage.PILOT) and i % 2 == 0:
            nxt_stage = Stage.PILOT if INITIATIVES[i][1] is Stage.PROPOSED else Stage.EXPAND
            committee.add_item(ws, nxt, AgendaKind.STAGE_GATE, f"{code}: gate to {nxt_stage.label}",
                               initiative_code=code, requested_decision=f"Approve the move to {nxt_stage.label}.",
                               target_stage=nxt_stage)
    committee.add_item(ws, nxt, AgendaKind.BUDGET, "FinOps: forecast overruns", requested_decision="Note.")



def _now(c: gates.Criterion) -> str:
    """Where a KPI stands (its note is "value; threshold")."""
    return c.note.split(";")[0]


def _criterion_text(c: gates.Criterion) -> str:
    """A criterion as a condition names it: a KPI or the budget with where it stands, others by name."""
    if c.group == "KPIs":
        return f"{c.name} out of red (now {_now(c)})"
    if c.group == "Budget":
        return f"spend back within budget (now {c.note})"
    return f"{c.group}: {c.name}"


def _gate_decision(ws: Workspace, item: int, code: str, stage: Stage, decided: dt.datetime, present: list[int],
                   *, may_send_back: bool) -> int | None:
    """The committee's decision follows the evidence of the day (the criteria the gate service shows): approved
    when every criterion is met; sent back once when a KPI is red or much is missing and a later meeting can
    still take it; otherwise approved with conditions naming what is not met. Returns the approving decision."""
    criteria = gates.criteria_as_of(ws, code, stage, decided)
    unmet = [c for c in criteria if c.met is False]
    red = [c for c in unmet if c.group == "KPIs"]
    if not unmet:
        return committee.record_decision(
            ws, item, Outcome.APPROVED, votes={p: VoteChoice.FOR for p in present},
            rationale=f"Gate criteria met: all {len(criteria)} criteria for {stage.label}; benefits case and risk "
                      "controls reviewed.", decided_at=decided)
    if may_send_back and (red or len(unmet) > 4):
        named = red or unmet
        votes = {p: (VoteChoice.AGAINST if j % 3 else VoteChoice.FOR) for j, p in enumerate(present)}
        committee.record_decision(
            ws, item, Outcome.DEFERRED, votes=votes,
            rationale=f"Sent back: {len(unmet)} of {len(criteria)} criteria not met"
                      + (f", red: {', '.join(f'{c.name} ({_now(c)})' for c in red)}" if red else
                         f" ({'; '.join(_criterion_text(c) for c in named[:4])})")
                      + ". The team returns with a recovery plan.", decided_at=decided)
        return None
    votes = {p: (VoteChoice.ABSTAIN if j == len(present) - 1 and red else VoteChoice.FOR)
             for j, p in enumerate(present)}
    first = red + [c for c in unmet if c not in red]
    return committee.record_decision(
        ws, item, Outcome.APPROVED_WITH_CONDITIONS, votes=votes,
        rationale=f"Approved on the benefits case with {len(unmet)} of {len(criteria)} criteria not yet met"
                  + (f"; red: {', '.join(c.name for c in red)}" if red else "") + ".",
        conditions="Within 90 days: " + "; ".join(_criterion_text(c) for c in first[:6])
                   + (f"; and {len(first) - 6} more" if len(first) > 6 else "") + ".",
        decided_at=decided)

# (initiative index, stage reached) -> (category, what happened, recommendation): what the team had learned by
# the gate that took it to that stage, each lesson its own
LESSONS: dict[tuple[int, Stage], tuple[str, str, str]] = {
    (0, Stage.PILOT): ("data", "Three years of case records held 14 different spellings of the same benefit "
                       "type; a month went on mapping them before any model could be trained.",
                       "Agree a reference list of case types with the records team before the pilot starts."),
    (0, Stage.EXPAND): ("people", "Caseworkers in the pilot office overrode the triage order less often once the "
                        "queue showed the three reasons behind each ranking.",
                        "Ship the explanation view with the first release to every office, not as a later add-on."),
    (0, Stage.PRODUCTION): ("risk", "Claims in Welsh and Polish were ranked lower than similar claims in English "
                            "until the fairness test was split by language.",
                            "Test fairness per language group, not only overall, before each release."),
    (1, Stage.PILOT): ("data", "Confirmed fraud cases were only 0.4 % of grants, too few to train on alone; the "
                       "investigators' notes on suspected cases had to be labelled by hand.",
                       "Budget investigator time for labelling in the pilot plan."),
    (1, Stage.EXPAND): ("cost", "The pilot's GPU training cluster ran idle over the Easter break and doubled "
                        "April's cloud bill.",
                        "Set budget alerts and automatic shutdown on every non-production cluster."),
    (1, Stage.PRODUCTION): ("operations", "A threshold change shipped without the release checklist held 140 "
                            "legitimate payments for a week.",
                            "Treat threshold changes as releases: same checklist, same sign-off."),
    (2, Stage.PILOT): ("delivery", "The FOI team's own categories did not match the records schedule, so the "
                       "classifier was first trained on the wrong labels.",
                       "Start from the retention schedule's categories and map the team's labels onto them."),
    (2, Stage.EXPAND): ("risk", "Reviewers accepted the 'release' label too readily on long documents in the "
                        "pilot; two exempt pages were nearly released.",
                        "Require a second reviewer for every 'release' label above 50 pages."),
    (3, Stage.PILOT): ("procurement", "The imagery vendor's licence allowed analysis but not storing derived "
                       "images, which the defect model needed for retraining.",
                       "Check the licence covers training and retention before buying data."),
    (3, Stage.EXPAND): ("model", "Rural roads were missing from the evaluation set; the model missed defects on "
                        "unlit single-track roads.",
                        "Stratify the evaluation set by road class before measuring accuracy."),
    (4, Stage.PILOT): ("risk", "Call recordings were kept for a year by default on the telephony platform, "
                       "longer than the retention schedule allows.",
                       "Set deletion on the source system before any analytics copy exists."),
    (5, Stage.PILOT): ("cost", "A team without a FinOps analyst left the fleet's telematics storage untagged for "
                       "two months; its cost sat in 'Unallocated'.",
                       "Name a finance member of the team and tag resources before the pilot gate."),
    (6, Stage.PILOT): ("people", "Citizens trusted translated letters more when each said a person had checked "
                       "it; the pilot added a reviewer's name to every letter.",
                       "Keep a named human reviewer on every translated letter with legal effect."),
    (9, Stage.PILOT): ("delivery", "The chatbot answered 60 % of test questions from the published guidance; the "
                       "rest needed an adviser, so the hand-over mattered more than the model.",
                       "Design the hand-over to a person first and measure it as a KPI."),
    (9, Stage.EXPAND): ("risk", "During the pilot the chatbot gave two confident answers citing withdrawn tax "
                        "guidance.",
                        "Index only current guidance and show the source and date of every answer."),
    (9, Stage.PRODUCTION): ("cost", "Token costs tracked the filing season: January's bill was five times "
                            "August's, and the annual budget was set on an average month.",
                            "Budget generative AI on the peak month and forecast it monthly."),
    (9, Stage.RETIRED): ("delivery", "Usage fell by two thirds once the new online tax account answered the same "
                         "questions directly; the chatbot no longer paid for itself.",
                         "Set a usage threshold below which a service is reviewed for retirement."),
    (10, Stage.PILOT): ("data", "Weather station feeds arrived in three time zones and two unit systems; "
                        "forecasts were off by a day until they were normalised.",
                        "Normalise time zones and units at ingestion with a schema check on every feed."),
    (10, Stage.EXPAND): ("model", "The forecast understated risk in terrain unlike the training regions; an "
                         "ensemble with the national fire-danger index corrected it.",
                         "Compare against an established index before extending to new regions."),
    (10, Stage.PRODUCTION): ("operations", "Fire-season demand tripled inference load in July and the spend "
                             "alert fired after the budget line was already exceeded.",
                             "Scale limits and spend alerts set from the previous season's peak."),
    (11, Stage.PILOT): ("data", "Hospitals reported bed counts at different times of day, so occupancy looked "
                        "lower at trusts that reported at midnight.",
                        "Agree one reporting time with the data providers before modelling."),
    (11, Stage.EXPAND): ("risk", "Planners used the forecast 8 weeks ahead although it was validated for 3.",
                         "Show the validated horizon on every forecast chart and export."),
    (13, Stage.PILOT): ("model", "Cloud cover hid the fields in 40 % of the satellite passes during the growing "
                        "season.", "Check data availability over a full season before approving a pilot."),
    (13, Stage.RETIRED): ("delivery", "The national statistics office began publishing yield estimates from its "
                          "own survey with better accuracy; our estimates were duplicate work.",
                          "Check who else publishes the same figure before starting, and again at each gate."),
}


AGENCY = ("DPS", "Department of Public Services")

# Per initiative (by position): the inventory record's answers. Initiatives 4, 7, 9, 11 and 12 keep realistic
# gaps (a vendor without a name, no ATO answer, unanswered demographics, no record at all, an impact assessment
# marked complete with no date, an ATO without its system name).
_HI_BLOCK = {
    "hi_testing_conducted": "Yes", "hi_assessment_completed": "Yes", "impact_assessment_date": "2025-03-14",
    "hi_potential_impacts": "Wrongly deprioritised claims could delay payments to vulnerable claimants; identified "
                            "in the AI impact assessment with the benefits policy team and a claimant panel.",
    "hi_independent_review": "Oversight Board Review", "hi_ongoing_monitoring": "Yes - Monitoring Established",
    "hi_training_established": "Training Established", "hi_failsafe_presence": "Yes",
    "hi_appeal_process": "Appeal Process Established", "hi_public_consultation": "Usability Testing, Public Hearings",
}
_LIVE = {"have_ato": "Yes", "has_custom_code": "Yes", "demographic_features": "None of the above",
         "contracting_usage": "In-house Development"}
DEMO_INVENTORY: dict[int, dict[str, object]] = {
    1: {"topic_area": "Government Benefits Processing", "ai_classification": "NLP", **_LIVE,
        "system_name_ato": "Benefits Case Management System", **_HI_BLOCK,
        "atrs.scope": "Orders incoming benefit claims for caseworkers; it never decides a claim.",
        "atrs.region": "England", "atrs.process_integration": "Caseworkers see the ranked queue and the reasons."},
    2: {"topic_area": "Procurement and Financial Management", "ai_classification": "Classical ML", **_LIVE,
        "system_name_ato": "Grants Payment Platform"},
    3: {"topic_area": "Administrative Functions", "ai_classification": "NLP", **_LIVE, "have_ato": "No"},
    4: {"topic_area": "Transportation", "ai_classification": "Computer Vision", "has_custom_code": "No",
        "demographic_features": "None of the above", "contracting_usage": "Vendor Purchased"},
    5: {"topic_area": "Service Delivery", "ai_classification": "NLP", **_LIVE, "have_ato": "No",
        "presumed_high_impact": True,
        "hi_justification": "Analytics inform coaching and service design only; no decision about a caller rests "
                            "on them."},
    6: {"topic_area": "Transportation", "ai_classification": "Classical ML", **_LIVE, "have_ato": "No"},
    7: {"topic_area": "Service Delivery", "ai_classification": "Generative AI", "have_ato": "No",
        "contracting_usage": "Contracting and In House", "vendor_name": "LinguaWorks Ltd"},
    8: {"topic_area": "Procurement and Financial Management", "ai_classification": "Classical ML"},
    10: {"topic_area": "Service Delivery", "ai_classification": "Generative AI"},
    11: {"topic_area": "Emergency Management", "ai_classification": "Classical ML", **_LIVE,
         "system_name_ato": "Wildfire Forecasting Service",
         **{k: v for k, v in _HI_BLOCK.items() if k not in ("impact_assessment_date", "hi_appeal_process")}},
    12: {"topic_area": "Health and Medical", "ai_classification": "Classical ML", **_LIVE},
    13: {"topic_area": "Procurement and Financial Management", "ai_classification": "Classical ML"},
    14: {"topic_area": "Science", "ai_classification": "Computer Vision"},
}
DEMO_COTS = (("Generating first drafts of documents, briefing, or communication materials using AI.", "Yes",
              "Microsoft 365 Copilot GCC", "101-1000"),
             ("Generating code using AI.", "Yes", "GitHub Copilot", "1-100"),
             ("Planning travel routes using AI-driven map applications.", "No", "", ""))


def _inventory(ws: Workspace, codes: list[str]) -> None:
    """Inventory records: agency, use case ids kept across years, and the answers above."""
    for i, code in enumerate(codes, start=1):
        answers = DEMO_INVENTORY.get(i)
        if answers is None:
            continue
        inventory.update_record(ws, code, {"agency": AGENCY[0], "agency_name": AGENCY[1],
                                           "use_case_id": f"DPS-{2024 + i % 2}-{i:03d}", "is_withheld": "No",
                                           **answers})
    inventory.set_cots_uses(ws, AGENCY[1], DEMO_COTS)


# --- risks, impact assessments and incidents -----------------------------------------------------------------------
# (initiative index, title, category, L, I, residual L, residual I, owner, treatment, accepted by, nist, kpi,
#  mitigations [(action, owner, due, status)])
RISKS = [
    (0, "Triage model under-serves claimants with limited English", "bias_and_fairness", 4, 4, 2, 4, "Hana Sato",
     "mitigate", "", ["MEASURE-2", "MAP-5"], "", [
         ("Fairness test per language group before each release", "Hana Sato", "2026-12-15", "in_progress"),
         ("Caseworker review of every low-confidence triage", "Priya Nair", "2026-06-30", "done")]),
    (0, "Drift after benefit rule changes degrades triage quality", "performance", 4, 3, 2, 3, "Farah Haddad",
     "mitigate", "", ["MEASURE-4", "MANAGE-4"], "Feature drift (PSI)", [
         ("Re-validate within 30 days of each policy change", "Farah Haddad", "2027-01-31", "planned")]),
    (0, "Claimant data exposed through the triage API", "privacy", 2, 5, 1, 5, "Chloé Martin", "mitigate", "",
     ["GOVERN-1", "MANAGE-2"], "", [("Penetration test of the triage API", "Ben Castillo", "2026-03-31", "done"),
                                    ("Quarterly access review", "Chloé Martin", "2027-02-28", "planned")]),
    (1, "False fraud flags delay legitimate grant payments", "bias_and_fairness", 3, 4, 2, 3, "Gustavo Pereira",
     "mitigate", "", ["MEASURE-2", "MANAGE-1"], "Model quality (F1)", [
         ("Human sign-off before any payment is held", "Laura Becker", "2025-09-30", "done"),
         ("Monthly false-positive review with grants team", "Gustavo Pereira", "2027-03-31", "in_progress")]),
    (1, "Fraud patterns shift and the model misses new schemes", "performance", 4, 4, 4, 3, "Ivan Petrov",
     "mitigate", "", ["MEASURE-4"], "Feature drift (PSI)", [
         ("Retrain on the latest confirmed cases every quarter", "Ivan Petrov", "2026-09-30", "planned")]),
    (2, "Sensitive FOI documents misclassified as releasable", "legal", 3, 5, 2, 4, "Samuel Otieno", "mitigate", "",
     ["MAP-1", "MANAGE-1"], "", [("Second reviewer for every 'release' label", "Samuel Otieno", "2026-12-31",
                                   "in_progress")]),
    (3, "Imagery vendor changes licence terms", "vendor", 3, 3, 3, 3, "Nadia Kowalski", "transfer", "",
     ["GOVERN-6"], "", [("Negotiate a fixed three-year licence", "Nadia Kowalski", "2027-03-31", "planned")]),
    (3, "Missed critical defects on rural roads", "safety", 2, 5, 2, 4, "Ben Castillo", "mitigate", "",
     ["MEASURE-2", "MANAGE-2"], "Model quality (F1)", [
         ("Add rural imagery to the evaluation set", "Esi Mensah", "2026-08-31", "done")]),
    (4, "Call recordings retained beyond the retention schedule", "privacy", 3, 4, 3, 4, "Chloé Martin",
     "mitigate", "", ["GOVERN-1", "MANAGE-2"], "", [
         ("Automatic deletion after 90 days", "Dmitri Volkov", "2026-09-30", "in_progress")]),
    (4, "Speech model misreads regional accents", "bias_and_fairness", 4, 3, 3, 3, "Hana Sato", "mitigate", "",
     ["MEASURE-2"], "", [("Accent-stratified accuracy test", "Hana Sato", "2027-01-31", "planned")]),
    (5, "Sensor feed outages stop maintenance predictions", "operational", 3, 2, 2, 2, "Dmitri Volkov", "accept",
     "Oliver Grant", ["MANAGE-3"], "Pipeline success rate", []),
    (6, "Translation errors change the meaning of a legal letter", "legal", 3, 5, 3, 4, "Samuel Otieno", "mitigate",
     "", ["MAP-1", "MEASURE-2"], "", [("Certified translator reviews every letter before it is sent",
                                       "Samuel Otieno", "2026-12-31", "in_progress")]),
    (7, "Procurement data quality too poor for anomaly detection", "performance", 4, 3, 4, 3, "Esi Mensah",
     "mitigate", "", ["MAP-2"], "", []),
    (10, "Forecast error understates wildfire risk in new terrain", "safety", 3, 5, 2, 5, "Farah Haddad", "mitigate",
     "", ["MEASURE-2", "MANAGE-1"], "Model quality (F1)", [
         ("Ensemble with the national fire-danger index", "Farah Haddad", "2026-05-31", "done"),
         ("Annual back-test against the fire season", "Ivan Petrov", "2027-02-28", "planned")]),
    (10, "Cloud spend overruns during fire season", "financial", 4, 2, 3, 2, "Kofi Asante", "mitigate", "",
     ["GOVERN-1"], "", [("Budget alerts and autoscaling limits", "Mohammed Rahimi", "2026-04-30",
                                          "done")]),
    (11, "Bed-demand forecasts used beyond their validated horizon", "operational", 3, 4, 3, 4, "Gustavo Pereira",
     "mitigate", "", ["MAP-3", "MANAGE-1"], "", [("Show the validated horizon on every forecast", "Hana Sato",
                                                  "2026-10-31", "planned")]),
    (12, "Matching rules pay a duplicate invoice", "financial", 2, 3, 1, 3, "Laura Becker", "mitigate", "",
     ["MANAGE-1"], "", [("Duplicate-payment check before release", "Laura Becker", "2027-02-28", "planned")]),
]

ASSESSMENT_TEXT = {
    "purpose": "Prioritise {name_l} so that urgent cases reach a person sooner; the model recommends, staff decide.",
    "affected_groups": "Members of the public whose cases are handled; caseworkers; groups protected by equality law.",
    "expected_benefits": "Shorter waiting times for urgent cases; consistent prioritisation across offices.",
    "potential_harms": "Wrong prioritisation delaying help; unequal error rates across groups; over-reliance.",
    "data_used": "Historical case records (3 years), case outcomes; no special-category data as model input.",
    "demographic_features": "Age band and language used for fairness testing only, not as model inputs.",
    "testing": "Hold-out evaluation, fairness tests per age band and language, a 12-week shadow pilot.",
    "test_results": "F1 0.86 on hold-out; largest gap between groups 3 points, within the agreed 5-point limit.",
    "human_oversight": "Every recommendation is reviewed by a caseworker who can override it; overrides are logged.",
    "appeal": "People may ask for a review by a senior caseworker through the standard complaints route.",
    "monitoring_plan": "Weekly drift and quality report; quarterly fairness re-test; incidents to the committee.",
    "conclusion": "Proceed with human review of every case and the monitoring plan above.",
}
# initiative index -> versions: (assessor, approver, approved on, review by or None, conclusion change)
ASSESSMENTS: dict[int, list[tuple[str, str, str, str | None, str]]] = {
    0: [("Jade Thompson", "Oliver Grant", "2025-01-10", None, ""),
        ("Jade Thompson", "Priya Nair", "2026-01-20", "2027-01-20",
         "Proceed; after a year in production the fairness gap stays within limits. Re-assess after rule changes.")],
    9: [("Jade Thompson", "Oliver Grant", "2025-02-05", None, "")],
    10: [("Jade Thompson", "Priya Nair", "2025-05-02", "2026-05-02", "")],
}
# initiative index, title, occurred, detected, severity, status, what happened, affected, count, root cause,
# reportable to, reported on, resolved on, corrective actions [(title, owner, due, status)]
INCIDENTS = [
    (1, "Fraud flags held 140 legitimate payments for a week", "2025-08-04", "2025-08-06", 3, "closed",
     "A threshold change released with a model update flagged too many small grants as suspicious.",
     "Grant recipients whose payments were held", 140, "The threshold change skipped the release checklist.",
     "", "", "2025-08-13", [("Add threshold changes to the release checklist", "Gustavo Pereira", "2025-09-15",
                              "done")]),
    (4, "Call transcripts with personal data written to a shared test folder", "2026-03-02", "2026-03-03", 2,
     "closed", "A pipeline misconfiguration copied 2,300 transcripts into a folder readable by the test team.",
     "Callers whose transcripts were copied", 2300, "The test environment reused the production storage role.",
     "Information Commissioner's Office", "2026-03-05", "2026-03-09",
     [("Separate storage roles for test and production", "Dmitri Volkov", "2026-04-30", "done")]),
    (10, "Forecast feed stalled for 18 hours during a heatwave", "2026-07-21", "2026-07-21", 3, "resolved",
     "An upstream weather feed changed format; forecasts were not refreshed overnight.",
     "Fire services relying on the morning forecast", None, "No schema check on the weather feed.", "", "",
     "2026-07-22", [("Schema check on the weather feed", "Ben Castillo", "2026-09-30", "done")]),
    (6, "Letter translated with a reversed deadline", "2026-11-20", "2026-11-24", 4, "open",
     "A translated letter gave the appeal deadline as 13 December instead of 31 December.",
     "One citizen", 1, "", "", "", "", []),
]


def _risk_register(ws: Workspace, clock: FixedStepClock, codes: list[str]) -> None:
    """Realistic risks with mitigations and an impact assessment for every high-impact initiative, drawn up as
    the portfolio was registered (so the gates that follow are judged on them)."""
    clock.now = _at(START + dt.timedelta(days=10), 9)
    for idx, title, cat, li, im, rl, ri, owner, treatment, accepted, nist, kpi, mits in RISKS:
        risk_register.create(ws, codes[idx], {
            "title": title, "category": cat, "likelihood": li, "impact": im, "residual_likelihood": rl,
            "residual_impact": ri, "owner": owner, "treatment": treatment, "accepted_by": accepted, "nist": nist,
            "trigger_series": kpi, "review_on": (TODAY + dt.timedelta(days=30 + 15 * idx)).isoformat(),
            "description": f"{title}. Identified when the initiative was registered; reviewed at each gate."},
            [{"action": a, "owner": o, "due_on": d, "status": st} for a, o, d, st in mits])
    for idx, versions in ASSESSMENTS.items():
        name_l = INITIATIVES[idx][0].lower()
        for assessor, approver, approved, review_by, conclusion in versions:
            texts = {k: v.format(name_l=name_l) for k, v in ASSESSMENT_TEXT.items()}
            if conclusion:
                texts["conclusion"] = conclusion
            a = risk_assessments.new_version(ws, codes[idx], {**texts, "assessor": assessor})
            risk_assessments.approve(ws, a.id, approver, dt.date.fromisoformat(approved),
                                     dt.date.fromisoformat(review_by) if review_by else None)


def _incidents(ws: Workspace, clock: FixedStepClock, codes: list[str]) -> None:
    """The incidents of the two years and their corrective actions, recorded when the register was last updated."""
    clock.now = _at(TODAY - dt.timedelta(days=20), 9)
    for (idx, title, occurred, detected, sev, status, what, affected, count, cause, report_to, reported, resolved,
         acts) in INCIDENTS:
        x = risk_incidents.create(ws, codes[idx], {
            "title": title, "occurred_on": occurred, "detected_on": detected, "severity": sev, "status": status,
            "description": what, "affected": affected, "affected_count": count, "root_cause": cause,
            "reportable": bool(report_to), "report_to": report_to, "reported_on": reported or None,
            "resolved_on": resolved or None})
        for a_title, owner, due, a_status in acts:
            aid = risk_incidents.add_corrective_action(ws, x.id, a_title, owner=owner,
                                                       due_on=dt.date.fromisoformat(due))
            if a_status != "open":
                committee.set_action_status(ws, aid, a_status)


def _incident_hold(ws: Workspace, mid: int, day: dt.date, code: str, voting: list[int], absent: int | None) -> None:
    """A serious incident on a production initiative, and the committee's decision to hold its automated use."""
    x = risk_incidents.create(ws, code, {
        "title": "Triage ranked urgent hardship claims as routine after a rule change",
        "occurred_on": (day - dt.timedelta(days=16)).isoformat(), "detected_on": (day - dt.timedelta(days=12)).isoformat(),
        "severity": 2, "status": "contained",
        "description": "After the October benefit rule change, the model ranked 310 urgent hardship claims as "
                       "routine; caseworkers noticed a backlog of urgent cases.",
        "affected": "Claimants in financial hardship whose claims waited longer", "affected_count": 310,
        "root_cause": "Not yet confirmed: new rule codes were unseen in training (suspected).",
        "reportable": True, "report_to": "Department's Chief AI Officer (OMB M-25-21 high-impact reporting)",
        "reported_on": (day - dt.timedelta(days=10)).isoformat()})
    item = committee.add_item(ws, mid, AgendaKind.REVIEW, f"{code}: incident {x.ref} — hold automated triage",
                              initiative_code=code,
                              requested_decision="Hold automated triage until the corrective actions are done.")
    did = committee.record_decision(
        ws, item, Outcome.APPROVED, votes={p: VoteChoice.FOR for p in voting if p != absent},
        rationale=f"Incident {x.ref} (severity 2): automated triage is on hold; every claim goes to a caseworker "
                  "in date order until the model is re-validated on the new rules.",
        conditions="", decided_at=_at(day, 11))
    for title, owner, due in (("Re-validate the triage model on the new rule codes", "Farah Haddad", 45),
                              ("Review every claim triaged since the rule change", "Priya Nair", 20)):
        risk_incidents.add_corrective_action(ws, x.id, title, owner=owner, due_on=day + dt.timedelta(days=due),
                                             decision_id=did)
