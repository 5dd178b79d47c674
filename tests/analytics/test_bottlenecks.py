"""Bottlenecks and the "needs the committee" list on hand-made data."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from opsdesk.analytics import bottlenecks, kpis
from opsdesk.domain.enums import Direction, Discipline, OpsDiscipline, Stage

D = dt.date


def test_stage_spans_run_from_change_to_change_and_the_last_to_today():
    spans = bottlenecks.stage_spans([(Stage.PILOT, D(2026, 3, 1)), (Stage.PROPOSED, D(2026, 1, 1))], D(2026, 4, 1))
    assert [(s.stage, s.days, s.current) for s in spans] == [(Stage.PROPOSED, 59, False), (Stage.PILOT, 31, True)]


def test_stage_medians_and_stalled_initiatives():
    spans = {
        "AI-0001": bottlenecks.stage_spans([(Stage.PROPOSED, D(2026, 1, 1))], D(2026, 7, 1)),  # 181 days
        "AI-0002": bottlenecks.stage_spans([(Stage.PROPOSED, D(2026, 5, 1)), (Stage.PILOT, D(2026, 6, 1))],
                                           D(2026, 7, 1)),  # 31 in proposed, 30 in pilot
        "AI-0003": bottlenecks.stage_spans([(Stage.PROPOSED, D(2026, 6, 1))], D(2026, 7, 1)),  # 30 days
    }
    medians = bottlenecks.stage_medians(spans.values())
    assert medians == {Stage.PROPOSED: 31.0, Stage.PILOT: 30.0}
    items = bottlenecks.stalled(spans)
    assert [(a.initiative_code, a.kind) for a in items] == [("AI-0001", "stalled")]
    assert "181 days in Proposed" in items[0].reason and "median of 31 days" in items[0].reason
    assert bottlenecks.stalled(spans, only={"AI-0002", "AI-0003"}) == []  # same medians, other initiatives
    times = {(t.initiative_code, t.stage): t for t in bottlenecks.stage_times(spans)}
    past = times[("AI-0002", Stage.PROPOSED)]
    assert (past.days, past.current, past.median_days, past.ratio) == (31, False, 31.0, 1.0)
    assert times[("AI-0001", Stage.PROPOSED)].ratio == pytest.approx(181 / 31)


def test_breach_episodes_use_a_seven_day_mean():
    ts = np.arange(20) * 86400
    values = np.r_[np.full(5, 100.0), np.full(8, 90.0), np.full(7, 100.0)]
    # the 7-day mean first drops under 95 on the 4th day at 90 (index 8) and recovers on the 4th day back at 100
    episodes = bottlenecks.breach_episodes(ts, values, 98, 95, Direction.HIGHER_IS_BETTER)
    assert episodes == [(8 * 86400, 15 * 86400, 90.0)]
    assert bottlenecks.breach_episodes(ts, values, None, None, Direction.HIGHER_IS_BETTER) == []


def test_breaches_in_the_small_workspace(small_ws):
    snap = kpis.load_snapshot(small_ws)
    found = bottlenecks.breaches(snap, lambda sid: bottlenecks.series_history(small_ws, sid, snap.end_ts))
    summary = [(b.initiative_code, b.series_name, b.start, b.end, b.days, b.ongoing) for b in found]
    # pipeline at 90 % in October: red from 4 October (7-day mean < 95) until 5 November
    assert ("AI-0001", "Pipeline success rate", D(2026, 10, 4), D(2026, 11, 5), 33, False) in summary
    # latency at 700 ms on the last ten days: red from 26 November, still running
    assert ("AI-0002", "Inference latency p95", D(2026, 11, 26), D(2026, 11, 30), 5, True) in summary
    assert len(found) == 2  # deployments (a count) are never read day by day
    # without the history, a breach running at the start of the 60-day window starts with the window
    cut = bottlenecks.breaches(snap)
    assert [(b.series_name, b.start) for b in cut if not b.ongoing] == [("Pipeline success rate", D(2026, 10, 2))]


def test_team_gaps_name_the_missing_discipline(small_ws):
    """The one team rule of the Skills page: every governing discipline, executive included."""
    gaps = bottlenecks.team_gaps(small_ws, kpis.load_snapshot(small_ws))
    assert gaps == {"AI-0001": [Discipline.FINANCE, Discipline.EXECUTIVE], "AI-0002": [Discipline.EXECUTIVE]}


def test_an_edit_of_the_team_closes_the_gap_in_one_audited_action(small_ws):
    from opsdesk.services.registry import initiatives, people
    from opsdesk.store import audit

    team = {m.person_id: m.role for m in initiatives.get(small_ws, "AI-0001").team}
    fay = next(p for p in people.list_all(small_ws) if p.discipline is Discipline.FINANCE)
    initiatives.update(small_ws, "AI-0001", {"owner": "Dana"}, team={**team, fay.id: "finops_analyst"})
    assert bottlenecks.team_gaps(small_ws, kpis.load_snapshot(small_ws))["AI-0001"] == [Discipline.EXECUTIVE]
    actions = [e.action for e in audit.history(small_ws, "initiative", "AI-0001")[:2]]
    assert sorted(actions) == ["set_team", "update"]
    initiatives.update(small_ws, "AI-0001", {}, team=team)
    assert bottlenecks.team_gaps(small_ws, kpis.load_snapshot(small_ws))["AI-0001"] == [Discipline.FINANCE,
                                                                                          Discipline.EXECUTIVE]


def test_attention_ranks_every_kind_with_a_reason(small_ws):
    items = bottlenecks.attention(small_ws)
    kinds = [(a.initiative_code, a.kind) for a in items]
    assert kinds == [("AI-0002", "gate_request"), ("AI-0002", "breach"), ("AI-0001", "overdue_action"),
                     ("AI-0001", "non_conformance"), ("AI-0001", "skill_gap"), ("AI-0002", "skill_gap")]
    assert [a.score for a in items] == sorted((a.score for a in items), reverse=True)
    gate, breach, overdue, nonconf, gap, _other_gap = items
    assert "gate to Pilot" in gate.reason and gate.since == D(2027, 1, 14)
    assert "Inference latency p95 red for 5 days" in breach.reason and breach.discipline is OpsDiscipline.MLOPS
    assert "Fix the pipeline" in overdue.reason and "29 days overdue" in overdue.reason
    assert nonconf.reason == "Not met: R-1 (STD); waiver expired: R-2 (STD) on 2026-10-01"
    assert gap.reason == "Nobody on the team covers Finance, Executive"


def test_budget_overrun_enters_the_list(small_ws):
    from opsdesk.services.registry import initiatives

    initiatives.update(small_ws, "AI-0001", {"budget": "800"})  # 900 already spent
    items = [a for a in bottlenecks.attention(small_ws) if a.kind == "budget"]
    assert [(a.initiative_code, a.discipline) for a in items] == [("AI-0001", OpsDiscipline.FINOPS)]
    assert "112 % of the budget is already spent" in items[0].reason


def test_inventory_gaps_join_the_list_once_the_workspace_keeps_an_inventory(small_ws):
    from opsdesk.services.reporting import inventory

    assert not [a for a in bottlenecks.attention(small_ws) if a.kind == "inventory"]
    inventory.update_record(small_ws, "AI-0001", {"agency": "DPS", "is_withheld": "No"})
    items = {a.initiative_code: a for a in bottlenecks.attention(small_ws) if a.kind == "inventory"}
    assert set(items) == {"AI-0001", "AI-0002"}
    assert "topic_area" in items["AI-0001"].reason and "AI use case inventory" in items["AI-0001"].reason
