"""The create/edit form of an initiative and the undoable service calls behind it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any

from opsdesk.domain.enums import Discipline, RiskTier, TeamRole
from opsdesk.services.registry import initiatives
from opsdesk.services.workspace import Workspace
from opsdesk.ui.dialogs.record_form import CrossCheck, FormField, RecordForm, enum_choices, text_of
from opsdesk.ui.dialogs.team import Candidate, TeamEditor
from opsdesk.ui.dialogs.weights import WeightsEditor


def form_fields(scheme: Sequence[str]) -> list[FormField]:
    return [
        FormField("code", "Code", placeholder="AI-0001"),
        FormField("name", "Name"),
        FormField("owner", "Owner"),
        FormField("sponsor", "Sponsor"),
        FormField("risk_tier", "Risk tier", "choice", enum_choices(RiskTier)),
        FormField("classification", "Classification", "choice", [(m, m) for m in scheme]),
        FormField("budget", "Budget", placeholder="0"),
        FormField("currency", "Currency", placeholder="USD", required=True),
        FormField("cost_centre", "Cost centre"),
        FormField("start_date", "Start date", placeholder="YYYY-MM-DD"),
        FormField("end_date", "End date", placeholder="YYYY-MM-DD"),
        FormField("disciplines", "Disciplines", placeholder="data, ml, finance"),
        FormField("tags", "Tags", placeholder="comma-separated"),
        FormField("problem", "Problem", "text"),
        FormField("expected_benefits", "Expected benefits", "text"),
        FormField("outputs", "Outputs", "text"),
    ]


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text.strip()) if text.strip() else None
    except ValueError:
        return None


def cross_check(taken_codes: Collection[str], scheme: Sequence[str]) -> CrossCheck:
    """Rules over several fields or other records: unique code, dates in order, currency with the budget."""

    def check(raw: dict[str, Any]) -> dict[str, str]:
        found: dict[str, str] = {}
        code = str(raw.get("code", "")).strip()
        if code and code in taken_codes:
            found["code"] = f"{code} is already used by another initiative"
        start, end = _date(str(raw.get("start_date", ""))), _date(str(raw.get("end_date", "")))
        if start and end and end < start:
            found["end_date"] = "must not be before the start date"
        if not str(raw.get("currency", "")).strip():
            found["currency"] = "a budget needs its currency (e.g. USD)"
        marking = raw.get("classification")
        if marking and marking not in scheme:
            found["classification"] = f"not one of {', '.join(scheme)}"
        for d in str(raw.get("disciplines", "")).split(","):
            if d.strip():
                try:
                    Discipline.parse(d.strip())
                except ValueError as exc:
                    found["disciplines"] = str(exc)
                    break
        return found

    return check


class InitiativeForm(RecordForm):
    """The initiative's fields, and below them the objectives it serves with their weights and its team."""

    weights: WeightsEditor
    team: TeamEditor


def initiative_form(parent: Any, *, scheme: Sequence[str], taken_codes: Collection[str],
                    objectives: Sequence[tuple[str, str]] = (), people: Sequence[Candidate] = (),
                    detail: initiatives.InitiativeDetail | None = None, suggested_code: str = "") -> InitiativeForm:
    if detail is None:
        values: dict[str, Any] = {"code": suggested_code, "currency": "USD", "budget": "0",
                                  "classification": scheme[0] if scheme else "OFFICIAL", "risk_tier": "low"}
        title = "New initiative"
    else:
        values = {f.name: getattr(detail, f.name) for f in form_fields(scheme)}
        title = f"Edit {detail.code}"
    form = InitiativeForm(title, initiatives.SCHEMA, form_fields(scheme), values,
                          cross_check=cross_check(set(taken_codes) - ({detail.code} if detail else set()), scheme),
                          parent=parent)
    form.weights = WeightsEditor(objectives, weights_of(detail), form)
    form.add_section("Objectives served", form.weights)
    team = team_of(detail)
    # people no longer active stay listed while they are on this team
    shown = list(people) + [Candidate(m.person_id, m.name, m.discipline.label) for m in (detail.team if detail else [])
                            if m.person_id not in {p.person_id for p in people}]
    shown.sort(key=lambda c: (c.person_id not in team, c.name.casefold()))  # the team first
    form.team = TeamEditor(shown, team, form)
    form.add_section("Team", form.team)
    return form


def team_of(detail: initiatives.InitiativeDetail | None) -> dict[int, TeamRole]:
    return {m.person_id: m.role for m in detail.team} if detail else {}


def weights_of(detail: initiatives.InitiativeDetail | None) -> dict[str, Decimal]:
    return {code: weight for code, _title, weight in detail.objectives} if detail else {}


def before_values(detail: initiatives.InitiativeDetail, keys: Collection[str]) -> dict[str, str]:
    """The values an update replaces, as form text, so undo can put them back through the same service."""
    return {k: text_of(getattr(detail, k)) for k in keys}


def recreate(ws: Workspace, detail: initiatives.InitiativeDetail) -> initiatives.InitiativeDetail:
    """Undo of a delete: register the initiative again with its fields, objectives and team."""
    values = {f.name: getattr(detail, f.name) for f in initiatives.SCHEMA}
    return initiatives.create(ws, values, objectives={c: w for c, _t, w in detail.objectives},
                              team={m.person_id: m.role for m in detail.team})
