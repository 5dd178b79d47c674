"""The demo workspace is realistic, complete and deterministic."""

from __future__ import annotations

import sqlite3
from collections import Counter

import numpy as np
import pytest

from opsdesk.domain.enums import CommitteeRole, Discipline, OpsDiscipline, RiskTier, Stage
from opsdesk.errors import WorkspaceError
from opsdesk.services import demo
from opsdesk.services.committee import meetings
from opsdesk.services.finance import costs
from opsdesk.services.registry import initiatives, lessons, metadata, metrics, objectives, people
from opsdesk.services.standards import catalog, conformance, skills
from opsdesk.store import audit


def test_demo_covers_the_whole_record(demo_ws):
    rows = initiatives.list_rows(demo_ws)
    assert len(rows) >= 12
    assert {r.stage for r in rows} == set(Stage)
    assert {r.risk_tier for r in rows} == set(RiskTier)
    assert len(objectives.list_all(demo_ws)) >= 4
    ppl = people.list_all(demo_ws)
    assert len(ppl) >= 16
    assert {Discipline.DATA, Discipline.ML, Discipline.FINANCE, Discipline.EXECUTIVE} <= {p.discipline for p in ppl}
    assert {CommitteeRole.CHAIR, CommitteeRole.MEMBER, CommitteeRole.SECRETARY} <= {p.committee_role for p in ppl}
    edges = metadata.lineage_graph(demo_ws)
    kinds = {(e.source.kind.value, e.target.kind.value) for e in edges}
    assert {("data_asset", "model"), ("model", "initiative")} <= kinds
    assert len(catalog.list_standards(demo_ws)) >= 3
    statuses = {c.status for c in conformance.list_conformance(demo_ws)}
    assert len(statuses) >= 3
    held = [m for m in meetings.list_meetings(demo_ws) if m.status.value in ("held", "closed")]
    assert len(held) >= 3
    assert any(i.decision and i.decision.votes for m in held for i in m.items)
    assert lessons.list_all(demo_ws)
    assert skills.list_training(demo_ws)
    totals = costs.totals_by_initiative(demo_ws)
    assert "unallocated" in totals and totals["unallocated"]["USD"] > 0
    assert audit.verify(demo_ws).ok


def test_every_initiative_has_two_years_of_daily_series_in_three_disciplines(demo_ws):
    for row in initiatives.list_rows(demo_ws)[:3]:
        series = metrics.list_series(demo_ws, row.code)
        assert len(series) >= 8
        assert {s.discipline for s in series} == set(OpsDiscipline)
        ts, values = metrics.points(demo_ws, series[0].id)
        assert len(ts) == 730 and np.all(np.diff(ts) == 86400)
        assert np.std(values) > 0


def test_demo_has_real_signal_not_white_noise(demo_ws):
    code = initiatives.list_rows(demo_ws)[1].code  # AI-0002 drifts
    by_name = {s.name: s for s in metrics.list_series(demo_ws, code)}
    _ts, drift = metrics.points(demo_ws, by_name["Feature drift (PSI)"].id)
    assert drift[550:600].mean() > drift[:300].mean() + 0.1
    _ts, success = metrics.points(demo_ws, by_name["Pipeline success rate"].id)
    assert success.min() < 80 < np.median(success)  # outages
    rows = {r.code: r for r in initiatives.list_rows(demo_ws)}
    assert rows[code].spend_to_date > rows[code].budget  # a budget overrun


# Two builds are two workspaces: each has its own identity and signs its audit head with its own key.
_OWN = ('INSERT INTO "workspace_identity"', 'INSERT INTO "audit_checkpoint"')


def _dump(path):
    with sqlite3.connect(path) as conn:
        out = [line for line in conn.iterdump() if not line.startswith(_OWN)]
    conn.close()
    return out


def test_same_command_twice_gives_identical_content(demo_file, tmp_path):
    again = demo.build(tmp_path / "again.opsdesk")
    assert _dump(again) == _dump(demo_file)


def test_refuses_to_overwrite_without_force(demo_path):
    with pytest.raises(WorkspaceError, match="already exists"):
        demo.build(demo_path)
    demo.build(demo_path, force=True)


def test_people_counts_per_discipline(demo_ws):
    counts = Counter(p.discipline for p in people.list_all(demo_ws))
    assert all(counts[d] >= 3 for d in (Discipline.DATA, Discipline.ML, Discipline.FINANCE, Discipline.EXECUTIVE))


def test_every_lesson_is_its_own_and_tied_to_a_gate_the_initiative_passed(demo_ws):
    found = lessons.list_all(demo_ws)
    texts = [x.what_happened for x in found]
    assert len(found) >= 20 and len(set(texts)) == len(texts)
    for x in found:
        passed = {h.to_stage for h in initiatives.get(demo_ws, x.initiative_code).stage_history}
        assert x.stage in passed, (x.initiative_code, x.stage)


def test_a_gate_approved_as_met_had_its_criteria_met_that_day(demo_ws):
    from opsdesk.domain.enums import AgendaKind, Outcome
    from opsdesk.services.committee import gates

    approved, held = 0, 0
    for m in meetings.list_meetings(demo_ws):
        for item in m.items:
            d = item.decision
            if item.kind is not AgendaKind.STAGE_GATE or d is None:
                continue
            unmet = [c for c in gates.criteria_as_of(demo_ws, item.initiative_code, item.target_stage,
                                                     d.decided_at) if c.met is False]
            red = [c.name for c in unmet if c.group == "KPIs"]
            if d.outcome is Outcome.APPROVED:
                approved += 1
                assert "Gate criteria met" in d.rationale and not unmet, (item.title, unmet)
            elif d.outcome is Outcome.APPROVED_WITH_CONDITIONS:
                assert unmet and all(name in d.conditions for name in red[:3]), (item.title, d.conditions)
            else:
                held += 1
    assert approved and held


def test_stage_history_runs_forward_in_time_with_each_change_after_its_decision(demo_ws):
    decided = {i.decision.id: i.decision.decided_at for m in meetings.list_meetings(demo_ws) for i in m.items
               if i.decision}
    for row in initiatives.list_rows(demo_ws):
        history = initiatives.get(demo_ws, row.code).stage_history
        times = [h.changed_at for h in history]
        assert times == sorted(times), row.code
        for h in history:
            if h.decision_id is not None:
                assert h.changed_at >= decided[h.decision_id], (row.code, h.to_stage)
