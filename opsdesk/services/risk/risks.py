"""The risk register: risks per initiative (optionally about one of its models or data assets) with their
mitigations, inherent and residual ratings, review date, NIST AI RMF references and an optional KPI trigger."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from opsdesk import paths
from opsdesk.analytics import risk_register
from opsdesk.domain.enums import Stage
from opsdesk.domain.risk import (
    MitigationStatus,
    Rating,
    RiskCategory,
    RiskStatus,
    Treatment,
    rating,
)
from opsdesk.domain.validation import Field, clean
from opsdesk.errors import ValidationError
from opsdesk.store import audit, records
from opsdesk.store.models import DataAsset, Initiative, MetricSeries, Mitigation, Model, Person, Risk
from opsdesk.store.workspace import Tx, Workspace

ENTITY = "risk"
MITIGATION = "mitigation"
TRIGGER_LEVELS = ("red", "amber")


def _scale(name: str, required: bool = True) -> Field:
    return Field(name, kind="int", required=required, minimum=1, maximum=5)


SCHEMA = (
    Field("title", required=True, max_len=200),
    Field("description", kind="text"),
    Field("category", kind="enum", enum=RiskCategory, required=True),
    _scale("likelihood"),
    _scale("impact"),
    _scale("residual_likelihood", required=False),
    _scale("residual_impact", required=False),
    Field("owner", max_len=320),  # e-mail or name of a person
    Field("treatment", kind="enum", enum=Treatment, default=Treatment.MITIGATE),
    Field("accepted_by", max_len=320),
    Field("review_on", kind="date"),
    Field("nist", kind="list"),
    Field("model", max_len=400),  # "name" or "name:version"
    Field("data_asset", max_len=300),
    Field("trigger_series", max_len=400),  # the KPI's series name
    Field("trigger_level", checks=(lambda v: None if v in TRIGGER_LEVELS else "is red or amber",), default="red"),
    Field("status", kind="enum", enum=RiskStatus, default=RiskStatus.OPEN),
)
MITIGATION_SCHEMA = (
    Field("action", kind="text", required=True),
    Field("owner", max_len=320),
    Field("due_on", kind="date"),
    Field("status", kind="enum", enum=MitigationStatus, default=MitigationStatus.PLANNED),
)


@dataclass(frozen=True)
class MitigationDTO:
    action: str
    owner: str
    due_on: dt.date | None
    status: MitigationStatus


@dataclass(frozen=True)
class RiskDTO:
    id: int
    ref: str
    number: int
    initiative_code: str
    stage: Stage
    title: str
    description: str
    category: RiskCategory
    likelihood: int
    impact: int
    residual_likelihood: int | None
    residual_impact: int | None
    inherent: Rating
    residual: Rating
    owner: str
    treatment: Treatment
    accepted_by: str
    treated: bool
    treatment_note: str
    review_on: dt.date | None
    nist: list[str]
    model: str
    data_asset: str
    trigger_series: str
    trigger_level: str
    raised: str
    status: RiskStatus
    mitigations: list[MitigationDTO] = field(default_factory=list)
    residual_score: tuple[int, int] = (0, 0)  # the residual (likelihood, impact) the rating is read from

    @property
    def untreated_high(self) -> bool:
        return self.status is RiskStatus.OPEN and self.residual in (Rating.HIGH, Rating.CRITICAL) and not self.treated

    def values(self) -> dict[str, Any]:
        """The record as :func:`create` takes it (what an undo of a delete sends back)."""
        return {"title": self.title, "description": self.description, "category": self.category.value,
                "likelihood": self.likelihood, "impact": self.impact,
                "residual_likelihood": self.residual_likelihood, "residual_impact": self.residual_impact,
                "owner": self.owner, "treatment": self.treatment.value, "accepted_by": self.accepted_by,
                "review_on": self.review_on, "nist": list(self.nist), "model": self.model,
                "data_asset": self.data_asset, "trigger_series": self.trigger_series,
                "trigger_level": self.trigger_level, "status": self.status.value}

    def mitigation_values(self) -> list[dict[str, Any]]:
        return [{"action": m.action, "owner": m.owner, "due_on": m.due_on, "status": m.status.value}
                for m in self.mitigations]


# --- NIST AI RMF references --------------------------------------------------------------------------------------

@cache
def nist_codes() -> dict[str, str]:
    """The NIST AI RMF 1.0 categories of the starter library (``MAP-1`` … ``MANAGE-4``) with their text."""
    path = paths.resources_dir() / "standards" / "nist-ai-rmf-1.0.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {r["code"]: r["text"] for r in data["requirements"]}


def nist_list(values: list[str]) -> list[str]:
    known = nist_codes()
    out = []
    for v in values:
        code = v.strip().upper().replace(" ", "-").replace(".", "-")
        if code not in known:
            raise ValidationError("nist", f"'{v}' is not a NIST AI RMF category of the starter library "
                                          f"(e.g. MAP-1, MEASURE-2, MANAGE-1)", entity=ENTITY)
        if code not in out:
            out.append(code)
    return out


# --- resolving names to records -----------------------------------------------------------------------------------

def find_person(session: Session, text: str, field_name: str, entity: str = ENTITY) -> int | None:
    if not text.strip():
        return None
    t = text.strip().lower()
    pid = session.scalar(select(Person.id).where(func.lower(Person.email) == t))
    if pid is None:
        ids = list(session.scalars(select(Person.id).where(func.lower(Person.name) == t)))
        if len(ids) > 1:
            raise ValidationError(field_name, f"more than one person is called '{text}'; give the e-mail",
                                  entity=entity)
        pid = ids[0] if ids else None
    if pid is None:
        raise ValidationError(field_name, f"no person '{text}' in the people register (name or e-mail)",
                              entity=entity)
    return pid


def find_model(session: Session, init: Initiative, text: str, entity: str = ENTITY) -> int | None:
    if not text.strip():
        return None
    name, _, version = text.strip().partition(":")
    stmt = select(Model).where(Model.name == name)
    if version:
        stmt = stmt.where(Model.version_label == version)
    found = list(session.scalars(stmt.order_by(Model.id)))
    mine = [m for m in found if m.initiative_id == init.id] or found
    if not mine:
        raise ValidationError("model", f"no model '{text}' in the register", entity=entity)
    return mine[-1].id


def find_asset(session: Session, text: str) -> int | None:
    if not text.strip():
        return None
    aid = session.scalar(select(DataAsset.id).where(DataAsset.name == text.strip()))
    if aid is None:
        raise ValidationError("data_asset", f"no data asset '{text}' in the register", entity=ENTITY)
    return aid


def find_series(session: Session, init: Initiative, text: str) -> int | None:
    if not text.strip():
        return None
    sid = session.scalar(select(MetricSeries.id).where(MetricSeries.initiative_id == init.id,
                                                       func.lower(MetricSeries.name) == text.strip().lower()))
    if sid is None:
        raise ValidationError("trigger_series", f"{init.code} has no KPI series '{text}'", entity=ENTITY)
    if session.scalar(select(MetricSeries.green_threshold).where(MetricSeries.id == sid)) is None:
        raise ValidationError("trigger_series", f"'{text}' has no threshold to trigger on", entity=ENTITY)
    return sid


def _columns(session: Session, init: Initiative, cleaned: Mapping[str, Any]) -> dict[str, Any]:
    """Service values (names, e-mails, codes) to column values (ids), checking the rules across fields."""
    out: dict[str, Any] = {}
    for name, value in cleaned.items():
        if name == "owner":
            out["owner_id"] = find_person(session, value, "owner")
        elif name == "accepted_by":
            out["accepted_by_id"] = find_person(session, value, "accepted_by")
        elif name == "model":
            out["model_id"] = find_model(session, init, value)
        elif name == "data_asset":
            out["data_asset_id"] = find_asset(session, value)
        elif name == "trigger_series":
            out["trigger_series_id"] = find_series(session, init, value)
        elif name == "nist":
            out["nist"] = nist_list(value)
        else:
            out[name] = value
    return out


def _check(r: Risk) -> None:
    if (r.residual_likelihood is None) != (r.residual_impact is None):
        raise ValidationError("residual_impact", "give both residual likelihood and impact, or neither",
                              entity=ENTITY)
    if r.residual_likelihood is not None and r.residual_impact is not None \
            and r.residual_likelihood * r.residual_impact > r.likelihood * r.impact:
        raise ValidationError("residual_likelihood", "the residual rating cannot exceed the inherent one "
                                                     f"({r.likelihood}×{r.impact})", entity=ENTITY)
    if r.treatment is Treatment.ACCEPT and r.accepted_by_id is None:
        raise ValidationError("accepted_by", "an accepted risk names who accepted it", entity=ENTITY)


def _set_mitigations(tx: Tx, risk: Risk, items: Sequence[Mapping[str, Any]], note: str = "") -> None:
    """Replace the risk's mitigations, auditing each row that is added, changed or removed."""
    cleaned = []
    for n, item in enumerate(items, start=1):
        try:
            c = clean(MITIGATION_SCHEMA, item)
            c["owner_id"] = find_person(tx.session, c.pop("owner"), "owner", MITIGATION)
        except ValidationError as exc:
            raise ValidationError(f"mitigations[{n}].{exc.field}", exc.reason, entity=ENTITY) from None
        cleaned.append(c)
    existing = {m.position: m for m in risk.mitigations}
    for pos, c in enumerate(cleaned, start=1):
        m = existing.pop(pos, None)
        if m is None:
            tx.add(Mitigation(risk_id=risk.id, position=pos, **c), MITIGATION, note=note)
        else:
            tx.update(m, MITIGATION, c, note=note)
    for m in existing.values():
        risk.mitigations.remove(m)
        tx.delete(m, MITIGATION, note=note)
    tx.session.flush()
    tx.session.refresh(risk)


