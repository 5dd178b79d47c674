"""Getting started: an empty workspace's checklist, each step judged from the record and completed by the action
the checklist offers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from opsdesk.errors import ValidationError
from opsdesk.services.committee import charter, meetings
from opsdesk.services.finance import costs
from opsdesk.services.imports import runs
from opsdesk.services.onboarding import checklist
from opsdesk.services.registry import initiatives, people
from opsdesk.services.workspace import lifecycle
from tests.ingest.conftest import DATA


def _steps(ws):
    return {s.key: s for s in checklist.checklist(ws).steps}


def test_an_empty_workspace_has_every_step_to_do_and_says_what_is_missing(tmp_path: Path):
    ws = lifecycle.create(tmp_path / "new.opsdesk", organisation="", actor="secretary")
    try:
        c = checklist.checklist(ws)
        assert not c.done and c.remaining == 8
        steps = {s.key: s for s in c.steps}
        assert "printed on every paper" in steps["organisation"].detail
        assert "four voting members" in steps["committee"].detail and "finance" in steps["committee"].detail
        assert "import a FOCUS cost export first" in steps["allocate"].detail
        with pytest.raises(ValidationError):
            checklist.name_organisation(ws, "   ")
        checklist.name_organisation(ws, "  Department of   Examples ")
        assert lifecycle.info(ws).organisation == "Department of Examples"
        assert _steps(ws)["organisation"].done
        checklist.keep_default_markings(ws)
        assert _steps(ws)["classification"].done
    finally:
        ws.close()


def test_the_committee_step_needs_four_voting_members_covering_four_disciplines(ws):
    made = {}
    for name, discipline in (("Ada", "data"), ("Ben", "ml"), ("Cy", "finance"), ("Di", "data")):
        made[name] = people.create(ws, {"name": name, "email": f"{name}@example.org", "discipline": discipline}).id
        charter.set_member_role(ws, made[name], "member")
    step = _steps(ws)["committee"]
    assert not step.done and "executive" in step.detail.lower()
    eve = people.create(ws, {"name": "Eve", "email": "eve@example.org", "discipline": "executive"}).id
    charter.set_member_role(ws, eve, "observer")  # observers do not vote
    assert not _steps(ws)["committee"].done
    charter.set_member_role(ws, eve, "chair")
    assert _steps(ws)["committee"].done


def test_imported_costs_are_offered_the_rule_their_tags_name(ws, tmp_path: Path):
    initiatives.create(ws, {"code": "AI-0001", "name": "Claims triage"})
    initiatives.create(ws, {"code": "AI-0002", "name": "Fraud"})
    import csv
    import io

    # the official sample, with the FinOps team's project tag naming an initiative on some lines
    focus = (DATA / "focus-sample-data-official" / "focus_sample_1.0_1000.csv").read_text(encoding="utf-8")
    reader = list(csv.reader(io.StringIO(focus)))
    tag_col = reader[0].index("Tags")
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(reader[0])
    for i, row in enumerate(reader[1:]):
        if i % 3 == 0:
            row[tag_col] = '{"project": "%s"}' % ("AI-0001" if i % 2 else "AI-0002")
        w.writerow(row)
    path = tmp_path / "focus.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    assert runs.import_paths(ws, [path]).committed
    steps = _steps(ws)
    assert steps["import"].done and not steps["allocate"].done
    rule = checklist.checklist(ws).rule
    assert rule is not None and rule.tag_key == "project" and set(rule.values) == {"AI-0001", "AI-0002"}
    assert "'project'" in steps["allocate"].action
    before = costs.totals(ws, "initiative")["unallocated"]["USD"]
    checklist.add_suggested_rule(ws)
    after = costs.totals(ws, "initiative")
    assert after["unallocated"]["USD"] < before and "AI-0001" in after["totals"] and "AI-0002" in after["totals"]


def test_models_must_be_linked_and_a_meeting_planned(ws):
    runs.import_paths(ws, [DATA / "mlflow-generated-filestore" / "mlruns"])
    step = _steps(ws)["models"]
    assert not step.done and "not linked" in step.detail
    assert not _steps(ws)["meeting"].done
    meetings.create_meeting(ws, {"title": "First meeting"}, dt.datetime(2026, 12, 16, 10, tzinfo=dt.UTC))
    assert _steps(ws)["meeting"].done


def test_the_demo_workspace_is_ready(demo_ws):
    c = checklist.checklist(demo_ws)
    assert [s.key for s in c.steps if not s.done] == []