def _initiative(session: Session, code: str) -> Initiative:
    return records.get_by(session, Initiative, "initiative", code=code)


# --- user actions ---------------------------------------------------------------------------------------------------

def create(ws: Workspace, initiative_code: str, values: Mapping[str, Any],
           mitigations: Sequence[Mapping[str, Any]] = (), *, number: int | None = None) -> RiskDTO:
    """Add a risk to an initiative's register. ``number`` keeps a reference (an undo of a delete puts it back)."""
    with ws.write() as tx:
        r = create_tx(tx, initiative_code, values, mitigations, number=number)
        return _dto(tx.session, r, ws.clock().date())


def create_tx(tx: Tx, initiative_code: str, values: Mapping[str, Any],
              mitigations: Sequence[Mapping[str, Any]] = (), *, number: int | None = None,
              batch_id: int | None = None, note: str = "") -> Risk:
    init = _initiative(tx.session, initiative_code)
    cleaned = _columns(tx.session, init, clean(SCHEMA, values))
    taken = set(tx.session.scalars(select(Risk.number).where(Risk.initiative_id == init.id)))
    if number is not None and number in taken:
        raise ValidationError("number", f"{risk_register.risk_ref(init.code, number)} already exists", entity=ENTITY)
    r = Risk(initiative_id=init.id, number=number or max(taken, default=0) + 1, batch_id=batch_id, **cleaned)
    _check(r)
    tx.add(r, ENTITY, risk_register.risk_ref(init.code, r.number), note=note)
    _set_mitigations(tx, r, mitigations, note)
    return r


def update(ws: Workspace, risk_id: int, changes: Mapping[str, Any],
           mitigations: Sequence[Mapping[str, Any]] | None = None) -> RiskDTO:
    """Change fields of a risk; ``mitigations`` (when given) replaces its list of mitigations."""
    with ws.write() as tx:
        r = update_tx(tx, records.get_by(tx.session, Risk, ENTITY, id=risk_id), changes, mitigations)
        return _dto(tx.session, r, ws.clock().date())


def update_tx(tx: Tx, r: Risk, changes: Mapping[str, Any], mitigations: Sequence[Mapping[str, Any]] | None = None,
              note: str = "") -> Risk:
    init = tx.session.get(Initiative, r.initiative_id)
    assert init is not None
    cleaned = _columns(tx.session, init, clean(SCHEMA, changes, partial=True))
    ref = risk_register.risk_ref(init.code, r.number)
    tx.update(r, ENTITY, cleaned, ref, note=note)
    _check(r)
    if mitigations is not None:
        _set_mitigations(tx, r, mitigations, note)
    return r


def delete(ws: Workspace, risk_id: int) -> None:
    with ws.write() as tx:
        r = records.get_by(tx.session, Risk, ENTITY, id=risk_id)
        code = tx.session.scalar(select(Initiative.code).where(Initiative.id == r.initiative_id))
        for m in r.mitigations:  # they go with the risk (cascade); each is audited as it goes
            tx.audit("delete", MITIGATION, m.id, audit.snapshot(m), None)
        tx.delete(r, ENTITY, risk_register.risk_ref(code or "", r.number))


def find(ws: Workspace, ref: str) -> RiskDTO:
    """A risk by its reference (``AI-0003-R2``) or id."""
    with ws.read() as s:
        return _dto(s, _by_ref(s, ref), ws.clock().date())


def _by_ref(session: Session, ref: str) -> Risk:
    text = ref.strip()
    if text.isdigit():
        return records.get_by(session, Risk, ENTITY, id=int(text))
    code, sep, number = text.upper().rpartition("-R")
    if not sep or not number.isdigit():
        raise ValidationError("ref", f"'{ref}' is not a risk reference such as AI-0003-R2", entity=ENTITY)
    init = _initiative(session, code)
    r = session.scalar(select(Risk).where(Risk.initiative_id == init.id, Risk.number == int(number)))
    if r is None:
        raise ValidationError("ref", f"there is no risk {text}", entity=ENTITY)
    return r


def id_of(ws: Workspace, ref: str) -> int:
    with ws.read() as s:
        return _by_ref(s, ref).id


# --- reading ------------------------------------------------------------------------------------------------------

def _dto(session: Session, r: Risk, today: dt.date,
         facts: Mapping[int, risk_register.RiskFacts] | None = None) -> RiskDTO:
    f = (facts or {}).get(r.id) or risk_register.risk_facts(session, today, [r.initiative_id], risk_ids=[r.id])[0]
    people = _people(session)
    model = session.get(Model, r.model_id) if r.model_id else None
    asset = session.get(DataAsset, r.data_asset_id) if r.data_asset_id else None
    series = session.get(MetricSeries, r.trigger_series_id) if r.trigger_series_id else None
    return RiskDTO(
        r.id, f.ref, r.number, f.initiative_code, f.stage, r.title, r.description, r.category, r.likelihood,
        r.impact, r.residual_likelihood, r.residual_impact, f.inherent, f.residual, people.get(r.owner_id, ""),
        r.treatment, people.get(r.accepted_by_id, ""), f.treated, f.treatment_note, r.review_on, list(r.nist or []),
        f"{model.name}:{model.version_label}" if model else "", asset.name if asset else "",
        series.name if series else "", r.trigger_level, f.raised, r.status,
        [MitigationDTO(m.action, people.get(m.owner_id, ""), m.due_on, m.status) for m in r.mitigations],
        (f.residual_likelihood, f.residual_impact))


def _people(session: Session) -> dict[int | None, str]:
    return dict(session.execute(select(Person.id, Person.email)).all())


def list_risks(ws: Workspace, *, initiative_code: str | None = None, category: RiskCategory | str | None = None,
               residual: Rating | str | None = None, status: RiskStatus | str | None = None,
               as_of: dt.date | None = None) -> list[RiskDTO]:
    today = as_of or ws.clock().date()
    with ws.read() as s:
        ids = None
        if initiative_code:
            ids = [_initiative(s, initiative_code).id]
        facts = {f.id: f for f in risk_register.risk_facts(s, today, ids)}
        stmt = select(Risk).where(Risk.id.in_(list(facts)))
        out = [_dto(s, r, today, facts) for r in s.scalars(stmt)]
    if category:
        cat = RiskCategory.parse(category)
        out = [r for r in out if r.category is cat]
    if residual:
        want = Rating.parse(residual)
        out = [r for r in out if r.residual is want]
    if status:
        st = RiskStatus.parse(status)
        out = [r for r in out if r.status is st]
    return sorted(out, key=lambda r: (r.initiative_code, r.number))


def heat_maps(risks: Sequence[RiskDTO]) -> tuple[list[list[int]], list[list[int]]]:
    """(inherent, residual) counts of open risks, ``grid[impact - 1][likelihood - 1]``."""
    inherent = [[0] * 5 for _ in range(5)]
    residual = [[0] * 5 for _ in range(5)]
    for r in risks:
        if r.status is not RiskStatus.OPEN:
            continue
        inherent[r.impact - 1][r.likelihood - 1] += 1
        rl, ri = r.residual_score
        residual[ri - 1][rl - 1] += 1
    return inherent, residual


def rated(likelihood: int, impact: int) -> Rating:
    return rating(likelihood, impact)
